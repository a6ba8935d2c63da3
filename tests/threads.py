"""Concurrency tests' one way to race: jobs in threads released at the same moment."""

import threading
from functools import partial

from django.db import connection

from ambon112.api import Conflict


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
            outcomes[person.username] = str(exc.detail)

    errors = run_together(*(partial(attempt, person) for person in people))
    if errors:
        raise errors[0]
    return outcomes


def assert_one_won_and_named(outcomes: dict[str, str], winner: str) -> None:
    """The race had one winner, and each loser's refusal names them."""
    assert outcomes[winner] == "won" and list(outcomes.values()).count("won") == 1
    assert all(winner in text for name, text in outcomes.items() if name != winner)
