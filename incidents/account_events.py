"""Events for what agencies' services tell through agencies/signals.py (the event log is here,
above agencies). Signals are sent synchronously, so each event is appended in the transaction of
the change it records."""

from django.dispatch import receiver

from agencies.signals import account_unlocked
from incidents.events import record_event


@receiver(account_unlocked)
def record_account_unlocked(sender, *, user, by, addresses, failures_cleared, **kwargs):
    record_event(
        "account.unlocked",
        subject=user,
        actor=by,
        payload={
            "username": user.username,
            "addresses": addresses,
            "failures_cleared": failures_cleared,
        },
    )
