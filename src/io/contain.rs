//! Containment of panics inside third-party parsers.
//!
//! `mshio` and `vtkio` index into the input with sizes taken from the file and can panic on
//! hostile bytes (found by `cargo fuzz`). Their calls run under [`contained`]: a panic becomes
//! `None`, which the caller turns into a [`ReadError`](super::ReadError) naming the file. A panic
//! hook, installed once, keeps such contained panics off stderr; panics anywhere else (our own
//! code) still go to the previous hook, so the fuzzers and the tests still see them.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// Source paths of the crates whose panics are contained.
const CONTAINED: [&str; 5] = ["/mshio-", "/vtkio-", "/nom-", "/quick-xml-", "/quick_xml-"];

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let third_party = info.location().is_some_and(|l| CONTAINED.iter().any(|c| l.file().contains(c)));
            if !third_party {
                previous(info);
            }
        }));
    });
}

/// Runs a third-party parser; `None` if it panicked.
pub(crate) fn contained<T>(parse: impl FnOnce() -> T) -> Option<T> {
    install_hook();
    panic::catch_unwind(AssertUnwindSafe(parse)).ok()
}
