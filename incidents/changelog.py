"""The change log: who created, changed or deleted a record that sets the centre up, and what
it held before and after (NetBox's change log is the model).

Agencies, stations, units, incident types and their routing, SLA policies and their levels, and
people's accounts change over the REST API, in the admin and by commands (`load_ambon`). One
mechanism covers all three: Django's model signals see every save and delete whoever makes it,
`agencies.acting.current_actor()` says who that is (the signed-in person of the request, or the
command and its OS user), and each change is appended to the event log as
`<name>.created|updated|deleted`, the subject being the record itself. It is the audit trail,
not any console's news: the kinds are declared so (incidents.kinds `changes`), and their events
are never pushed live.

The event is appended in the transaction of the change: the API's services, the admin's views
and the commands all write inside one, so a change and its event commit or roll back together.
A save made outside any transaction (an interactive shell) was committed by the database before
the signal runs; its event follows at once in a transaction of its own, with a warning logged,
rather than not at all.

What the services change and log in events of their own (a unit's status and position) is work,
not setup, and is left out with `ignore`; a saved record whose logged fields did not change (a
password, a sign-in time) leaves no event.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save

from agencies.acting import current_actor
from incidents.events import record_event

logger = logging.getLogger(__name__)

ACTIONS = ("created", "updated", "deleted")
_BEFORE = "_change_log_before"  # the logged fields' values in the database, before a save


@dataclass(frozen=True)
class Tracked:
    name: str  # the events' kind prefix: unit → unit.created, unit.updated, unit.deleted
    fields: tuple[models.Field, ...]
    parent: models.ForeignKey | None  # the record these changes belong to (a policy's levels)


_tracked: dict[type[models.Model], Tracked] = {}


def track(
    model: type[models.Model],
    name: str,
    *,
    only: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    parent: str = "",
) -> None:
    """Log every creation, change and deletion of `model`'s rows (from an AppConfig.ready).

    The fields logged are `only`, else every concrete field but `ignore`, so that a field added
    to the model later is logged with no change here.
    """
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and (f.name in only if only else f.name not in ignore)
    )
    unseen = [
        f.name
        for f in model._meta.many_to_many
        if f.remote_field.through._meta.auto_created and (f.name in only or not only)
    ]
    if unseen:  # a many-to-many link changes without a save: no signal here would see it
        raise ImproperlyConfigured(
            f"{model.__name__}.{', '.join(unseen)}: give the link a model of its own and track it."
        )
    _tracked[model] = Tracked(name, fields, model._meta.get_field(parent) if parent else None)
    uid = f"change-log:{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=uid)
    post_save.connect(_log_save, sender=model, dispatch_uid=uid)
    post_delete.connect(_log_delete, sender=model, dispatch_uid=uid)


def change_kinds() -> list[str]:
    """Every kind of event the change log appends (the audit page offers them as a filter)."""
    return [f"{t.name}.{action}" for t in _tracked.values() for action in ACTIONS]


def tracked_types() -> dict[str, type[models.Model]]:
    """The models logged, by the subject type their events carry (`unit`, `slapolicy`…)."""
    return {model._meta.model_name: model for model in _tracked}


def _shown(field: models.Field, value, instance: models.Model | None = None):
    """A value as the log keeps it: a related record as its id and its name at the time."""
    if value is None or not field.is_relation:
        return value
    target = field.get_cached_value(instance, None) if instance is not None else None
    if target is None or target.pk != value:
        target = field.related_model._base_manager.filter(pk=value).first()
    return {"id": value, "name": str(target) if target is not None else ""}


def _remember_before(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    fields = [
        f
        for f in _tracked[sender].fields
        if update_fields is None or f.name in update_fields or f.attname in update_fields
    ]
    before = {}
    if fields:  # None when the row is not in the database: the save creates it
        before = (
            sender._base_manager.filter(pk=instance.pk).values(*(f.attname for f in fields)).first()
        )
    setattr(instance, _BEFORE, before)


def _log_save(sender, instance, created, **kwargs):
    tracked = _tracked[sender]
    before = instance.__dict__.pop(_BEFORE, None)
    if created:
        after = {f.name: _shown(f, f.value_from_object(instance), instance) for f in tracked.fields}
        _record(tracked, "created", instance, {"after": after})
        return
    if not before:
        return
    changed = [
        f
        for f in tracked.fields
        if f.attname in before and before[f.attname] != f.value_from_object(instance)
    ]
    if changed:
        _record(
            tracked,
            "updated",
            instance,
            {
                "before": {f.name: _shown(f, before[f.attname]) for f in changed},
                "after": {
                    f.name: _shown(f, f.value_from_object(instance), instance) for f in changed
                },
            },
        )


def _log_delete(sender, instance, **kwargs):
    tracked = _tracked[sender]
    before = {f.name: _shown(f, f.value_from_object(instance), instance) for f in tracked.fields}
    _record(tracked, "deleted", instance, {"before": before})


def _record(tracked: Tracked, action: str, instance: models.Model, payload: dict) -> None:
    payload["object"] = str(instance)
    if tracked.parent is not None:  # found by the audit page's filter on the parent, too
        shown = _shown(tracked.parent, tracked.parent.value_from_object(instance), instance)
        payload["parent"] = {
            "type": tracked.parent.related_model._meta.model_name,
            "id": str(shown["id"]),  # as an event's subject id
            "name": shown["name"],
        }
    actor = current_actor()
    if not transaction.get_connection().in_atomic_block:
        logger.warning(
            "%s #%s was saved outside a transaction: its change-log event is appended after it",
            instance._meta.label,
            instance.pk,
        )
    with transaction.atomic():
        record_event(
            f"{tracked.name}.{action}",
            subject=instance,
            actor=actor.user,
            actor_label=actor.label,
            payload=payload,
        )
