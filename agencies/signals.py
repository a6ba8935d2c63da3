"""What happens in agencies that the event log must hold. The log lives in incidents, one app up
(agencies imports no app), so agencies' services send these and incidents records them, in the
same transaction (incidents/account_events.py)."""

from django.dispatch import Signal

# An account's failed sign-ins were cleared early: user, by, addresses, failures_cleared.
account_unlocked = Signal()

# Asked before a unit is deleted: each receiver answers a sentence saying why the unit must stay
# (dispatch: it is on a call), or None. Sent with: unit.
unit_in_use = Signal()
