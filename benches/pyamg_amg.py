#!/usr/bin/env python3
"""Peer comparison for organ-twin's AMG: pyamg's smoothed aggregation with the rigid-body modes as
near-nullspace, as the preconditioner of CG to the same tolerance, on the same exported systems.

    organ-twin bench --sizes 1e5,3e5 --export systems --json bench.json
    python3 benches/pyamg_amg.py --export systems --json bench.json

or, on any folders holding K.mtx, b.mtx and coords.mtx (node-major x, y, z of the DOF nodes):

    python3 benches/pyamg_amg.py --systems systems/brick_161604dofs --rtol 1e-8

For each system it builds `pyamg.smoothed_aggregation_solver` on the 3 x 3 block (BSR) matrix with
the six rigid-body modes from the coordinates and pyamg's defaults otherwise (symmetric strength,
standard aggregation, Jacobi prolongator smoothing, symmetric block Gauss-Seidel smoothing; with
--chebyshev, organ-twin's smoother: degree-3 Chebyshev and a coarsest level of at most 2000
unknowns), then runs CG to
`‖b − A x‖ ≤ rtol ‖b‖` with one V-cycle per iteration. It prints iterations, setup and solve
seconds and the operator complexity; with --json (organ-twin bench's report, whose `cpu_amg`
rows hold organ-twin's figures for the same sizes) also the ratios organ-twin / pyamg (above 1:
organ-twin is slower or needs more iterations). Needs `pip install pyamg scipy`; not run in CI.
"""

import argparse
import json
import sys
import time
from pathlib import Path


def load(folder: Path):
    import numpy as np
    import scipy.io

    k = scipy.io.mmread(folder / "K.mtx").tocsr()
    b = np.asarray(scipy.io.mmread(folder / "b.mtx"), dtype=float).ravel()
    coords = np.asarray(scipy.io.mmread(folder / "coords.mtx"), dtype=float).reshape(-1, 3)
    return k, b, coords


def rigid_body_modes(coords):
    import numpy as np

    d = coords - coords.mean(axis=0)
    d /= max(np.abs(d).max(), 1e-300)
    n = coords.shape[0]
    b = np.zeros((3 * n, 6))
    for c in range(3):
        b[c::3, c] = 1.0
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    # ω × d for ω = e_x, e_y, e_z
    b[1::3, 3], b[2::3, 3] = -z, y
    b[0::3, 4], b[2::3, 4] = z, -x
    b[0::3, 5], b[1::3, 5] = -y, x
    return b


def solve(folder: Path, rtol: float, chebyshev: bool) -> dict:
    import numpy as np
    import pyamg
    import scipy.sparse as sp

    k, b, coords = load(folder)
    start = time.perf_counter()
    a = sp.bsr_matrix(k, blocksize=(3, 3))
    options = {}
    if chebyshev:
        smoother = ("chebyshev", {"degree": 3})
        options = {"max_coarse": 2000, "presmoother": smoother, "postsmoother": smoother}
    ml = pyamg.smoothed_aggregation_solver(a, B=rigid_body_modes(coords), **options)
    setup = time.perf_counter() - start
    residuals = []
    start = time.perf_counter()
    x = ml.solve(b, tol=rtol, accel="cg", maxiter=1000, residuals=residuals)
    seconds = time.perf_counter() - start
    true = np.linalg.norm(b - k @ x) / np.linalg.norm(b)
    return {
        "dofs": k.shape[0],
        "iterations": len(residuals) - 1,
        "setup_seconds": setup,
        "solve_seconds": seconds,
        "operator_complexity": ml.operator_complexity(),
        "levels": len(ml.levels),
        "relative_residual": float(true),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, help="folder given to organ-twin bench --export")
    parser.add_argument("--json", type=Path, help="organ-twin bench --json report (for the ratios)")
    parser.add_argument("--systems", type=Path, nargs="*", default=[], help="system folders")
    parser.add_argument("--rtol", type=float, help="CG tolerance (default: the bench report's, else 1e-8)")
    parser.add_argument("--chebyshev", action="store_true", help="organ-twin's smoother and coarsest size")
    args = parser.parse_args()
    report = json.loads(args.json.read_text()) if args.json else None
    rtol = args.rtol or (report["rtol"] if report else 1e-8)
    ours = {}
    folders = list(args.systems)
    if report and args.export:
        for size in report["sizes"]:
            folders.append(args.export / f"brick_{size['dofs']}dofs")
            if size.get("cpu_amg"):
                ours[size["dofs"]] = size["cpu_amg"]
    if not folders:
        parser.error("give --systems, or --export with --json")
    for folder in folders:
        r = solve(folder, rtol, args.chebyshev)
        print(
            f"{folder.name}: pyamg SA-CG {r['iterations']} iterations, setup {r['setup_seconds']:.3f} s, "
            f"solve {r['solve_seconds']:.3f} s, {r['levels']} levels, complexity {r['operator_complexity']:.2f}, "
            f"residual {r['relative_residual']:.1e}"
        )
        o = ours.get(r["dofs"])
        if o:
            total = (o["setup_seconds"] + o["solve_seconds"]) / (r["setup_seconds"] + r["solve_seconds"])
            print(
                f"  organ-twin / pyamg: iterations {o['iterations'] / max(r['iterations'], 1):.2f}, "
                f"setup {o['setup_seconds'] / r['setup_seconds']:.2f}, solve {o['solve_seconds'] / r['solve_seconds']:.2f}, "
                f"setup + solve {total:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
