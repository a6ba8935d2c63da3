"""Concurrency tests' one way to race: jobs in threads released at the same moment."""

import threading

from django.db import connection


def run_together(*jobs) -> list[BaseException]:
    """Run each job in its own thread from one barrier; the exceptions they raised. Each thread
    closes its own database connection."""
    barrier, errors = threading.Barrier(len(jobs)), []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
