"""Django's PostgreSQL backend with this system's additions (base.py): a commit whose answer was
lost resolved, pooled connections checked without a round trip, times read by the compiled
loader."""
