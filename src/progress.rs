//! Progress reporting for long work (assembly, solver iterations), decoupled from any terminal
//! library: the command line implements [`Progress`] with progress bars, tests use [`Silent`].

/// Receives progress events. All methods default to doing nothing.
pub trait Progress: Sync {
    /// A stage begins; `total` is its length when known (cells, iterations).
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    /// The current stage reached `position`; `message` is a short status (e.g. the residual).
    fn advance(&self, _position: u64, _message: &str) {}
    /// The current stage ended.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
