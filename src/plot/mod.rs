//! Plots (placeholder filled below).
