//! The error of the fatigue assessment: every rejected input, named and with its value.

/// Why a fatigue input was rejected. Each variant names the entry and carries the offending number,
/// so that a scenario layer can point at the key that holds it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FatigueError {
    /// A parameter is NaN or infinite.
    #[error("fatigue parameter `{name}` is {value}, which is not a finite number")]
    NonFinite {
        /// The parameter's name.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A parameter that must be strictly positive is not.
    #[error("fatigue parameter `{name}` is {value}; it must be > 0")]
    NotPositive {
        /// The parameter's name.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// The design life is zero, negative or not finite.
    #[error("the design life is {value}; it must be a finite number of cycles (or repetitions) > 0")]
    DesignLife {
        /// The offending value.
        value: f64,
    },
    /// A Marin factor lies outside (0, 1].
    #[error("Marin {name} factor is {value}; it must lie in (0, 1]")]
    Marin {
        /// `surface`, `size` or `reliability`.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// The Basquin exponent is not negative.
    #[error("Basquin exponent b = {value}; it must be < 0 (strength falls with cycles)")]
    BasquinExponent {
        /// The offending value.
        value: f64,
    },
    /// An S-N table has fewer than two rows.
    #[error("an S-N table needs at least 2 rows (N, S); it has {rows}")]
    TableTooShort {
        /// Number of rows given.
        rows: usize,
    },
    /// An S-N table row does not increase in N or does not decrease in S.
    #[error(
        "S-N table row {row} (N = {cycles}, S = {strength}) does not follow row {prev} \
         (N = {prev_cycles}, S = {prev_strength}): N must increase and S decrease strictly"
    )]
    TableNotMonotone {
        /// Index (from 0) of the offending row.
        row: usize,
        /// Its cycles.
        cycles: f64,
        /// Its strength.
        strength: f64,
        /// Index of the row before it.
        prev: usize,
        /// The cycles of the row before.
        prev_cycles: f64,
        /// The strength of the row before.
        prev_strength: f64,
    },
    /// The default S-N rule needs 0.9 S_u above S_e.
    #[error("default S-N line: 0.9 S_u = {high} Pa must exceed the endurance strength S_e = {endurance} Pa")]
    DefaultRule {
        /// 0.9 S_u.
        high: f64,
        /// S_e.
        endurance: f64,
    },
    /// The yield strength exceeds the ultimate strength.
    #[error("yield strength {yield_strength} Pa exceeds the ultimate strength {ultimate} Pa")]
    YieldAboveUltimate {
        /// S_y.
        yield_strength: f64,
        /// S_u.
        ultimate: f64,
    },
    /// Poisson's ratio outside (−1, 0.5).
    #[error("Poisson's ratio ν = {value}; it must lie in (-1, 0.5)")]
    PoissonRatio {
        /// The offending value.
        value: f64,
    },
    /// The Walker exponent lies outside [0, 1].
    #[error("Walker exponent γ = {value}; it must lie in [0, 1]")]
    WalkerGamma {
        /// The offending value.
        value: f64,
    },
    /// Findley's normal-stress coefficient is negative.
    #[error("Findley coefficient k = {value}; it must be ≥ 0")]
    FindleyK {
        /// The offending value.
        value: f64,
    },
    /// The Findley plane-search step lies outside (0, 45] degrees.
    #[error("Findley plane step {value}°; it must lie in (0, 45]")]
    FindleyStep {
        /// The offending value in degrees.
        value: f64,
    },
    /// A stress ratio R outside its valid range.
    #[error("stress ratio R = {value} is outside its range: any finite R except 1 (R = 1 is a static load, no cycle)")]
    StressRatio {
        /// The offending value.
        value: f64,
    },
    /// A history has no samples.
    #[error("the load history has no samples")]
    EmptyHistory,
    /// No load case was given.
    #[error("the loading has no load cases")]
    NoLoadCases,
    /// A coefficient row has another number of load cases than the first.
    #[error("loading row {row} has {found} load-case coefficients; expected {expected}")]
    LoadCaseCount {
        /// Which row (`max`/`min` rows are 0/1; history sample index otherwise).
        row: usize,
        /// Coefficients found.
        found: usize,
        /// Coefficients expected.
        expected: usize,
    },
    /// A load coefficient is NaN or infinite.
    #[error("loading row {row}, load case {case}: coefficient {value} is not finite")]
    LoadCoefficient {
        /// Row (sample) index.
        row: usize,
        /// Load-case index.
        case: usize,
        /// The offending value.
        value: f64,
    },
    /// The stress array does not hold a whole number of points.
    #[error("{len} unit stresses do not split into points of {cases} load cases")]
    StressLayout {
        /// Stresses given.
        len: usize,
        /// Load cases per point.
        cases: usize,
    },
    /// A stress component is NaN or infinite.
    #[error("point {point}, load case {case}: stress component {component} is {value}, not finite")]
    Stress {
        /// Point index.
        point: usize,
        /// Load-case index.
        case: usize,
        /// Voigt component (xx, yy, zz, xy, yz, xz = 0..5).
        component: usize,
        /// The offending value.
        value: f64,
    },
}

/// `Ok(value)` when finite, otherwise [`FatigueError::NonFinite`] naming it.
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64, FatigueError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(FatigueError::NonFinite { name, value })
    }
}

/// `Ok(value)` when finite and > 0.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, FatigueError> {
    finite(name, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(FatigueError::NotPositive { name, value })
    }
}
