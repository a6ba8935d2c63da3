"""Fault drills on the real production stack (issue #13).

`drills.stack.Stack` starts a private PostgreSQL, Redis, two web processes, a Celery worker and
Celery beat on free loopback ports in a temporary directory, and can kill and restart each of
them. `drills.scenarios` holds the drills; each takes a size, returns a dict of figures and
prints a short report. `python -m drills` runs them all at full size and prints a table;
`tests/drills/test_fault_drills.py` runs them small, as part of the test suite.
"""
