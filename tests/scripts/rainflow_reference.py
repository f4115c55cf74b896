#!/usr/bin/env python3
"""Reference rainflow counts for tests/verification/fatigue.rs, from the independent Python
`rainflow` package (ASTM E1049-85 §5.4.4, residue as half cycles).

    pip install rainflow==3.2.0
    python3 tests/scripts/rainflow_reference.py > tests/verification/fatigue_rainflow.json

Each case holds the series and the package's cycles in emission order as
[range, mean, count, start index, end index]. The histories are seeded, so the output is
reproducible; the Rust test needs only the committed JSON, not Python.
"""
import json
import random

import rainflow


def case(name, series):
    cycles = [list(c) for c in rainflow.extract_cycles(series)]
    return {"name": name, "series": series, "cycles": cycles}


def main():
    rng = random.Random(12)
    cases = [case("astm_e1049_fig6", [-2.0, 1.0, -3.0, 5.0, -1.0, 3.0, -4.0, 4.0, -2.0])]
    for n in (50, 300, 2000):
        cases.append(case(f"white_noise_{n}", [round(rng.gauss(0.0, 100.0), 6) for _ in range(n)]))
    for n in (100, 1000):
        x, walk = 0.0, []
        for _ in range(n):
            x += rng.uniform(-1.0, 1.0)
            walk.append(round(x, 6))
        cases.append(case(f"random_walk_{n}", walk))
    # Small integers: plateaus and equal ranges (the X == Y tie of the three-point rule).
    cases.append(case("integers_with_plateaus_400", [float(rng.randint(-3, 3)) for _ in range(400)]))
    print(json.dumps({"generator": f"python rainflow {rainflow.__version__}", "cases": cases}, indent=None))


if __name__ == "__main__":
    main()
