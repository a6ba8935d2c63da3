"""What happens in agencies that the event log must hold. The log lives in incidents, one app up
(agencies imports no app), so agencies' services send these and incidents records them, in the
same transaction (incidents/account_events.py)."""

from django.dispatch import Signal

# An account's failed sign-ins were cleared early: user, by, addresses, failures_cleared.
account_unlocked = Signal()
