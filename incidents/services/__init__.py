"""Every write on calls, callers and incidents: one transaction and one event per change."""
