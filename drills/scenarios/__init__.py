"""The fault drills of issue #13. Each takes the running `Stack` and a size, returns a dict of
figures with a list of `failures` (the invariants it broke; empty when it passed), and prints a
short report.

    a redis_kill        Redis killed -9 mid-surge and restarted empty
    b checker_down      Celery worker and beat killed while calls ring, some taken or hung up
    c postgres_restart  PostgreSQL stopped (immediate) mid-surge; /healthz while it is down
    d races             two web processes: duplicate ringing, AML and hang-up at once; takes
                        racing each other and the deadline check
    e late_aml          an AML for a call whose ladder is finished, then new calls must escalate
    f console_expiry    long-lived consoles with a short channel group expiry, then FLUSHALL

The invariants every drill checks: nothing acknowledged is lost, no 5xx answered for a write
that committed, sequence numbers contiguous and the chain intact, a console that resyncs misses
nothing, every level due is raised exactly once (and resolved when its cause ends).

Each drill has a module named like its entry in `DRILLS`; what they share lives in `drill`
(the `Drill` that posts, records and finishes), `surge` (background surges) and `verdict`
(limits, invariants, the report). `DRILLS` here is what the test suite and `python -m drills`
run.
"""

from collections.abc import Callable

from drills.scenarios.a_redis_kill import redis_kill
from drills.scenarios.b_checker_down import checker_down
from drills.scenarios.c_postgres_restart import postgres_restart
from drills.scenarios.d_races import races
from drills.scenarios.e_late_aml import late_aml
from drills.scenarios.f_console_expiry import console_expiry

# name: (drill, full-size arguments, test-suite arguments)
DRILLS: dict[str, tuple[Callable[..., dict], dict, dict]] = {
    "a_redis_kill": (redis_kill, {"size": 1500}, {"size": 150}),
    "b_checker_down": (checker_down, {"size": 300}, {"size": 40}),
    # At full size PostgreSQL stays down longer than the connection pool's 10 s timeout.
    "c_postgres_restart": (postgres_restart, {"size": 1500, "down_s": 12.0}, {"size": 150}),
    "d_races": (races, {"size": 300}, {"size": 40}),
    "e_late_aml": (late_aml, {"size": 20}, {"size": 3}),
    "f_console_expiry": (console_expiry, {"size": 3}, {"size": 1}),
}
