"""Appending to the event log: latency of one append+commit, and throughput with 8 writers.

Each append locks the chain head until commit (docs/architecture.md "The write path"); this shows
what that costs. Broadcasts go to the configured channel layer, as in production.

The 8 writers run as threads of this process (Python runs one of them at a time), then as
8 processes, as the web processes and Celery workers of a centre append.
"""

import multiprocessing
import threading
import time

from _setup import percentiles
from django.db import connection, transaction

from incidents.events import record_event
from incidents.kinds import Audience, Kind, register
from incidents.models import Event

# No service records it: declared here, in the benchmark's process only.
register([Kind("bench.append", "", "bench.append", Audience.AGENCIES)])


def append(n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        with transaction.atomic():
            record_event("bench.append", payload={"i": i, "note": "benchmark"})
        samples.append(time.perf_counter() - started)
    connection.close()
    return samples


def main() -> None:
    print(f"database: {connection.vendor}; events already stored: {Event.objects.count()}")
    append(50)  # warm up connections and caches
    print(f"one writer, 1000 appends: {percentiles(append(1000))}")

    writers, per_writer = 8, 250
    threads = [threading.Thread(target=append, args=(per_writer,)) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(f"{writers} threads × {per_writer}: {writers * per_writer / elapsed:.0f} events/s")

    # Spawned, not forked: a fork would copy this process's push loop mid-flight.
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        pool.map(append, [5] * writers)  # each connects and warms up first
        started = time.perf_counter()
        pool.map(append, [per_writer] * writers)
        elapsed = time.perf_counter() - started
    print(f"{writers} processes × {per_writer}: {writers * per_writer / elapsed:.0f} events/s")


if __name__ == "__main__":
    main()
