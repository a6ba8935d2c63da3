"""locate(): building the spatial index once, then one lookup, on land and at sea."""

import random
import time

from _setup import percentiles

from agencies import geo


def main() -> None:
    started = time.perf_counter()
    geo.area_index()
    print(f"index build: {(time.perf_counter() - started) * 1000:.1f} ms")
    rng = random.Random(112)
    points = [(rng.uniform(-3.80, -3.50), rng.uniform(127.90, 128.38)) for _ in range(20000)]
    samples, found = [], 0
    for lat, lon in points:
        t = time.perf_counter()
        found += geo.locate(lat, lon) is not None
        samples.append(time.perf_counter() - t)
    print(f"20,000 random points over the island's box ({found} located): {percentiles(samples)}")


if __name__ == "__main__":
    main()
