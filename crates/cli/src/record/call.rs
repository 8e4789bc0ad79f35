//! One recorded host call: which function, its arguments, and what it did.

/// One host call and what came of it.
pub struct Call {
    /// Which import was called (an index the caller defines).
    pub function: u16,
    /// Its arguments, to tell a replay that took another path.
    pub params: Box<[i64]>,
    pub outcome: Outcome,
}

/// What a host call did to the program.
pub enum Outcome {
    /// It returned these results, after writing these bytes into guest
    /// memory (address, bytes).
    Returned {
        results: Box<[i64]>,
        writes: Box<[(u32, Box<[u8]>)]>,
    },
    /// It ended the program with this exit status (`proc_exit`).
    Exited(i32),
    /// It failed with this error, which traps the program.
    Failed(String),
    /// A component's host call returned this value (encoded as
    /// `preview2` says); the canonical ABI wrote it into guest memory.
    Answered(Box<[u8]>),
}

impl Call {
    /// Roughly what keeping this call costs, for the cap.
    pub fn size(&self) -> usize {
        let outcome = match &self.outcome {
            Outcome::Returned { results, writes } => {
                results.len() * 8
                    + writes
                        .iter()
                        .map(|(_, bytes)| 16 + bytes.len())
                        .sum::<usize>()
            }
            Outcome::Exited(_) => 0,
            Outcome::Failed(message) => message.len(),
            Outcome::Answered(answer) => answer.len(),
        };
        std::mem::size_of::<Call>() + self.params.len() * 8 + outcome
    }
}
