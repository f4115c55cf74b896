//! The pictures and plots a run puts into its report.

use crate::report::static_run::Figures;
use crate::twin::fatigue::FatigueRun;
use crate::twin::{Problem, Solution};

/// Pictures of a static run.
pub(super) fn static_run(_problem: &Problem, _solution: &Solution, _quiet: bool) -> Figures {
    Figures::default()
}

/// Pictures of a fatigue run.
pub(super) fn fatigue_run(_problem: &Problem, _run: &FatigueRun, _quiet: bool) -> Figures {
    Figures::default()
}
