//! The lumped circulation around the cavity: a preload for filling, a three-element Windkessel
//! for the arterial side, and two ideal valves. SI throughout (Pa, m³, s).
//!
//! **Windkessel (RCR).** With outflow `Q` from the ventricle, characteristic resistance `R_c`,
//! peripheral resistance `R_p` and compliance `C` (venous pressure 0):
//! `p_ao = p_c + R_c Q`, `C dp_c/dt = Q − p_c / R_p`. Over a time step the outflow is taken
//! constant at its step mean `Q = (V_n − V) / Δt`, and the compliance pressure is advanced
//! exactly for that flow (exponential integrator):
//! `p_c(t + Δt) = p_c e^{−Δt/τ} + R_p Q (1 − e^{−Δt/τ})`, `τ = R_p C`. The scheme is exact for a
//! piecewise-constant flow and second-order for a smooth one.
//!
//! **Valves and phases.** Each step the cavity obeys one linear relation between its pressure
//! `p` and volume `V`, set by the phase ([`Circulation::constraint`]):
//! - *filling* (mitral open): `p = p_at − R_mv (V − V_n) / Δt` (atrial preload through the mitral
//!   resistance; pressure control when `R_mv = 0`);
//! - *isovolumetric contraction / relaxation* (both closed): `V = V_closed`, the volume at closure;
//! - *ejection* (aortic open): `p = p_ao = p_c e^{−Δt/τ} + (R_p (1 − e^{−Δt/τ}) + R_c) (V_n − V) / Δt`.
//!
//! After a step is solved, [`Circulation::transition`] checks the valves against the result
//! (the mitral valve closes when flow would leave through it, the aortic opens when the cavity
//! pressure reaches the arterial one, closes when the flow reverses, and the mitral opens when
//! the cavity pressure falls to the atrial one); the driver then solves the step again in the
//! new phase. Phases only move forward: filling → contraction → ejection → relaxation → filling.

/// A phase of the beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Mitral valve open, aortic closed.
    Filling,
    /// Both valves closed, tension rising.
    IsovolumetricContraction,
    /// Aortic valve open.
    Ejection,
    /// Both valves closed, tension falling.
    IsovolumetricRelaxation,
}

impl Phase {
    /// Name in tables and CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Filling => "filling",
            Phase::IsovolumetricContraction => "isovolumetric_contraction",
            Phase::Ejection => "ejection",
            Phase::IsovolumetricRelaxation => "isovolumetric_relaxation",
        }
    }

    /// Whether both valves are closed.
    pub fn isovolumetric(self) -> bool {
        matches!(self, Phase::IsovolumetricContraction | Phase::IsovolumetricRelaxation)
    }

    /// The phase after this one.
    pub fn next(self) -> Phase {
        match self {
            Phase::Filling => Phase::IsovolumetricContraction,
            Phase::IsovolumetricContraction => Phase::Ejection,
            Phase::Ejection => Phase::IsovolumetricRelaxation,
            Phase::IsovolumetricRelaxation => Phase::Filling,
        }
    }
}

/// The circulation's parameters (SI).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circulation {
    /// Atrial (filling) pressure (Pa).
    pub atrial_pressure: f64,
    /// Mitral resistance (Pa s/m³; 0: filling at the atrial pressure).
    pub mitral_resistance: f64,
    /// Characteristic (aortic) resistance `R_c` (Pa s/m³).
    pub characteristic_resistance: f64,
    /// Peripheral resistance `R_p` (Pa s/m³).
    pub peripheral_resistance: f64,
    /// Arterial compliance `C` (m³/Pa).
    pub compliance: f64,
}

/// `γ_p p + γ_V V = rhs`: the relation the cavity obeys in a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraint {
    /// Coefficient of the pressure (1/Pa scale-free: 1 or 0).
    pub gamma_p: f64,
    /// Coefficient of the volume (Pa/m³, or 1 for the isovolumetric phases).
    pub gamma_v: f64,
    /// Right-hand side.
    pub rhs: f64,
}

impl Constraint {
    /// The residual `γ_p p + γ_V V − rhs`.
    pub fn residual(&self, p: f64, v: f64) -> f64 {
        self.gamma_p * p + self.gamma_v * v - self.rhs
    }
}

/// The state carried from step to step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// The phase of the last step.
    pub phase: Phase,
    /// The compliance pressure `p_c` (Pa).
    pub compliance_pressure: f64,
    /// The volume when the valves closed (m³; meaningful in the isovolumetric phases).
    pub closed_volume: f64,
    /// Cavity volume (m³) and pressure (Pa) at the end of the last step.
    pub volume: f64,
    /// Cavity pressure (Pa).
    pub pressure: f64,
}

impl Circulation {
    /// `e^{−Δt/τ}`.
    fn decay(&self, dt: f64) -> f64 {
        (-dt / (self.peripheral_resistance * self.compliance)).exp()
    }

    /// The relation of step `dt` from `state` in `phase` (whose closed volume, for an
    /// isovolumetric phase entered this step, is the state's volume).
    pub fn constraint(&self, state: &State, phase: Phase, dt: f64) -> Constraint {
        let v_n = state.volume;
        match phase {
            Phase::Filling => {
                let g = self.mitral_resistance / dt;
                Constraint { gamma_p: 1.0, gamma_v: g, rhs: self.atrial_pressure + g * v_n }
            }
            Phase::IsovolumetricContraction | Phase::IsovolumetricRelaxation => {
                let closed = if state.phase == phase { state.closed_volume } else { v_n };
                Constraint { gamma_p: 0.0, gamma_v: 1.0, rhs: closed }
            }
            Phase::Ejection => {
                let e = self.decay(dt);
                let b = (self.peripheral_resistance * (1.0 - e) + self.characteristic_resistance) / dt;
                Constraint { gamma_p: 1.0, gamma_v: b, rhs: state.compliance_pressure * e + b * v_n }
            }
        }
    }

    /// The compliance pressure after a step of `dt` with outflow `(v_n − v)/dt` (zero unless
    /// ejecting).
    pub fn advance_compliance(&self, p_c: f64, phase: Phase, v_n: f64, v: f64, dt: f64) -> f64 {
        let e = self.decay(dt);
        let q = if phase == Phase::Ejection { (v_n - v) / dt } else { 0.0 };
        p_c * e + self.peripheral_resistance * q * (1.0 - e)
    }

    /// The state after a step solved in `phase` to pressure `p` and volume `v`.
    pub fn after(&self, state: &State, phase: Phase, p: f64, v: f64, dt: f64) -> State {
        let closed_volume =
            if phase.isovolumetric() && state.phase != phase { state.volume } else { state.closed_volume };
        State {
            phase,
            compliance_pressure: self.advance_compliance(state.compliance_pressure, phase, state.volume, v, dt),
            closed_volume,
            volume: v,
            pressure: p,
        }
    }

    /// The phase the valves call for after a step solved in `phase` to `(p, v)` from `state`,
    /// when it differs; `flow_tol` (m³/s) keeps round-off from switching a valve.
    pub fn transition(&self, state: &State, phase: Phase, p: f64, v: f64, dt: f64, flow_tol: f64) -> Option<Phase> {
        let outflow = (state.volume - v) / dt;
        let arterial = state.compliance_pressure * self.decay(dt);
        let switch = match phase {
            Phase::Filling => outflow > flow_tol,
            Phase::IsovolumetricContraction => p >= arterial,
            Phase::Ejection => outflow < -flow_tol,
            Phase::IsovolumetricRelaxation => p <= self.atrial_pressure,
        };
        switch.then(|| phase.next())
    }

    /// The aortic pressure during a step of ejection with outflow `q` from `p_c_n`.
    pub fn aortic_pressure(&self, p_c_n: f64, q: f64, dt: f64) -> f64 {
        self.advance_compliance(p_c_n, Phase::Ejection, q * dt, 0.0, dt) + self.characteristic_resistance * q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windkessel() -> Circulation {
        Circulation {
            atrial_pressure: 1000.0,
            mitral_resistance: 0.0,
            characteristic_resistance: 5e6,
            peripheral_resistance: 1.2e8,
            compliance: 1.2e-8,
        }
    }

    /// For a constant outflow the exponential integrator is exact: p_c(t) = R_p Q + (p0 − R_p Q) e^{−t/τ}.
    #[test]
    fn windkessel_is_exact_for_a_constant_flow() {
        let w = windkessel();
        let (q, p0, dt) = (2e-6, 10_000.0, 0.01);
        let tau = w.peripheral_resistance * w.compliance;
        let mut p = p0;
        for n in 1..=100 {
            p = w.advance_compliance(p, Phase::Ejection, q * dt, 0.0, dt);
            let t = n as f64 * dt;
            let exact = w.peripheral_resistance * q + (p0 - w.peripheral_resistance * q) * (-t / tau).exp();
            assert!((p - exact).abs() <= 1e-9 * exact, "step {n}: {p} vs {exact}");
        }
    }

    /// A sinusoidal inflow Q = Q0 sin(ωt): the analytic solution of C dp/dt = Q − p/R_p is
    /// p(t) = R_p Q0 (sin ωt − ωτ cos ωt + ωτ e^{−t/τ}) / (1 + ω²τ²) + p0 e^{−t/τ}. Fed the step
    /// means of Q, the scheme is second-order: the error falls 4× when Δt halves.
    #[test]
    fn windkessel_matches_the_analytic_solution_for_a_sinusoidal_flow() {
        // τ = 0.144 s: the compliance pressure follows the flow with a lag of the same order as the beat.
        let w = Circulation { compliance: 1.2e-9, ..windkessel() };
        let (q0, omega, p0, t_end) = (5e-6, 2.0 * std::f64::consts::PI / 0.8, 0.0, 0.8);
        let tau = w.peripheral_resistance * w.compliance;
        let exact = |t: f64| {
            let wt = omega * tau;
            w.peripheral_resistance * q0 * ((omega * t).sin() - wt * (omega * t).cos() + wt * (-t / tau).exp())
                / (1.0 + wt * wt)
                + p0 * (-t / tau).exp()
        };
        let error = |steps: usize| {
            let dt = t_end / steps as f64;
            let mut p = p0;
            let mut worst = 0.0f64;
            for n in 0..steps {
                let (a, b) = (n as f64 * dt, (n + 1) as f64 * dt);
                let mean = q0 * ((omega * a).cos() - (omega * b).cos()) / (omega * dt);
                p = w.advance_compliance(p, Phase::Ejection, mean * dt, 0.0, dt);
                worst = worst.max((p - exact(b)).abs());
            }
            worst
        };
        let (coarse, fine) = (error(80), error(160));
        let scale = (0..=800).map(|k| exact(k as f64 * 1e-3).abs()).fold(0.0, f64::max);
        assert!(coarse < 2e-3 * scale, "Δt = 10 ms: error {coarse} Pa");
        let order = (coarse / fine).log2();
        assert!((1.8..2.3).contains(&order), "observed order {order} ({coarse} → {fine})");
    }

    #[test]
    fn constraints_encode_the_phases() {
        let w = Circulation { mitral_resistance: 1e6, ..windkessel() };
        let s = State {
            phase: Phase::Filling,
            compliance_pressure: 10_000.0,
            closed_volume: 0.0,
            volume: 1e-4,
            pressure: 1000.0,
        };
        let dt = 0.01;
        // Filling: p = p_at when V = V_n.
        let c = w.constraint(&s, Phase::Filling, dt);
        assert!(c.residual(w.atrial_pressure, s.volume).abs() < 1e-9);
        // Entering contraction: V is held at the state's volume.
        let c = w.constraint(&s, Phase::IsovolumetricContraction, dt);
        assert_eq!(c.residual(123.0, s.volume), 0.0);
        // Ejection: the pressure equals the aortic pressure for the step's flow.
        let v = s.volume - 2e-6 * dt;
        let c = w.constraint(&s, Phase::Ejection, dt);
        let p = w.aortic_pressure(s.compliance_pressure, 2e-6, dt);
        assert!(c.residual(p, v).abs() < 1e-9 * p, "{}", c.residual(p, v));
        // Valves.
        assert_eq!(
            w.transition(&s, Phase::Filling, 1100.0, s.volume - 1e-7, dt, 1e-9),
            Some(Phase::IsovolumetricContraction)
        );
        assert_eq!(w.transition(&s, Phase::Filling, 1000.0, s.volume + 1e-7, dt, 1e-9), None);
        assert_eq!(w.transition(&s, Phase::IsovolumetricContraction, 9000.0, s.volume, dt, 1e-9), None);
        assert_eq!(
            w.transition(&s, Phase::IsovolumetricContraction, 11_000.0, s.volume, dt, 1e-9),
            Some(Phase::Ejection)
        );
        assert_eq!(w.transition(&s, Phase::IsovolumetricRelaxation, 900.0, s.volume, dt, 1e-9), Some(Phase::Filling));
    }
}
