"""The reports' pages (shells) and their API."""
