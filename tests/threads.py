"""Concurrency tests' one way to race: jobs in threads released at the same moment."""

import threading
from functools import partial

from django.db import connection

from core.errors import Conflict
from dispatch.deadlines import escalate_overdue


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


def race(action, people) -> dict[str, str]:
    """Run action(person) for each person at the same moment; 'won' or the refusal's text, by
    username. Any other exception fails the test."""
    outcomes = {}

    def attempt(person):
        try:
            action(person)
            outcomes[person.username] = "won"
        except Conflict as exc:
            outcomes[person.username] = str(exc)

    errors = run_together(*(partial(attempt, person) for person in people))
    if errors:
        raise errors[0]
    return outcomes


def assert_one_won_and_named(outcomes: dict[str, str], winner: str) -> None:
    """The race had one winner, and each loser's refusal names them."""
    assert outcomes[winner] == "won" and list(outcomes.values()).count("won") == 1
    assert all(winner in text for name, text in outcomes.items() if name != winner)


def while_checking(handle, items: list, workers: int = 3) -> list[BaseException]:
    """The deadline check runs over and over until `workers` threads have each called
    handle(item) on their share of the items; the exceptions raised."""
    checking = threading.Event()

    def check():
        while not checking.is_set():
            escalate_overdue()

    def work(share):
        def job():
            for item in share:
                handle(item)

        return job

    def handlers():
        errors = run_together(*(work(items[i::workers]) for i in range(workers)))
        checking.set()
        if errors:
            raise errors[0]

    return run_together(check, handlers)
