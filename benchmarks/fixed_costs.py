"""What every request pays before and after its own work (issue #18), each part alone.

    python benchmarks/fixed_costs.py

On the configured database and channel layer (PostgreSQL + Redis, a database of its own; it
writes nothing there), prints the median over 5 runs of:
- taking a connection from the pool and handing it back, as every request does (core/postgresql
  checks it by its socket, with a round trip only when the server has said something);
- reading one timestamptz value, in a fetch of 20,000 (core/postgresql/timestamps.py);
- one live push to the channel layer: the CPU of the push loop's thread per push, over 3,000
  one-event pushes of the size a call's ringing makes (incidents/push.py), and how long a
  thread of the process waits for the GIL meanwhile: the longest a 1 ms sleep of the main
  thread overruns while the push loop drains its queue (what the push takes from every other
  thread of the web process, beyond its own CPU).
"""

import statistics
import threading
import time

import _setup  # noqa: F401  (Django, before the project's modules)
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connection

from incidents import push

RUNS = 5


def median_of_runs(measure) -> tuple[float, float]:
    """The medians over RUNS runs of the two figures `measure` returns (µs)."""
    runs = [measure() for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def checkout(count: int = 2000) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        connection.ensure_connection()
        connection.close()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def timestamps(count: int = 20_000) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT now() + (g || ' s')::interval FROM generate_series(1, %s) g", [count]
        )
        wall, cpu = time.perf_counter(), time.process_time()
        cursor.fetchall()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def push_thread_cpu_ns() -> int:
    """The push loop's thread's CPU so far (Linux: its schedstat), in ns."""
    thread = next(t for t in threading.enumerate() if t.name == "event-push")
    with open(f"/proc/self/task/{thread.native_id}/schedstat") as schedstat:
        return int(schedstat.read().split()[0])


EVENT = {
    "seq": 1,
    "at": "2026-12-03T20:00:00.000000+00:00",
    "kind": "call.ringing",
    "actor_label": "pbx",
    "subject_type": "call",
    "subject_id": "1",
    "payload": {"number": "+6281200001122", "line": "112-1"},
    "agencies": [],
    "incident_id": None,
}


def pushes(count: int = 3000) -> tuple[float, float]:
    """(the longest wait of a waking thread in µs, the push thread's CPU per push in µs)"""
    cpu = push_thread_cpu_ns()
    for _ in range(count):
        push.broadcast_all([(EVENT, {"ops": 0})])
    longest, end = 0.0, time.perf_counter() + 1.5  # the queue drains meanwhile
    while (asleep := time.perf_counter()) < end:
        time.sleep(0.001)  # as a request thread waits on its database, then wants the GIL back
        longest = max(longest, time.perf_counter() - asleep - 0.001)
    return longest * 1e6, (push_thread_cpu_ns() - cpu) / count / 1e3


def main() -> None:
    layer = get_channel_layer()
    if connection.vendor != "postgresql" or isinstance(layer, InMemoryChannelLayer):
        raise SystemExit("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    print(f"database: {connection.vendor}; channel layer: {type(layer).__name__}")
    checkout(200)
    timestamps(1000)
    push.broadcast_all([(EVENT, {"ops": 0})])
    time.sleep(0.5)
    wall, cpu = median_of_runs(checkout)
    print(f"pool checkout and return: {wall:.1f} µs wall, {cpu:.1f} µs CPU")
    wall, cpu = median_of_runs(timestamps)
    print(f"one timestamptz read (fetch of 20,000): {wall:.2f} µs wall, {cpu:.2f} µs CPU")
    gap, cpu = median_of_runs(pushes)
    print(
        f"one live push: {cpu:.1f} µs CPU of the push thread; "
        f"longest wait for the GIL meanwhile {gap / 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
