//! Quadrature rules on the reference tetrahedron and triangle.
//!
//! Weights sum to the reference measure (1/6 for the tet `ξ, η, ζ ≥ 0, ξ+η+ζ ≤ 1`, 1/2 for the
//! triangle). Two kinds of rule:
//! - fixed symmetric rules for stiffness (1 point for Tet4, 4 points exact to degree 2 for
//!   Tet10, which makes the stiffness of straight-sided cells exact);
//! - collapsed (Duffy) Gauss–Legendre product rules of any order for loads, post-processing and
//!   error norms, where curved Tet10 geometry raises the polynomial degree.

/// A quadrature point: reference coordinates and weight.
pub type Point<const D: usize> = ([f64; D], f64);

/// One-point rule (centroid), exact for linear integrands.
pub fn tet_centroid() -> Vec<Point<3>> {
    vec![([0.25; 3], 1.0 / 6.0)]
}

/// The symmetric 4-point rule, exact for quadratic integrands.
pub fn tet_degree2() -> Vec<Point<3>> {
    let a = 0.585_410_196_624_968_5;
    let b = 0.138_196_601_125_010_5;
    [[b, b, b], [a, b, b], [b, a, b], [b, b, a]].into_iter().map(|p| (p, 1.0 / 24.0)).collect()
}

/// Gauss–Legendre points and weights on `[0, 1]` (Newton iteration on the Legendre recurrence).
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let n = n.max(1);
    (0..n)
        .map(|i| {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                    p0 = p1;
                    p1 = p2;
                }
                let p = if n == 1 { x } else { p1 };
                let pm = if n == 1 { 1.0 } else { p0 };
                dp = n as f64 * (x * p - pm) / (x * x - 1.0);
                let dx = p / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            ((1.0 - x) / 2.0, w / 2.0)
        })
        .collect()
}

/// Collapsed Gauss rule with `n³` points, exact for polynomials of degree `2n − 3` on the tet.
pub fn tet_gauss(n: usize) -> Vec<Point<3>> {
    let g = gauss_legendre(n);
    let mut out = Vec::with_capacity(g.len().pow(3));
    for &(u, wu) in &g {
        for &(v, wv) in &g {
            for &(w, ww) in &g {
                let xi = u;
                let eta = v * (1.0 - u);
                let zeta = w * (1.0 - u) * (1.0 - v);
                out.push(([xi, eta, zeta], wu * wv * ww * (1.0 - u).powi(2) * (1.0 - v)));
            }
        }
    }
    out
}

/// Collapsed Gauss rule with `n²` points on the triangle, exact to degree `2n − 2`.
pub fn tri_gauss(n: usize) -> Vec<Point<2>> {
    let g = gauss_legendre(n);
    let mut out = Vec::with_capacity(g.len().pow(2));
    for &(u, wu) in &g {
        for &(v, wv) in &g {
            out.push(([u, v * (1.0 - u)], wu * wv * (1.0 - u)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ∫ ξ^a η^b ζ^c over the reference tet = a! b! c! / (a+b+c+3)!.
    fn exact_tet(a: u32, b: u32, c: u32) -> f64 {
        let f = |k: u32| (1..=k).map(f64::from).product::<f64>();
        f(a) * f(b) * f(c) / f(a + b + c + 3)
    }

    fn integrate(rule: &[Point<3>], a: i32, b: i32, c: i32) -> f64 {
        rule.iter().map(|(p, w)| w * p[0].powi(a) * p[1].powi(b) * p[2].powi(c)).sum()
    }

    #[test]
    fn tet_rules_are_exact_to_their_degree() {
        for (rule, degree) in [(tet_centroid(), 1), (tet_degree2(), 2), (tet_gauss(3), 3), (tet_gauss(4), 5)] {
            for a in 0..=degree {
                for b in 0..=degree - a {
                    for c in 0..=degree - a - b {
                        let got = integrate(&rule, a as i32, b as i32, c as i32);
                        let want = exact_tet(a, b, c);
                        assert!((got - want).abs() < 1e-14, "degree {degree}: x^{a} y^{b} z^{c}: {got} vs {want}");
                    }
                }
            }
        }
        // The 4-point rule is not exact for cubics: the test above would catch a wrong point.
        assert!((integrate(&tet_degree2(), 3, 0, 0) - exact_tet(3, 0, 0)).abs() > 1e-6);
    }

    #[test]
    fn triangle_rule_is_exact_to_degree_six() {
        let f = |k: u32| (1..=k).map(f64::from).product::<f64>();
        let rule = tri_gauss(4);
        for a in 0..=6u32 {
            for b in 0..=6 - a {
                let got: f64 = rule.iter().map(|(p, w)| w * p[0].powi(a as i32) * p[1].powi(b as i32)).sum();
                let want = f(a) * f(b) / f(a + b + 2);
                assert!((got - want).abs() < 1e-14, "x^{a} y^{b}");
            }
        }
    }
}
