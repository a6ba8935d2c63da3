"""Django's PostgreSQL backend, with a commit whose answer was lost resolved (base.py)."""
