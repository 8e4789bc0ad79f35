//! Expected output lines as patterns: `*` matches any text, `{name}`
//! captures text the first time and must match the same text afterwards.
//! Captures also fill `{name}` in later commands.

use std::collections::BTreeMap;

/// Captured values by name.
pub type Vars = BTreeMap<String, String>;

/// Replaces each `{name}` in `command` by its captured value.
pub fn substitute(command: &str, vars: &Vars) -> String {
    let mut text = command.to_string();
    while let Some(start) = text.find('{') {
        let end = start + text[start..].find('}').expect("`{` closed by `}`");
        let name = &text[start + 1..end];
        let value = vars
            .get(name)
            .unwrap_or_else(|| panic!("`{command}` uses `{{{name}}}` before it is captured"));
        text.replace_range(start..=end, value);
    }
    text
}

/// Checks the test debugger's output (its lines are `COMMAND -> RESULT`,
/// among others the host may print): for each of `commands`, in order, the
/// next line of that command has a result that matches its `patterns`
/// entry. `context` says what ran, for the failure message.
pub fn check_script_lines(
    commands: &[String],
    patterns: &[&str],
    output: &str,
    vars: &mut Vars,
    context: impl Fn() -> String,
) {
    let mut lines = output.lines();
    for (text, pattern) in commands.iter().zip(patterns) {
        let prefix = format!("{text} -> ");
        let actual = lines
            .by_ref()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or("<no line>");
        assert!(
            matches(pattern, actual, vars),
            "`{text}`: expected `{pattern}`, got `{actual}`\n{}",
            context()
        );
    }
}

/// Whether `text` matches `pattern`; on success the captures join `vars`.
pub fn matches(pattern: &str, text: &str, vars: &mut Vars) -> bool {
    let mut trial = vars.clone();
    let matched = match_here(pattern, text, &mut trial);
    if matched {
        *vars = trial;
    }
    matched
}

fn match_here(pattern: &str, text: &str, vars: &mut Vars) -> bool {
    let splits = |from: usize| (from..=text.len()).filter(|&i| text.is_char_boundary(i));
    if pattern.is_empty() {
        return text.is_empty();
    }
    if let Some(rest) = pattern.strip_prefix('*') {
        return splits(0).any(|i| attempt(rest, &text[i..], vars, None));
    }
    if let Some(close) = pattern.strip_prefix('{').and_then(|p| p.find('}')) {
        let name = &pattern[1..=close];
        let rest = &pattern[close + 2..];
        if let Some(value) = vars.get(name).cloned() {
            return text
                .strip_prefix(value.as_str())
                .is_some_and(|text| match_here(rest, text, vars));
        }
        // Shortest first, so a capture stops at the text that follows it.
        return splits(1).any(|i| attempt(rest, &text[i..], vars, Some((name, &text[..i]))));
    }
    let literal_end = pattern[1..]
        .find(['*', '{'])
        .map_or(pattern.len(), |i| i + 1);
    text.strip_prefix(&pattern[..literal_end])
        .is_some_and(|text| match_here(&pattern[literal_end..], text, vars))
}

/// Matches `rest` with an optional new capture, keeping `vars` unchanged on failure.
fn attempt(rest: &str, text: &str, vars: &mut Vars, capture: Option<(&str, &str)>) -> bool {
    let mut trial = vars.clone();
    if let Some((name, value)) = capture {
        trial.insert(name.to_string(), value.to_string());
    }
    let matched = match_here(rest, text, &mut trial);
    if matched {
        *vars = trial;
    }
    matched
}
