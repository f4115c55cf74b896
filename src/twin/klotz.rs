//! The end-diastolic pressure–volume relation (EDPVR) of Klotz et al. 2006 ("Single-beat
//! estimation of end-diastolic pressure-volume relationship: a novel method with potential for
//! noninvasive application", Am. J. Physiol. Heart Circ. Physiol. 291:H403), predicted from one
//! measured (EDV, EDP) pair. Pressures in mmHg, volumes in mL:
//!
//! ```text
//! V0  = EDV (0.6 − 0.006 EDP)                        unloaded volume (EDP = 0)
//! V30 = V0 + (EDV − V0) / (EDP / An)^(1/Bn)          volume at 30 mmHg
//! P(V) = An ((V − V0) / (V30 − V0))^Bn,  An = 27.78 mmHg, Bn = 2.76
//! ```
//!
//! Equivalently `(V − V0) / (EDV − V0) = (P / EDP)^(1/Bn)`: the shape of the curve is universal
//! and only `V0` and `EDV` carry the patient. [`Klotz::with_v0`] keeps that shape with another
//! unloaded volume (the model's, see [`calibrate`](super::calibrate)).
//!
//! `V0 > 0` needs `EDP < 100 mmHg`; larger pressures cannot be represented and are refused.

/// Klotz's `An` (mmHg).
pub const AN: f64 = 27.78;
/// Klotz's `Bn`.
pub const BN: f64 = 2.76;
/// The EDP (mmHg) at which Klotz's `V0` reaches zero: the curve represents pressures below it.
pub const EDP_LIMIT_MMHG: f64 = 100.0;

/// Why a Klotz curve cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KlotzError {
    /// EDV not a positive finite number.
    #[error("EDV = {edv_ml} mL: an end-diastolic volume must be a positive number of millilitres")]
    Volume {
        /// The value given.
        edv_ml: f64,
    },
    /// EDP not a positive finite number.
    #[error("EDP = {edp_mmhg} mmHg: an end-diastolic pressure must be a positive number (filling needs a pressure above zero)")]
    Pressure {
        /// The value given (mmHg).
        edp_mmhg: f64,
    },
    /// EDP so high that Klotz's unloaded volume `V0 = EDV (0.6 − 0.006 EDP)` is not positive.
    #[error(
        "EDP = {edp_mmhg} mmHg is beyond what the Klotz curve can represent: V0 = EDV (0.6 - 0.006 EDP) = {v0_ml:.3} \
         mL is not positive (the curve needs EDP < {EDP_LIMIT_MMHG} mmHg; check the unit, 1 kPa = 7.5 mmHg)"
    )]
    BeyondCurve {
        /// The value given (mmHg).
        edp_mmhg: f64,
        /// The unloaded volume it implies (mL).
        v0_ml: f64,
    },
    /// The unloaded volume given is not below EDV.
    #[error("the unloaded volume V0 = {v0_ml:.4} mL is not below EDV = {edv_ml:.4} mL: the curve cannot rise from V0 to EDV")]
    Unloaded {
        /// V0 (mL).
        v0_ml: f64,
        /// EDV (mL).
        edv_ml: f64,
    },
}

/// A Klotz EDPVR through (EDV, EDP) from the unloaded volume `v0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Klotz {
    /// End-diastolic volume (mL).
    pub edv: f64,
    /// End-diastolic pressure (mmHg).
    pub edp: f64,
    /// Unloaded volume (mL).
    pub v0: f64,
}

impl Klotz {
    /// Klotz's curve from one measured pair, with `V0 = EDV (0.6 − 0.006 EDP)`.
    pub fn new(edv_ml: f64, edp_mmhg: f64) -> Result<Klotz, KlotzError> {
        check(edv_ml, edp_mmhg)?;
        let v0 = klotz_v0(edv_ml, edp_mmhg);
        if v0 <= 0.0 {
            return Err(KlotzError::BeyondCurve { edp_mmhg, v0_ml: v0 });
        }
        Ok(Klotz { edv: edv_ml, edp: edp_mmhg, v0 })
    }

    /// Klotz's shape through (EDV, EDP) from another unloaded volume `v0_ml` (below EDV).
    pub fn with_v0(edv_ml: f64, edp_mmhg: f64, v0_ml: f64) -> Result<Klotz, KlotzError> {
        Klotz::new(edv_ml, edp_mmhg)?;
        if !(v0_ml.is_finite() && v0_ml > 0.0 && v0_ml < edv_ml) {
            return Err(KlotzError::Unloaded { v0_ml, edv_ml });
        }
        Ok(Klotz { edv: edv_ml, edp: edp_mmhg, v0: v0_ml })
    }

    /// The volume at 30 mmHg (mL).
    pub fn v30(&self) -> f64 {
        self.v0 + (self.edv - self.v0) / (self.edp / AN).powf(1.0 / BN)
    }

    /// The pressure (mmHg) at volume `v` (mL); zero at and below `V0`.
    pub fn pressure(&self, v: f64) -> f64 {
        if v <= self.v0 {
            return 0.0;
        }
        AN * ((v - self.v0) / (self.v30() - self.v0)).powf(BN)
    }

    /// The volume (mL) at pressure `p` (mmHg, ≥ 0).
    pub fn volume(&self, p: f64) -> f64 {
        self.v0 + (self.edv - self.v0) * (p.max(0.0) / self.edp).powf(1.0 / BN)
    }
}

/// Klotz's unloaded volume `EDV (0.6 − 0.006 EDP)` (mL).
pub fn klotz_v0(edv_ml: f64, edp_mmhg: f64) -> f64 {
    edv_ml * (0.6 - 0.006 * edp_mmhg)
}

fn check(edv_ml: f64, edp_mmhg: f64) -> Result<(), KlotzError> {
    if !(edv_ml.is_finite() && edv_ml > 0.0) {
        return Err(KlotzError::Volume { edv_ml });
    }
    if !(edp_mmhg.is_finite() && edp_mmhg > 0.0) {
        return Err(KlotzError::Pressure { edp_mmhg });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of DOMAIN.md: EDV 140 mL, EDP 12 mmHg gives V0 = 73.92 and
    /// V30 = 163.49 mL. Its volumes at 8 and 20 mmHg (130.71, 152.64 mL) do not follow from the
    /// formulas: inverting `P = An ((V − V0)/(V30 − V0))^Bn` gives 130.97 and 153.44 mL (the
    /// values below, computed independently), and passes through EDV at EDP exactly.
    #[test]
    fn worked_example() {
        let k = Klotz::new(140.0, 12.0).unwrap();
        assert!((k.v0 - 73.92).abs() < 1e-9);
        assert!((k.v30() - 163.49).abs() < 0.01, "{}", k.v30());
        assert!((k.volume(8.0) - 130.9717).abs() < 1e-3, "{}", k.volume(8.0));
        assert!((k.volume(20.0) - 153.4352).abs() < 1e-3, "{}", k.volume(20.0));
        assert!((k.volume(12.0) - 140.0).abs() < 1e-9);
        for p in [1.0, 5.0, 12.0, 30.0] {
            assert!((k.pressure(k.volume(p)) - p).abs() < 1e-9 * p.max(1.0));
        }
    }

    #[test]
    fn impossible_inputs_are_refused() {
        assert_eq!(Klotz::new(0.0, 12.0), Err(KlotzError::Volume { edv_ml: 0.0 }));
        assert_eq!(Klotz::new(140.0, -1.0), Err(KlotzError::Pressure { edp_mmhg: -1.0 }));
        assert!(matches!(Klotz::new(140.0, 120.0), Err(KlotzError::BeyondCurve { .. })));
        assert!(matches!(Klotz::with_v0(5.0, 12.0, 6.0), Err(KlotzError::Unloaded { .. })));
    }
}
