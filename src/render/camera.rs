//! Orthographic cameras for the standard views, fitted to the drawn points.
//!
//! A view is an orthonormal basis: `right`, `up`, and `forward` (from the eye into the scene,
//! `right × up = −forward`). A point `p` maps to the pixel
//! `(cx + k (p−c)·right, cy − k (p−c)·up)` of the picture (y down), where `c` is the centre of the
//! drawn points, `(cx, cy)` the centre of the 3D viewport and `k` pixels per mesh unit; its depth
//! is `((p−c)·forward + R) / 2R` ∈ [0, 1] with `R` the radius of the points about `c`.

/// Direction of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// From (+1, −1, +1) towards the centre, z up.
    #[default]
    Iso,
    /// Along +y (from −y), x to the right, z up.
    Front,
    /// Along −x (from +x), y to the right, z up.
    Side,
    /// Along −z (from +z), x to the right, y up.
    Top,
}

impl View {
    /// Every view, for the command line.
    pub const ALL: [View; 4] = [View::Iso, View::Front, View::Side, View::Top];

    /// Lower-case name (`iso`, `front`, `side`, `top`).
    pub fn name(self) -> &'static str {
        match self {
            View::Iso => "iso",
            View::Front => "front",
            View::Side => "side",
            View::Top => "top",
        }
    }

    /// `(right, up, forward)`.
    pub fn basis(self) -> [[f64; 3]; 3] {
        match self {
            View::Front => [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]],
            View::Side => [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]],
            View::Top => [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]],
            View::Iso => {
                let f = [-1.0, 1.0, -1.0].map(|c: f64| c / 3f64.sqrt());
                // up = z without its forward part; right = forward × up.
                let u = [-f[2] * f[0], -f[2] * f[1], 1.0 - f[2] * f[2]];
                let n = dot(u, u).sqrt();
                let u = u.map(|c| c / n);
                let r = [f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0]];
                [r, u, f]
            }
        }
    }
}

impl std::str::FromStr for View {
    type Err = String;
    fn from_str(s: &str) -> Result<View, String> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown view `{s}`; one of iso, front, side, top"))
    }
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// A fitted orthographic camera and the viewport (pixels) it draws into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// `(right, up, forward)`.
    pub basis: [[f64; 3]; 3],
    /// Centre of the drawn points.
    pub centre: [f64; 3],
    /// Radius of the drawn points about the centre.
    pub radius: f64,
    /// Pixels per mesh unit.
    pub scale: f64,
    /// Viewport `(x, y, width, height)` in pixels, y down.
    pub viewport: [f64; 4],
}

impl Camera {
    /// Fits `points` (non-empty) into `viewport` with `margin` pixels left free on each side.
    pub fn fit<'a>(
        view: View,
        points: impl Iterator<Item = &'a [f64; 3]> + Clone,
        viewport: [f64; 4],
        margin: f64,
    ) -> Camera {
        let basis = view.basis();
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for p in points.clone() {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let centre = [0, 1, 2].map(|k| 0.5 * (lo[k] + hi[k]));
        let (mut sx, mut sy, mut r2) = (0.0f64, 0.0f64, 0.0f64);
        for p in points {
            let e = [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]];
            sx = sx.max(dot(e, basis[0]).abs());
            sy = sy.max(dot(e, basis[1]).abs());
            r2 = r2.max(dot(e, e));
        }
        let radius = r2.sqrt().max(f64::MIN_POSITIVE) * 1.01;
        let half = [(0.5 * viewport[2] - margin).max(1.0), (0.5 * viewport[3] - margin).max(1.0)];
        let scale = (half[0] / sx.max(1e-300)).min(half[1] / sy.max(1e-300));
        let scale = if scale.is_finite() { scale } else { half[0] / radius };
        Camera { basis, centre, radius, scale, viewport }
    }

    /// Pixel position `(x, y)` (y down) and depth in [0, 1] of `p`.
    pub fn project(&self, p: [f64; 3]) -> ([f64; 2], f64) {
        let e = [p[0] - self.centre[0], p[1] - self.centre[1], p[2] - self.centre[2]];
        let [vx, vy, vw, vh] = self.viewport;
        let x = vx + 0.5 * vw + self.scale * dot(e, self.basis[0]);
        let y = vy + 0.5 * vh - self.scale * dot(e, self.basis[1]);
        ([x, y], (dot(e, self.basis[2]) + self.radius) / (2.0 * self.radius))
    }

    /// The column-major matrix taking `p − centre` to clip space for a render pass whose viewport
    /// is [`Camera::viewport`] (clip x, y ∈ [−1, 1], y up; depth as [`Camera::project`]).
    pub fn clip_matrix(&self) -> [[f32; 4]; 4] {
        let [r, u, f] = self.basis;
        let (sx, sy) = (2.0 * self.scale / self.viewport[2], 2.0 * self.scale / self.viewport[3]);
        let sz = 0.5 / self.radius;
        // Rows of the affine map; column j of the matrix holds coefficient j of every row.
        let rows = [
            [r[0] * sx, r[1] * sx, r[2] * sx, 0.0],
            [u[0] * sy, u[1] * sy, u[2] * sy, 0.0],
            [f[0] * sz, f[1] * sz, f[2] * sz, 0.5],
        ];
        let mut m = [[0.0f32; 4]; 4];
        for (j, column) in m.iter_mut().enumerate() {
            for (i, row) in rows.iter().enumerate() {
                column[i] = row[j] as f32;
            }
        }
        m[3][3] = 1.0;
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_basis_is_right_handed_and_orthonormal() {
        for view in View::ALL {
            let [r, u, f] = view.basis();
            let cross = [r[1] * u[2] - r[2] * u[1], r[2] * u[0] - r[0] * u[2], r[0] * u[1] - r[1] * u[0]];
            for k in 0..3 {
                assert!((cross[k] + f[k]).abs() < 1e-12, "{view:?}");
            }
            assert!((dot(r, r) - 1.0).abs() < 1e-12 && (dot(u, u) - 1.0).abs() < 1e-12 && dot(r, u).abs() < 1e-12);
            assert_eq!(view.name().parse::<View>(), Ok(view));
        }
    }

    #[test]
    fn the_clip_matrix_agrees_with_project() {
        let pts = [[0.0, 0.0, 0.0], [2.0, 1.0, 3.0], [1.0, -1.0, 0.5]];
        let cam = Camera::fit(View::Iso, pts.iter(), [10.0, 0.0, 300.0, 200.0], 8.0);
        for p in pts {
            let ([x, y], depth) = cam.project(p);
            let m = cam.clip_matrix();
            let e = [p[0] - cam.centre[0], p[1] - cam.centre[1], p[2] - cam.centre[2], 1.0];
            let clip: Vec<f64> = (0..4).map(|i| (0..4).map(|j| m[j][i] as f64 * e[j]).sum()).collect();
            let px = 10.0 + (clip[0] + 1.0) * 150.0;
            let py = (1.0 - clip[1]) * 100.0;
            assert!((px - x).abs() < 1e-3 && (py - y).abs() < 1e-3 && (clip[2] - depth).abs() < 1e-6);
            assert!((8.0 - 1e-9..=302.0).contains(&x) && (0.0..=1.0).contains(&depth));
        }
    }
}
