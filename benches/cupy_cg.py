#!/usr/bin/env python3
"""Peer comparison for `organ-twin bench`: CuPy's conjugate gradient (cuSPARSE SpMV) on the same
matrices, on the same GPU, in the same precision (f32), with the ratio to organ-twin printed.

    organ-twin bench --sizes 1e5,1e6 --export systems --json bench.json
    python3 benches/cupy_cg.py --export systems --json bench.json

For each size in bench.json the script loads systems/brick_<dofs>dofs/K.mtx and b.mtx, then times
on the GPU, after a warm-up:

* one SpMV `A @ x` (cuSPARSE CSR, f32), against organ-twin's `spmv_bsr`;
* CG iterations: `cupyx.scipy.sparse.linalg.cg` with a point-Jacobi preconditioner (cupyx has no
  block Jacobi) run for a fixed number of iterations (tolerance 0), timed at two iteration counts
  so that set-up cancels, against organ-twin's `cg_iteration`.

Ratios above 1 mean CuPy is slower. Needs cupy (e.g. `pip install cupy-cuda12x`), scipy, and
an NVIDIA GPU; nothing here runs in CI.
"""

import argparse
import inspect
import json
import sys
import time
from pathlib import Path


def load(folder: Path):
    import numpy as np
    import scipy.io

    k = scipy.io.mmread(folder / "K.mtx").tocsr().astype(np.float32)
    b = np.asarray(scipy.io.mmread(folder / "b.mtx"), dtype=np.float32).ravel()
    return k, b


def seconds(cp, f, repetitions: int) -> float:
    f()
    cp.cuda.Device().synchronize()
    start = time.perf_counter()
    for _ in range(repetitions):
        f()
    cp.cuda.Device().synchronize()
    return (time.perf_counter() - start) / repetitions


def cg_seconds_per_iteration(cp, cg, a, b, m, few: int = 20, many: int = 220) -> float:
    # Newer CuPy names the relative tolerance `rtol`, older `tol`; both at 0 run maxiter steps.
    names = inspect.signature(cg).parameters
    tolerance = {"rtol": 0.0} if "rtol" in names else {"tol": 0.0}

    def run(iterations: int):
        return lambda: cg(a, b, maxiter=iterations, M=m, atol=0.0, **tolerance)

    return (seconds(cp, run(many), 3) - seconds(cp, run(few), 3)) / (many - few)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, required=True, help="folder given to organ-twin bench --export")
    parser.add_argument("--json", type=Path, required=True, help="file given to organ-twin bench --json")
    args = parser.parse_args()
    try:
        import numpy  # noqa: F401
        import scipy.io  # noqa: F401
    except ImportError as e:
        print(f"numpy and scipy are required ({e})", file=sys.stderr)
        return 69
    try:
        import cupy as cp
        import cupyx.scipy.sparse as csp
        from cupyx.scipy.sparse.linalg import LinearOperator, cg
    except ImportError as e:
        print(f"cupy is required ({e}); install e.g. cupy-cuda12x on a machine with an NVIDIA GPU", file=sys.stderr)
        return 69
    ours = json.loads(args.json.read_text())
    device = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(f"organ-twin on {ours['adapter']}; CuPy {cp.__version__} on {device}")
    print(f"{'DOFs':>9} {'SpMV ms (ours / CuPy)':>24} {'ratio':>6} {'CG ms/it (ours / CuPy)':>26} {'ratio':>6}")
    for size in ours["sizes"]:
        folder = args.export / f"brick_{size['dofs']}dofs"
        k, b = load(folder)
        a = csp.csr_matrix(k)
        x = cp.ones(a.shape[0], dtype=cp.float32)
        bd = cp.asarray(b)
        inverse_diagonal = 1.0 / a.diagonal()
        m = LinearOperator(a.shape, matvec=lambda v: inverse_diagonal * v, dtype=cp.float32)
        spmv = 1e3 * seconds(cp, lambda: a @ x, 50)
        per_iteration = 1e3 * cg_seconds_per_iteration(cp, cg, a, bd, m)
        ours_spmv, ours_cg = size["spmv_bsr"]["ms"], size["cg_iteration"]["ms"]
        print(
            f"{size['dofs']:>9} {ours_spmv:>11.4f} / {spmv:<10.4f} {spmv / ours_spmv:>6.2f}"
            f" {ours_cg:>12.4f} / {per_iteration:<11.4f} {per_iteration / ours_cg:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
