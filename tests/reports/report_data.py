"""A hand-built month (October 2026, synthetic) whose report figures were worked out by hand.

Times are WIT. Every expected figure in test_reports.py is derived in the comments there from
the timestamps below; the rows are written directly (not through the services) so each T-time is
exactly the one stated.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models

from agencies.models import Agency, Area, Unit
from dispatch.models import Assignment, Ticket
from incidents.models import Call, Caller, Incident, IncidentType
from reports.filters import ReportFilter

WIT = ZoneInfo("Asia/Jayapura")
OCTOBER = ReportFilter(start=date(2026, 10, 1), end=date(2026, 10, 31))


def wit(day: str, clock: str) -> datetime:
    """wit("10-05", "08:00:04") → 2026-10-05 08:00:04 WIT."""
    return datetime.fromisoformat(f"2026-{day}T{clock}").replace(tzinfo=WIT)


def _call(call_id, ring, answer_s=None, disposition="", incident=None, number="+6281234567890"):
    caller, _ = Caller.objects.get_or_create(number=number)
    answered = ring + timedelta(seconds=answer_s) if answer_s is not None else None
    return Call.objects.create(
        call_id=call_id,
        caller=caller,
        ringing_at=ring,
        answered_at=answered,
        ended_at=(answered or ring) + timedelta(minutes=2),
        status=Call.Status.ENDED if answered else Call.Status.ABANDONED,
        disposition=disposition,
        incident=incident,
    )


def _incident(type_code, created, by, kecamatan=None, agencies=()):
    kind = IncidentType.objects.get(code=type_code)
    incident = Incident.objects.create(
        incident_type=kind,
        category=kind.category,
        priority=kind.default_priority,
        kecamatan=Area.objects.get(code=kecamatan) if kecamatan else None,
        created_at=created,
        created_by=by,
        status=Incident.Status.CLOSED,
    )
    incident.agencies.set(Agency.objects.filter(code__in=agencies))
    return incident


def _ticket(incident, agency, notified, by, *, accepted=None, declined=None, withdrawn=None):
    status = Ticket.Status.NOTIFIED
    if accepted:
        status = Ticket.Status.COMPLETED
    elif declined:
        status = Ticket.Status.DECLINED
    elif withdrawn:
        status = Ticket.Status.CANCELLED
    return Ticket.objects.create(
        incident=incident,
        agency=Agency.objects.get(code=agency),
        role=Ticket.Role.PRIMARY,
        status=status,
        notified_at=notified,
        notified_by=by,
        accepted_at=accepted,
        declined_at=declined,
        decline_reason="bukan wewenang kami" if declined else "",
        ended_at=withdrawn,
    )


def _assignment(ticket, call_sign, dispatched, by, *, en_route=None, on_scene=None, ops=None,
                cancelled=None):  # fmt: skip
    return Assignment.objects.create(
        incident=ticket.incident,
        ticket=ticket,
        unit=Unit.objects.get(call_sign=call_sign),
        status=Assignment.Status.CANCELLED if cancelled else Assignment.Status.CLEARED,
        dispatched_at=dispatched,
        dispatched_by=by,
        en_route_at=en_route,
        on_scene_at=on_scene,
        operations_started_at=ops,
        cancelled_at=cancelled,
    )


def build_october(by) -> dict:
    """The month's rows; returns the incidents by name for drill-down tests."""
    t = wit
    # I1: a house fire in Batu Merah (Sirimau), morning shift.
    i1 = _incident("kebakaran.rumah", t("10-05", "08:00:30"), by, "81.71.02", ["damkar", "pln"])
    _call("c1", t("10-05", "08:00:00"), 4, "emergency", i1)
    _call("c2", t("10-05", "08:01:00"), 10, "duplicate", i1, number="+6281311112222")
    fire = _ticket(i1, "damkar", t("10-05", "08:00:50"), by, accepted=t("10-05", "08:01:20"))
    _ticket(i1, "pln", t("10-05", "08:01:00"), by, declined=t("10-05", "08:03:00"))
    _assignment(fire, "DAMKAR-01", t("10-05", "08:01:30"), by, en_route=t("10-05", "08:02:30"),
                on_scene=t("10-05", "08:06:30"), ops=t("10-05", "08:08:00"))  # fmt: skip
    _assignment(fire, "DAMKAR-02", t("10-05", "08:01:40"), by, en_route=t("10-05", "08:03:20"),
                on_scene=t("10-05", "08:08:20"))  # fmt: skip

    # Calls that are not incidents; the night shift crosses midnight.
    _call("c3", t("10-10", "23:30:00"), 10, "prank", number="+6285200001111")
    _call("c4", t("10-11", "01:15:00"), 20, "ghost", number="+6285200001111")

    # I2: a medical emergency in Nusaniwe; the ambulance is never marked on scene.
    i2 = _incident("medis.gawat_darurat", t("10-12", "15:01:00"), by, "81.71.01", ["dinkes"])
    _call("c5", t("10-12", "15:00:00"), 30, "emergency", i2)
    ambulance = _ticket(i2, "dinkes", t("10-12", "15:02:30"), by, accepted=t("10-12", "15:03:30"))
    _assignment(ambulance, "PSC-01", t("10-12", "15:04:00"), by, en_route=t("10-12", "15:04:50"))
    _call("c6", t("10-12", "16:00:00"), None)  # abandoned
    _call("c7", t("10-20", "09:00:00"), 6, "information")

    # I4: logged by a dispatcher with no call and no place; one ticket withdrawn, one unit recalled.
    i4 = _incident(
        "kamtibmas.perkelahian", t("10-15", "10:00:00"), by, None, ["polresta", "satpolpp"]
    )
    police = _ticket(i4, "polresta", t("10-15", "10:01:00"), by, accepted=t("10-15", "10:01:45"))
    _ticket(i4, "satpolpp", t("10-15", "10:01:10"), by, withdrawn=t("10-15", "10:02:00"))
    _assignment(police, "PATROLI-SRM", t("10-15", "10:02:00"), by, cancelled=t("10-15", "10:03:00"))

    # I3: a fire in Leihitu on the last evening of the month; the police never answer.
    i3 = _incident(
        "kebakaran.rumah", t("10-31", "22:00:40"), by, "81.01.15", ["damkar", "polresta"]
    )
    _call("c8", t("10-31", "22:00:00"), 15, "emergency", i3)
    engine = _ticket(i3, "damkar", t("10-31", "22:01:15"), by, accepted=t("10-31", "22:03:15"))
    _ticket(i3, "polresta", t("10-31", "22:01:20"), by)
    _assignment(engine, "DAMKAR-03", t("10-31", "22:03:30"), by, en_route=t("10-31", "22:05:30"),
                on_scene=t("10-31", "22:20:30"), ops=t("10-31", "22:22:00"))  # fmt: skip

    # Just outside the month, on either side (WIT midnight, not UTC midnight).
    _call("c9", t("11-01", "00:30:00"), 5, "prank", number="+6285200001111")
    _call("c10", t("09-30", "23:59:00"), 8, "test")
    i5 = _incident("kebakaran.rumah", t("11-01", "00:40:00"), by, "81.71.02", ["damkar"])
    _call("c11", t("11-01", "00:39:00"), 3, "emergency", i5)
    return {"i1": i1, "i2": i2, "i3": i3, "i4": i4, "i5": i5}


def build_month(by, year: int, month: int) -> dict:
    """October's rows moved to another month (the browser test's "last month").

    Every timestamp moves by the same whole number of days, chosen so that 31 October lands on
    the month's last day: each WIT clock time, shift and interval stays as in October, and every
    October row (the first is on the 5th) stays inside the month, even in February. The rows
    just outside October stay just outside. October 2026 itself is left exactly as built.
    """
    incidents = build_october(by)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    delta = (next_month - timedelta(days=1)) - date(2026, 10, 31)
    if delta:
        chosen = list(incidents.values())
        for rows in (
            Call.objects.filter(call_id__in=[f"c{n}" for n in range(1, 12)]),
            Incident.objects.filter(pk__in=[i.pk for i in chosen]),
            Ticket.objects.filter(incident__in=chosen),
            Assignment.objects.filter(incident__in=chosen),
        ):
            fields = rows.model._meta.concrete_fields
            stamps = [f.name for f in fields if isinstance(f, models.DateTimeField)]
            rows.update(**{name: models.F(name) + delta for name in stamps})
    return incidents
