//! conlab's two kinds of failure, which map to its exit codes: bad input from the user
//! (exit 2, one line, nothing written) and conlab itself failing (exit 1).

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage or bad input: exit 2.
    #[error("{0}")]
    Usage(String),
    /// conlab could not do its job: exit 1.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Internal(_) => 1,
        }
    }
}
