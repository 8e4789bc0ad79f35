//! The `-W`, `-S`, `-C`, `-O` and `-D` option groups: comma-separated
//! `KEY[=VALUE]` lists, spelled and defaulted as `wasmtime run` has them.
//!
//! Each group parses into a list of typed options as a clap value parser, so
//! a bad key or value is a usage error (exit status 2). Keys Wasmtime has
//! but wasmdebug does not serve are named as such, never ignored.
//!
//! Each group is one table of its keys (name, help, parser), so adding a
//! key is one line and no key can be served without a parser.
//!
//! Over 500 lines on purpose: five small groups that share one list parser
//! and one `Settings`, and read best side by side.

use std::path::PathBuf;
use std::time::Duration;

/// A Wasm proposal `-W` can switch, as `wasmtime run` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    BulkMemory,
    ComponentModel,
    CustomPageSizes,
    Exceptions,
    ExtendedConst,
    FunctionReferences,
    Gc,
    Memory64,
    MultiMemory,
    MultiValue,
    ReferenceTypes,
    RelaxedSimd,
    Simd,
    TailCall,
    Threads,
    WideArithmetic,
}

impl Proposal {
    /// Switches the proposal in an engine configuration.
    pub fn apply(self, config: &mut wasmtime::Config, enable: bool) {
        match self {
            Proposal::BulkMemory => config.wasm_bulk_memory(enable),
            Proposal::ComponentModel => config.wasm_component_model(enable),
            Proposal::CustomPageSizes => config.wasm_custom_page_sizes(enable),
            Proposal::Exceptions => config.wasm_exceptions(enable),
            Proposal::ExtendedConst => config.wasm_extended_const(enable),
            Proposal::FunctionReferences => config.wasm_function_references(enable),
            Proposal::Gc => config.wasm_gc(enable),
            Proposal::Memory64 => config.wasm_memory64(enable),
            Proposal::MultiMemory => config.wasm_multi_memory(enable),
            Proposal::MultiValue => config.wasm_multi_value(enable),
            Proposal::ReferenceTypes => config.wasm_reference_types(enable),
            Proposal::RelaxedSimd => config.wasm_relaxed_simd(enable),
            Proposal::Simd => config.wasm_simd(enable),
            Proposal::TailCall => config.wasm_tail_call(enable),
            Proposal::Threads => config.wasm_threads(enable),
            Proposal::WideArithmetic => config.wasm_wide_arithmetic(enable),
        };
    }
}

/// `-W`: how Wasm executes.
#[derive(Clone, Debug, PartialEq)]
pub enum Wasm {
    Fuel(u64),
    Timeout(Duration),
    MaxMemorySize(usize),
    MaxWasmStack(usize),
    Proposal(Proposal, bool),
}

/// `-S`: what WASI gives the program.
#[derive(Clone, Debug, PartialEq)]
pub enum Wasi {
    Cli(bool),
    InheritEnv(bool),
    InheritNetwork(bool),
    AllowIpNameLookup(bool),
    Tcp(bool),
    Udp(bool),
}

/// `-C`: code generation.
#[derive(Clone, Debug, PartialEq)]
pub enum Codegen {
    Cache(bool),
    CacheConfig(PathBuf),
}

/// `-O`: optimization.
#[derive(Clone, Debug, PartialEq)]
pub enum Optimize {
    OptLevel(wasmtime::OptLevel),
}

/// `-D`: the debugger.
#[derive(Clone, Debug, PartialEq)]
pub enum Debug {
    Debugger(PathBuf),
    Arg(String),
    TimeTravel(bool),
}

/// One key a group serves: its name, what its value is, and its parser.
pub struct Key<T> {
    name: &'static str,
    help: &'static str,
    parse: fn(Option<&str>) -> Result<T, String>,
}

const fn key<T>(
    name: &'static str,
    help: &'static str,
    parse: fn(Option<&str>) -> Result<T, String>,
) -> Key<T> {
    Key { name, help, parse }
}

/// One option group: its flag, the keys it serves, the keys of `wasmtime
/// run`'s group of the same flag that wasmdebug does not serve, and how an
/// option of it changes `Settings`.
pub trait Group: Sized + 'static {
    const FLAG: char;
    const KEYS: &'static [Key<Self>];
    const UPSTREAM: &'static [&'static str];
    fn apply(&self, settings: &mut Settings);
}

/// What a proposal switch's help says.
const SWITCH: &str = "y|n: the proposal of that name";

impl Group for Wasm {
    const FLAG: char = 'W';
    const KEYS: &'static [Key<Wasm>] = &[
        key("fuel", "N: trap after N units of fuel", |v| {
            number(v).map(Wasm::Fuel)
        }),
        key(
            "timeout",
            "DURATION: trap after that long (10s, 500ms)",
            |v| duration(v).map(Wasm::Timeout),
        ),
        key(
            "max-memory-size",
            "BYTES: the most a memory may grow to",
            |v| number(v).map(Wasm::MaxMemorySize),
        ),
        key(
            "max-wasm-stack",
            "BYTES: the Wasm stack's size",
            |v| match number(v)? {
                0 => Err("the stack cannot be empty".to_string()),
                bytes => Ok(Wasm::MaxWasmStack(bytes)),
            },
        ),
        key("bulk-memory", SWITCH, |v| switch(Proposal::BulkMemory, v)),
        key("component-model", SWITCH, |v| {
            switch(Proposal::ComponentModel, v)
        }),
        key("custom-page-sizes", SWITCH, |v| {
            switch(Proposal::CustomPageSizes, v)
        }),
        key("exceptions", SWITCH, |v| switch(Proposal::Exceptions, v)),
        key("extended-const", SWITCH, |v| {
            switch(Proposal::ExtendedConst, v)
        }),
        key("function-references", SWITCH, |v| {
            switch(Proposal::FunctionReferences, v)
        }),
        key("gc", SWITCH, |v| switch(Proposal::Gc, v)),
        key("memory64", SWITCH, |v| switch(Proposal::Memory64, v)),
        key("multi-memory", SWITCH, |v| switch(Proposal::MultiMemory, v)),
        key("multi-value", SWITCH, |v| switch(Proposal::MultiValue, v)),
        key("reference-types", SWITCH, |v| {
            switch(Proposal::ReferenceTypes, v)
        }),
        key("relaxed-simd", SWITCH, |v| switch(Proposal::RelaxedSimd, v)),
        key("simd", SWITCH, |v| switch(Proposal::Simd, v)),
        key("tail-call", SWITCH, |v| switch(Proposal::TailCall, v)),
        key("threads", SWITCH, |v| switch(Proposal::Threads, v)),
        key("wide-arithmetic", SWITCH, |v| {
            switch(Proposal::WideArithmetic, v)
        }),
    ];
    const UPSTREAM: &'static [&'static str] = &[
        "nan-canonicalization",
        "epoch-interruption",
        "async-stack-size",
        "async-stack-zeroing",
        "unknown-exports-allow",
        "unknown-imports-trap",
        "unknown-imports-default",
        "wmemcheck",
        "max-table-elements",
        "max-instances",
        "max-tables",
        "max-memories",
        "trap-on-grow-failure",
        "all-proposals",
        "relaxed-simd-deterministic",
        "shared-memory",
        "shared-everything-threads",
        "component-model-async",
        "component-model-more-async-builtins",
        "component-model-async-stackful",
        "component-model-threading",
        "component-model-error-context",
        "component-model-gc",
        "component-model-map",
        "component-model-memory64",
        "component-model-fixed-length-lists",
        "component-model-implements",
        "stack-switching",
        "branch-hinting",
        "gc-support",
        "concurrency-support",
    ];

    fn apply(&self, settings: &mut Settings) {
        match self {
            Wasm::Fuel(fuel) => settings.fuel = Some(*fuel),
            Wasm::Timeout(timeout) => settings.timeout = Some(*timeout),
            Wasm::MaxMemorySize(bytes) => settings.max_memory_size = Some(*bytes),
            Wasm::MaxWasmStack(bytes) => settings.max_wasm_stack = Some(*bytes),
            Wasm::Proposal(proposal, enable) => settings.proposals.push((*proposal, *enable)),
        }
    }
}

/// A proposal switch's parser.
fn switch(proposal: Proposal, value: Option<&str>) -> Result<Wasm, String> {
    Ok(Wasm::Proposal(proposal, boolean(value)?))
}

impl Group for Wasi {
    const FLAG: char = 'S';
    const KEYS: &'static [Key<Wasi>] = &[
        key("cli", "y|n: the wasi:cli imports", |v| {
            boolean(v).map(Wasi::Cli)
        }),
        key("inherit-env", "y|n: the host's environment", |v| {
            boolean(v).map(Wasi::InheritEnv)
        }),
        key(
            "inherit-network",
            "y|n: every address, by TCP and UDP",
            |v| boolean(v).map(Wasi::InheritNetwork),
        ),
        key("allow-ip-name-lookup", "y|n: name lookups", |v| {
            boolean(v).map(Wasi::AllowIpNameLookup)
        }),
        key("tcp", "y|n: TCP sockets", |v| boolean(v).map(Wasi::Tcp)),
        key("udp", "y|n: UDP sockets", |v| boolean(v).map(Wasi::Udp)),
    ];
    const UPSTREAM: &'static [&'static str] = &[
        "cli-exit-with-code",
        "common",
        "nn",
        "threads",
        "http",
        "http-outgoing-body-buffer-chunks",
        "http-outgoing-body-chunk-size",
        "config",
        "keyvalue",
        "listenfd",
        "tcplisten",
        "tls",
        "preview2",
        "nn-graph",
        "network-error-code",
        "preview0",
        "inherit-stdin",
        "inherit-stdout",
        "inherit-stderr",
        "cwd",
        "config-var",
        "keyvalue-in-memory-data",
        "p3",
        "max-resources",
        "hostcall-fuel",
        "max-random-size",
        "max-http-fields-size",
    ];

    fn apply(&self, settings: &mut Settings) {
        match self {
            Wasi::Cli(enable) => settings.cli = *enable,
            Wasi::InheritEnv(enable) => settings.inherit_env = *enable,
            Wasi::InheritNetwork(enable) => settings.inherit_network = *enable,
            Wasi::AllowIpNameLookup(enable) => settings.allow_ip_name_lookup = Some(*enable),
            Wasi::Tcp(enable) => settings.tcp = Some(*enable),
            Wasi::Udp(enable) => settings.udp = Some(*enable),
        }
    }
}

impl Group for Codegen {
    const FLAG: char = 'C';
    const KEYS: &'static [Key<Codegen>] = &[
        key("cache", "y|n: the compiled-code cache", |v| {
            boolean(v).map(Codegen::Cache)
        }),
        key(
            "cache-config",
            "FILE: the cache's settings, in Wasmtime's format",
            |v| text(v).map(|path| Codegen::CacheConfig(path.into())),
        ),
    ];
    const UPSTREAM: &'static [&'static str] = &[
        "compiler",
        "collector",
        "cranelift-debug-verifier",
        "parallel-compilation",
        "native-unwind-info",
        "inlining",
        "metadata-for-internal-asserts",
        "metadata-for-gc-heap-corruption",
        "cranelift",
    ];

    fn apply(&self, settings: &mut Settings) {
        match self {
            Codegen::Cache(enable) => settings.cache = *enable,
            Codegen::CacheConfig(path) => settings.cache_config = Some(path.clone()),
        }
    }
}

impl Group for Optimize {
    const FLAG: char = 'O';
    const KEYS: &'static [Key<Optimize>] = &[key(
        "opt-level",
        "0|1|2|s: how hard Cranelift optimizes",
        opt_level,
    )];
    const UPSTREAM: &'static [&'static str] = &[
        "regalloc-algorithm",
        "memory-may-move",
        "memory-reservation",
        "memory-reservation-for-growth",
        "memory-guard-size",
        "gc-heap-may-move",
        "gc-heap-reservation",
        "gc-heap-reservation-for-growth",
        "gc-heap-guard-size",
        "gc-heap-initial-size",
        "guard-before-linear-memory",
        "table-lazy-init",
        "pooling-allocator",
        "memory-init-cow",
        "memory-guaranteed-dense-image-size",
        "signals-based-traps",
    ];

    fn apply(&self, settings: &mut Settings) {
        let Optimize::OptLevel(level) = self;
        settings.opt_level = Some(*level);
    }
}

fn opt_level(value: Option<&str>) -> Result<Optimize, String> {
    // As in `wasmtime run`, 1 is Cranelift's `speed`, the same as 2.
    match text(value)? {
        "0" => Ok(Optimize::OptLevel(wasmtime::OptLevel::None)),
        "1" | "2" => Ok(Optimize::OptLevel(wasmtime::OptLevel::Speed)),
        "s" => Ok(Optimize::OptLevel(wasmtime::OptLevel::SpeedAndSize)),
        other => Err(format!(
            "unknown optimization level `{other}`: expected 0, 1, 2 or s"
        )),
    }
}

impl Group for Debug {
    const FLAG: char = 'D';
    const KEYS: &'static [Key<Debug>] = &[
        key(
            "debugger",
            "COMPONENT.wasm: the debugger component to run",
            |v| text(v).map(|path| Debug::Debugger(path.into())),
        ),
        key(
            "arg",
            "VALUE: one argument for the debugger component",
            |v| text(v).map(|arg| Debug::Arg(arg.into())),
        ),
        key(
            "time-travel",
            "y|n: record a core module's inputs so it can run in reverse (default y)",
            |v| boolean(v).map(Debug::TimeTravel),
        ),
    ];
    const UPSTREAM: &'static [&'static str] = &[
        "debug-info",
        "guest-debug",
        "address-map",
        "logging",
        "log-to-files",
        "coredump",
        "inherit-stdin",
        "inherit-stdout",
        "inherit-stderr",
        "max-backtrace",
        "symbols",
    ];

    fn apply(&self, settings: &mut Settings) {
        match self {
            Debug::Debugger(path) => settings.debugger = Some(path.clone()),
            Debug::Arg(arg) => settings.debugger_args.push(arg.clone()),
            Debug::TimeTravel(on) => settings.time_travel = *on,
        }
    }
}

/// One occurrence of a group's flag: its options, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T>(pub Vec<T>);

/// Everything the option groups ask for; as in `wasmtime run`, the last
/// value of a key wins.
#[derive(Clone, Debug)]
pub struct Settings {
    pub fuel: Option<u64>,
    pub timeout: Option<Duration>,
    pub max_memory_size: Option<usize>,
    pub max_wasm_stack: Option<usize>,
    pub proposals: Vec<(Proposal, bool)>,
    pub cli: bool,
    pub inherit_env: bool,
    pub inherit_network: bool,
    pub allow_ip_name_lookup: Option<bool>,
    pub tcp: Option<bool>,
    pub udp: Option<bool>,
    pub cache: bool,
    pub cache_config: Option<PathBuf>,
    pub opt_level: Option<wasmtime::OptLevel>,
    pub debugger: Option<PathBuf>,
    pub debugger_args: Vec<String>,
    /// Under a debugger, whether a core module's inputs are recorded (and
    /// fuel counted, the clock of time travel).
    pub time_travel: bool,
    /// Whether every engine computes the same values: set for recording to
    /// a file and replaying one, which may run on other engines (see
    /// `program::engine`).
    pub deterministic: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            fuel: None,
            timeout: None,
            max_memory_size: None,
            max_wasm_stack: None,
            proposals: Vec::new(),
            cli: true,
            inherit_env: false,
            inherit_network: false,
            allow_ip_name_lookup: None,
            tcp: None,
            udp: None,
            cache: true,
            cache_config: None,
            opt_level: None,
            debugger: None,
            debugger_args: Vec::new(),
            time_travel: true,
            deterministic: false,
        }
    }
}

impl Settings {
    /// These settings with every occurrence of one group's flag applied,
    /// in order.
    pub fn with<G: Group>(mut self, lists: &[List<G>]) -> Settings {
        for option in lists.iter().flat_map(|list| &list.0) {
            option.apply(&mut self);
        }
        self
    }
}

/// The keys of one `-X KEY[=VALUE],...` list.
fn keys(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(|item| item.split_once('=').map_or(item, |(key, _)| key))
}

/// Parses one `-X KEY[=VALUE],...` list of group `G`.
fn list<G: Group>(text: &str) -> Result<List<G>, String> {
    let flag = G::FLAG;
    text.split(',')
        .map(|item| {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (item, None),
            };
            if let Some(key) = G::KEYS.iter().find(|key| key.name == name) {
                return (key.parse)(value).map_err(|why| format!("-{flag} {name}: {why}"));
            }
            let served = served::<G>();
            if G::UPSTREAM.contains(&name) || name.starts_with("cranelift-") {
                Err(format!(
                    "`wasmtime run`'s -{flag} {name} is not served by wasmdebug (it serves: {served})"
                ))
            } else {
                Err(format!("unknown -{flag} option `{name}` (wasmdebug serves: {served})"))
            }
        })
        .collect::<Result<_, _>>()
        .map(List)
}

/// The keys group `G` serves, for a message.
fn served<G: Group>() -> String {
    let names: Vec<&str> = G::KEYS.iter().map(|key| key.name).collect();
    names.join(", ")
}

/// A group's `--help` text: `summary`, then each key it serves.
pub fn long_help<G: Group>(summary: &str) -> String {
    let mut help = format!("{summary}, as a comma-separated list of KEY[=VALUE]:");
    for key in G::KEYS {
        help.push_str(&format!("\n  {}={}", key.name, key.help));
    }
    help
}

pub fn wasm(text: &str) -> Result<List<Wasm>, String> {
    list(text)
}

pub fn wasi(text: &str) -> Result<List<Wasi>, String> {
    list(text)
}

/// `serve -S`: run's `-S` keys, of which a server takes `cli` alone.
pub fn serve_wasi(text: &str) -> Result<List<Wasi>, String> {
    let options = list(text)?;
    match keys(text).find(|name| *name != "cli") {
        Some(name) => Err(format!(
            "-S {name} is not served by `wasmdebug serve` (it serves: cli)"
        )),
        None => Ok(options),
    }
}

pub fn codegen(text: &str) -> Result<List<Codegen>, String> {
    list(text)
}

pub fn optimize(text: &str) -> Result<List<Optimize>, String> {
    list(text)
}

pub fn debug(text: &str) -> Result<List<Debug>, String> {
    list(text)
}

/// A switch: bare, or `y`/`yes`/`true`, `n`/`no`/`false`.
fn boolean(value: Option<&str>) -> Result<bool, String> {
    match value {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => Err(format!("expected y or n, not `{other}`")),
    }
}

fn text(value: Option<&str>) -> Result<&str, String> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err("expected KEY=VALUE".to_string()),
    }
}

/// A count or a size in bytes: decimal or `0x` hexadecimal, `_` allowed
/// between digits, as in `wasmtime run`.
fn number<N: TryFrom<u64>>(value: Option<&str>) -> Result<N, String> {
    let digits = text(value)?.replace('_', "");
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed
        .ok()
        .and_then(|n| N::try_from(n).ok())
        .ok_or_else(|| format!("expected a number, not `{digits}`"))
}

/// `N` (seconds), `Ns`, `Nms`, `Nus` or `Nns`, as in `wasmtime run`.
fn duration(value: Option<&str>) -> Result<Duration, String> {
    let text = text(value)?;
    type Unit = (&'static str, fn(u64) -> Duration);
    let units: [Unit; 5] = [
        ("ms", Duration::from_millis),
        ("us", Duration::from_micros),
        ("ns", Duration::from_nanos),
        ("s", Duration::from_secs),
        ("", Duration::from_secs),
    ];
    units
        .iter()
        .find_map(|(unit, make)| text.strip_suffix(unit)?.parse().ok().map(make))
        .ok_or_else(|| format!("expected a duration such as 10s or 500ms, not `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(wasm("fuel=1_000").unwrap().0, [Wasm::Fuel(1000)]);
        assert_eq!(
            wasm("max-memory-size=0x10000,simd=n,tail-call").unwrap().0,
            [
                Wasm::MaxMemorySize(65536),
                Wasm::Proposal(Proposal::Simd, false),
                Wasm::Proposal(Proposal::TailCall, true)
            ]
        );
        let check = |text: &str, expected: Duration| {
            assert_eq!(wasm(text).unwrap().0, [Wasm::Timeout(expected)], "{text}");
        };
        check("timeout=2", Duration::from_secs(2));
        check("timeout=2s", Duration::from_secs(2));
        check("timeout=250ms", Duration::from_millis(250));
        check("timeout=7us", Duration::from_micros(7));
        check("timeout=9ns", Duration::from_nanos(9));
        assert_eq!(
            debug("debugger=d.wasm,arg=a=b").unwrap().0,
            [Debug::Debugger("d.wasm".into()), Debug::Arg("a=b".into())]
        );
    }

    #[test]
    fn errors_name_the_key() {
        let check = |result: Result<(), String>, expected: &str| {
            let error = result.unwrap_err();
            assert!(error.contains(expected), "{error}");
        };
        let wasm = |text| super::wasm(text).map(drop);
        check(wasm("fuel"), "-W fuel: expected KEY=VALUE");
        check(wasm("fuel=lots"), "expected a number, not `lots`");
        check(wasm("timeout=soon"), "expected a duration");
        check(wasm("simd=maybe"), "expected y or n");
        check(wasm("max-wasm-stack=0"), "cannot be empty");
        check(
            wasm("nan-canonicalization"),
            "`wasmtime run`'s -W nan-canonicalization is not served",
        );
        check(wasm("frobnicate=1"), "unknown -W option `frobnicate`");
        check(
            super::codegen("cranelift-opt-level=2").map(drop),
            "is not served",
        );
        check(
            super::optimize("opt-level=3").map(drop),
            "unknown optimization level `3`",
        );
        check(
            super::debug("coredump=x").map(drop),
            "-D coredump is not served",
        );
        check(
            super::debug("colour=red").map(drop),
            "unknown -D option `colour`",
        );
        check(super::wasi("http").map(drop), "-S http is not served");
        check(
            super::serve_wasi("cli,tcp").map(drop),
            "-S tcp is not served by `wasmdebug serve`",
        );
        check(super::serve_wasi("cli=maybe").map(drop), "expected y or n");
    }

    #[test]
    fn every_key_has_one_entry() {
        fn check<G: Group>() {
            for (index, key) in G::KEYS.iter().enumerate() {
                let later = &G::KEYS[index + 1..];
                assert!(
                    !later.iter().any(|other| other.name == key.name),
                    "-{} {} twice",
                    G::FLAG,
                    key.name
                );
                assert!(
                    !G::UPSTREAM.contains(&key.name),
                    "-{} {}",
                    G::FLAG,
                    key.name
                );
            }
        }
        check::<Wasm>();
        check::<Wasi>();
        check::<Codegen>();
        check::<Optimize>();
        check::<Debug>();
    }

    #[test]
    fn serve_takes_cli_alone() {
        assert_eq!(serve_wasi("cli").unwrap().0, [Wasi::Cli(true)]);
        assert_eq!(serve_wasi("cli=n").unwrap().0, [Wasi::Cli(false)]);
    }
}
