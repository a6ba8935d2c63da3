"""The audit page's view of the event log: newest first, filtered by kind and by object (every
change to unit X, or to SLA policy Y and its levels), a change shown as its fields' old and new
values (incidents/changelog.py writes them)."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.changelog import change_kinds, tracked_types
from incidents.events import events_visible_to
from incidents.privacy import masked_for
from incidents.serializers import EventSerializer

PAGE = 100


class AuditFilter(forms.Form):
    kind = forms.CharField(
        required=False,
        max_length=50,
        validators=[RegexValidator(r"^[a-z_]+\.[a-z_]+$", _("Not a kind of event."))],
    )
    type = forms.CharField(
        required=False,
        max_length=30,
        validators=[RegexValidator(r"^[a-z_]+$", _("Not a kind of record."))],
    )
    id = forms.CharField(
        required=False,
        max_length=40,
        validators=[RegexValidator(r"^[0-9A-Za-z_.:-]+$", _("Not a record's number."))],
    )
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("id") and not cleaned.get("type"):
            raise forms.ValidationError(_("Choose the kind of record of this number."))
        return cleaned

    def kinds(self) -> list[str]:
        """The select's kinds: the change log's, and the one asked for if it is another."""
        kinds = change_kinds()
        asked = self.data.get("kind")
        return kinds if not asked or asked in kinds else [asked, *kinds]

    def types(self) -> list[tuple[str, str]]:
        return sorted(
            (name, str(model._meta.verbose_name)) for name, model in tracked_types().items()
        )


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict) and "name" in value:  # a related record: its name and number
        return f"{value['name']} (#{value['id']})"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def _changes(event: dict) -> list[tuple[str, str, str]]:
    """(field, before, after) for a change-log event; nothing for any other."""
    data = event["data"]
    before, after = data.get("before") or {}, data.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict) or "object" not in data:
        return []
    model = tracked_types().get(event["subject"]["type"])
    rows = []
    for name in dict.fromkeys([*before, *after]):
        try:
            label = str(model._meta.get_field(name).verbose_name) if model else name
        except FieldDoesNotExist:  # a field since removed from the model: its name, as logged
            label = name
        old = _text(before[name]) if name in before else ""
        new = _text(after[name]) if name in after else ""
        rows.append((label, old, new))
    return rows


def _type_name(subject_type: str) -> str:
    model = tracked_types().get(subject_type)
    return str(model._meta.verbose_name) if model else subject_type


def audit_rows(user, *, kind="", type="", id="", before=None) -> tuple[list[dict], int | None]:
    """A page of the events `user` may read, newest first, and the `before` of the next page."""
    events = events_visible_to(user).select_related(None).order_by("-seq")
    if kind:
        events = events.filter(kind=kind)
    if type and id:  # the record itself, and the parts filed under it (a policy's levels)
        events = events.filter(
            Q(subject_type=type, subject_id=id)
            | Q(kind__in=change_kinds(), payload__parent__type=type, payload__parent__id=id)
        )
    elif type:
        events = events.filter(subject_type=type)
    if before:
        events = events.filter(seq__lt=before)
    page = list(events[: PAGE + 1])
    shown = masked_for(user, EventSerializer(page[:PAGE], many=True).data)
    rows = [
        {
            "event": event,
            "type": _type_name(event.subject_type),
            "object": data["data"].get("object", "") if isinstance(data["data"], dict) else "",
            "changes": _changes(data),
        }
        for event, data in zip(page[:PAGE], shown, strict=True)
    ]
    return rows, (page[PAGE - 1].seq if len(page) > PAGE else None)
