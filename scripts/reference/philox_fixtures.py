#!/usr/bin/env python3
"""Independent reference for RandomStream (Tests/TensorsTests/RandomGoldenTests.swift).

Pure Python (no packages): Philox4x32-10 (Salmon et al. 2011), SplitMix64, FNV-1a 64, the
stream's counter layout and Box-Muller in float64. Prints Swift literals that the test pastes:
exact Philox words and uniforms, and float64 normals the Swift Float values must match within
a few ulp. Deterministic (no seeding needed). Run: python3 scripts/reference/philox_fixtures.py
"""

import math

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def philox4x32_10(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0 = (k0 + 0x9E3779B9) & M32
            k1 = (k1 + 0xBB67AE85) & M32
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & M32, (p0 >> 32) ^ c3 ^ k1, p0 & M32
    return c0, c1, c2, c3


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def block(seed, name, p):
    k = splitmix64(seed)
    tag = splitmix64(fnv1a64(name))
    return philox4x32_10((p & M32, p >> 32, tag & M32, tag >> 32), (k & M32, k >> 32))


def uniform(w):
    return (w >> 8) * 2.0**-24


def normals(seed, name, start, count):
    out = []
    for i in range(count):
        w = block(seed, name, start + i // 4)
        pair = (i % 4) // 2
        r = math.sqrt(-2 * math.log(uniform(w[2 * pair]) + 2.0**-24))
        t = 2 * math.pi * uniform(w[2 * pair + 1])
        out.append(r * (math.cos(t) if i % 2 == 0 else math.sin(t)))
    return out


STREAMS = [(0, "sample", 0), (42, "noise", 7), (2**64 - 1, "data 字", 2**32 - 2)]

if __name__ == "__main__":
    assert philox4x32_10((0, 0, 0, 0), (0, 0)) == (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)
    for seed, name, start in STREAMS:
        words = [w for b in range(2) for w in block(seed, name, start + b)]
        print(f"// seed {seed}, name {name!r}, position {start}")
        print("words:", ", ".join(f"0x{w:08X}" for w in words))
        print("uniforms:", ", ".join(repr(uniform(w)) for w in words))
        print("normals:", ", ".join(f"{z:.17g}" for z in normals(seed, name, start, 12)))
