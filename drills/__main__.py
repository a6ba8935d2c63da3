"""Run every fault drill at full size on a private production stack and print the figures.

    .venv/bin/python -m drills                      # all drills, full size (1,500-call surges)
    .venv/bin/python -m drills --only a_redis_kill --size 300
    .venv/bin/python -m drills --small              # the sizes the test suite uses
    DRILL_APP_DIR=/tmp/ambon112-head .venv/bin/python -m drills   # another checkout's code

Exit status 1 when any drill broke an invariant.
"""

import argparse
import json
import sys
import time

from drills.scenarios import DRILLS
from drills.stack import Stack, missing_services

TABLE = [
    ("calls", "calls"),
    ("posts", "posts"),
    ("acked", "acked"),
    ("lost", "lost"),
    ("answers_5xx", "5xx"),
    ("false_500s", "false 500"),
    ("duplicate_events", "dup ev"),
    ("seq_gaps", "seq gaps"),
    ("chain_intact", "chain"),
    ("deadlocks", "deadlocks"),
    ("escalations_expected", "esc exp"),
    ("escalations_raised", "esc raised"),
    ("escalations_missing", "esc miss"),
    ("escalations_duplicate", "esc dup"),
    ("lag_p50_s", "lag p50 s"),
    ("lag_p99_s", "lag p99 s"),
    ("missing_after_resync", "resync miss"),
    ("silence_s", "silence s"),
    ("seconds", "took s"),
]


def cell(figures: dict, key: str) -> str:
    if key == "missing_after_resync":
        values = [v for k, v in figures.items() if k.endswith("_missing_after_resync")]
        return str(max(values)) if values else "-"
    if key == "silence_s":
        worst = None
        for k, v in figures.items():
            if k.startswith("silence_") and isinstance(v, dict):
                for seconds in v.values():
                    if seconds is None:
                        return "deaf"
                    worst = seconds if worst is None else max(worst, seconds)
        return "-" if worst is None else f"{worst:g}"
    value = figures.get(key)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ok" if value else "BROKEN"
    return f"{value:g}" if isinstance(value, float) else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(DRILLS), help="repeatable")
    parser.add_argument("--size", type=int, help="override every drill's size")
    parser.add_argument("--small", action="store_true", help="the test suite's sizes")
    parser.add_argument("--keep", action="store_true", help="keep the stack's directory")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    reasons = missing_services()
    if reasons:
        print("cannot start a drill stack: " + "; ".join(reasons), file=sys.stderr)
        return 2
    names = args.only or list(DRILLS)
    results: dict[str, dict] = {}
    started = time.monotonic()
    with Stack(keep=args.keep) as stack:
        for name in names:
            drill, full, small = DRILLS[name]
            kwargs = dict(small if args.small else full)
            if args.size:
                kwargs["size"] = args.size
            try:
                results[name] = drill(stack, **kwargs)
            except Exception as exc:  # noqa: BLE001 (report it and go on with the next drill)
                results[name] = {"failures": [f"drill crashed: {type(exc).__name__}: {exc}"]}
                print(f"\n== drill {name}: CRASHED: {exc!r}", flush=True)
        if args.keep:
            print(f"stack directory kept: {stack.root}")
    print(f"\nAll drills in {time.monotonic() - started:.0f} s\n")
    header = ["drill", *(label for _, label in TABLE), "result"]
    rows = [
        [name, *(cell(f, key) for key, _ in TABLE), "FAIL" if f["failures"] else "pass"]
        for name, f in results.items()
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))
    for name, f in results.items():
        for failure in f["failures"]:
            print(f"  {name}: {failure}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2, default=str)
    return 1 if any(f["failures"] for f in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
