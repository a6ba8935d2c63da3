"""Public warnings (CAP 1.2): a supervisor drafts, a second person approves, and approval
publishes the message, frozen as it was sent. An update or a cancellation is a new message
that references the one it follows, drafted and approved the same way."""

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Area, Role
from core.api import represent
from core.errors import Conflict, Forbidden, Invalid
from hazards import cap
from hazards.models import MajorIncident, PublicWarning
from hazards.serializers import WarningSerializer
from incidents.events import record_event

WARNING_ROLES = {Role.SUPERVISOR, Role.ADMIN}


def _require_role(user) -> None:
    if user.role not in WARNING_ROLES:
        raise Forbidden(_("Only a supervisor may draft or approve a public warning."))


def check(fields: dict) -> None:
    """What a warning must say before anyone may approve it: an area, and a time it ends
    after it starts and after now."""
    errors = {}
    codes = fields.get("area_codes") or []
    if not codes and not fields.get("circle"):
        errors["area_codes"] = [_("Choose the area: kelurahan/desa, kecamatan or a circle.")]
    known = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    if set(codes) - known:
        errors["area_codes"] = [
            _("Unknown area code(s): %(codes)s.") % {"codes": ", ".join(sorted(set(codes) - known))}
        ]
    if fields["expires"] <= fields["onset"]:
        errors["expires"] = [_("The warning must expire after its onset.")]
    elif fields["expires"] <= timezone.now():
        errors["expires"] = [_("The warning would already have expired.")]
    if not fields.get("headline_en") and fields.get("instruction_en"):
        errors["headline_en"] = [_("An English instruction needs an English headline.")]
    if errors:
        raise Invalid(errors)


def _area_desc(fields: dict) -> str:
    if fields.get("area_desc"):
        return fields["area_desc"]
    names = list(
        Area.objects.filter(code__in=fields.get("area_codes") or []).values_list("name", flat=True)
    )
    if fields.get("circle"):
        names.append(
            _("%(km)g km around %(lat).4f, %(lon).4f")
            % {
                "km": fields["circle"]["radius_km"],
                "lat": fields["circle"]["lat"],
                "lon": fields["circle"]["lon"],
            }
        )
    return ", ".join(names)[:300]


def _publish(kind: str, warning: PublicWarning, *, actor) -> None:
    record_event(
        kind,
        subject=warning,
        actor=actor,
        payload={"warning": represent(WarningSerializer, warning)},
    )


@transaction.atomic
def draft_warning(
    *, by, msg_type: str = PublicWarning.MsgType.ALERT, references=None, **fields
) -> PublicWarning:
    _require_role(by)
    check(fields)
    major = fields.get("major_incident")
    if isinstance(major, int):
        fields["major_incident"] = MajorIncident.objects.filter(pk=major).first()
        if fields["major_incident"] is None:
            raise Invalid({"major_incident": [_("There is no such major incident.")]})
    fields["area_desc"] = _area_desc(fields)
    warning = PublicWarning.objects.create(
        identifier=f"{settings.CAP_IDENTIFIER_PREFIX}-{uuid.uuid4().hex[:16]}",
        msg_type=msg_type,
        references=references,
        drafted_at=timezone.now(),
        drafted_by=by,
        **fields,
    )
    _publish("warning.drafted", warning, actor=by)
    return warning


@transaction.atomic
def follow_up(*, original: PublicWarning, by, msg_type: str, **changes) -> PublicWarning:
    """Draft an update or cancellation of a published warning: what is not changed is copied."""
    _require_role(by)
    original = PublicWarning.objects.select_for_update().get(pk=original.pk)
    if original.status != PublicWarning.Status.PUBLISHED:
        raise Conflict(_("Only a published warning can be updated or cancelled."))
    if (
        original.msg_type == PublicWarning.MsgType.CANCEL
        or original.followers.filter(
            msg_type=PublicWarning.MsgType.CANCEL, status=PublicWarning.Status.PUBLISHED
        ).exists()
    ):
        raise Conflict(_("This warning was cancelled."))
    fields = {name: getattr(original, name) for name in PublicWarning.MESSAGE}
    if {"area_codes", "circle"} & changes.keys():
        fields["area_desc"] = ""  # a new area is described anew unless the author says
    fields.update(changes)
    return draft_warning(by=by, msg_type=msg_type, references=original, **fields)


@transaction.atomic
def approve_warning(*, warning: PublicWarning, by) -> PublicWarning:
    """The second person approves: the message is built, validated and published at once."""
    _require_role(by)
    warning = PublicWarning.objects.select_for_update().get(pk=warning.pk)
    if warning.drafted_by_id == by.pk:
        raise Forbidden(_("A warning must be approved by a second person, not its author."))
    if warning.status != PublicWarning.Status.DRAFT:
        raise Conflict(_("This warning was already published."))
    if warning.expires <= timezone.now():
        raise Invalid({"expires": [_("The warning would already have expired.")]})
    sent_at = timezone.now()
    web = settings.PUBLIC_BASE_URL + reverse("cap-alert", args=[warning.identifier])
    warning.xml = cap.build(warning, sent_at=sent_at, web=web).decode()
    warning.status, warning.approved_by, warning.sent_at = (
        PublicWarning.Status.PUBLISHED,
        by,
        sent_at,
    )
    warning.save(update_fields=["xml", "status", "approved_by", "sent_at"])
    _publish("warning.published", warning, actor=by)
    return warning
