//! The viridis colour map (perceptually uniform, readable in grey and by colour-blind readers;
//! van der Walt & Smith, matplotlib 2015), from `colorous`' copy of d3-scale-chromatic's table.

/// Entries of the table the surface shader interpolates in.
pub const TABLE_SIZE: usize = 256;

/// sRGB colour of `t` ∈ [0, 1] (clamped; NaN shows as the lowest colour).
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let c = colorous::VIRIDIS.eval_continuous(t);
    [c.r, c.g, c.b]
}

/// [`TABLE_SIZE`] samples at `i / (TABLE_SIZE − 1)` as RGBA in [0, 1] (the shader's uniform).
pub fn table() -> Vec<[f32; 4]> {
    (0..TABLE_SIZE)
        .map(|i| {
            let [r, g, b] = viridis(i as f64 / (TABLE_SIZE - 1) as f64);
            [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0, 1.0]
        })
        .collect()
}

/// Where `v` lies in `[lo, hi]`, in [0, 1] (0.5 for an empty range).
pub fn normalise(v: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_from_dark_purple_to_yellow_and_brightens_monotonically() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        let luma = |c: [u8; 3]| 0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64;
        let lum: Vec<f64> = (0..=20).map(|i| luma(viridis(i as f64 / 20.0))).collect();
        assert!(lum.windows(2).all(|w| w[1] > w[0]), "{lum:?}");
        assert_eq!(table().len(), TABLE_SIZE);
        assert_eq!(normalise(3.0, 2.0, 4.0), 0.5);
    }
}
