"""What the report measures: every interval of docs/architecture.md "The clock", with its population
and thresholds.

The texts here are printed next to the numbers on the page, in every export and in the PDF's
definitions, so a verifier reads the same definition wherever a figure appears.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from incidents.models import Call, IncidentType

# The centre's three shifts, in WIT hours: [start, end). The night shift crosses midnight; a call
# at 01:00 belongs to the night shift that began at 21:00 and to the calendar day it rang on.
SHIFTS = {"07-14": (7, 14), "14-21": (14, 21), "21-07": (21, 7)}
SHIFT_LABELS = {
    "07-14": _("Morning shift 07–14 WIT"),
    "14-21": _("Afternoon shift 14–21 WIT"),
    "21-07": _("Night shift 21–07 WIT"),
}
BREAKDOWNS = ["month", "agency", "category", "kecamatan", "shift", "priority"]
SOURCES = ["calls", "incidents", "tickets", "assignments"]
FIRE = IncidentType.Category.KEBAKARAN
MEDICAL = IncidentType.Category.MEDIS

# A share within one threshold: met at or above the target, near when up to 5 points below.
NEAR_POINTS = 0.05


@dataclass(frozen=True)
class Threshold:
    key: str
    label: str
    limit_s: float
    target: float
    applies_to: str = ""  # who is held to it, when not every measured item
    subset: str = ""  # the column (a 0/1 flag on the source's rows) that selects them


@dataclass(frozen=True)
class Metric:
    key: str
    source: str  # calls | incidents | tickets | assignments
    label: str
    formula: str
    start: str  # the columns of the source's rows holding the interval's two timestamps
    end: str
    counted_over: str
    missing_note: str
    population: str = ""  # a 0/1 flag column; empty: every row of the source
    thresholds: tuple[Threshold, ...] = field(default_factory=tuple)


METRICS = (
    Metric(
        key="answer",
        source="calls",
        label=_("Answer time"),
        formula="T1 − T0",
        start="t0",
        end="t1",
        population="is_voice",
        counted_over=_(
            "Every telephone call presented to the centre (T0 in the period), prank and ghost "
            "calls included; messages and other non-voice contacts are timed separately. "
            "Percentiles and shares are over the answered calls."
        ),
        missing_note=_("Calls never answered: abandoned, or still ringing."),
        thresholds=(
            Threshold("nena_15", _("NENA: 90% within 15 s"), 15, 0.90),
            Threshold("nena_20", _("NENA: 95% within 20 s"), 20, 0.95),
            Threshold("nfpa1225_10", _("NFPA 1225: 90% within 10 s"), 10, 0.90),
        ),
    ),
    Metric(
        key="first_response",
        source="calls",
        label=_("Message first response"),
        formula=_("T1 − T0 (received → first handled)"),
        start="t0",
        end="t1",
        population="is_message",
        counted_over=_(
            "Every contact that did not arrive by telephone (WhatsApp, SMS, social media, "
            "walk-in, radio, letter, e-mail) received in the period: from when the centre "
            "received it to when a call-taker first took it in hand. The voice thresholds do "
            "not apply; shown per channel."
        ),
        missing_note=_("Contacts nobody has taken in hand yet."),
        thresholds=(
            Threshold("local_300", _("Local SLA: 90% within 5 min (first response)"), 300, 0.90),
        ),
    ),
    Metric(
        key="processing",
        source="incidents",
        label=_("Call processing"),
        formula=_("first T3 − T1"),
        start="t1",
        end="t3",
        population="from_emergency_call",
        counted_over=_(
            "Incidents created from an emergency call (the incident's first call, T2 in the "
            "period): from that call's answer to the first agency notified. Calls that did not "
            "become incidents (prank, ghost, information…) are not counted."
        ),
        missing_note=_("Incidents never forwarded to an agency."),
        thresholds=(Threshold("nfpa1225_60", _("NFPA 1225: 90% within 60 s"), 60, 0.90),),
    ),
    Metric(
        key="acknowledgment",
        source="tickets",
        label=_("Agency acknowledgment"),
        formula="T4 − T3",
        start="t3",
        end="t4",
        population="awaited",
        counted_over=_(
            "Tickets of the incidents in the period (one per agency notified). Declined tickets "
            "and tickets withdrawn before acceptance are not counted."
        ),
        missing_note=_("Tickets never accepted nor declined."),
        thresholds=(Threshold("sop_60", _("Local SOP: 90% within 60 s"), 60, 0.90),),
    ),
    Metric(
        key="turnout",
        source="assignments",
        label=_("Turnout"),
        formula="T5 − T4d",
        start="t4d",
        end="t5",
        population="left_or_due",
        counted_over=_(
            "Unit assignments of the incidents in the period. Assignments cancelled before "
            "the unit left are not counted."
        ),
        missing_note=_("Units never marked en route."),
        thresholds=(
            Threshold(
                "nfpa1710_medical",
                _("NFPA 1710: 90% within 60 s (medical)"),
                60,
                0.90,
                _("medical incidents"),
                "is_medical",
            ),
            Threshold(
                "nfpa1710_fire",
                _("NFPA 1710: 90% within 80 s (fire)"),
                80,
                0.90,
                _("fire incidents"),
                "is_fire",
            ),
        ),
    ),
    Metric(
        key="travel",
        source="assignments",
        label=_("Travel"),
        formula="T6 − T5",
        start="t5",
        end="t6",
        population="arrived_or_due",
        counted_over=_(
            "Unit assignments of the incidents in the period. Assignments cancelled before "
            "the unit arrived are not counted."
        ),
        missing_note=_("Units never marked on scene (or never en route)."),
        thresholds=(
            Threshold(
                "nfpa1710_240",
                _("NFPA 1710: 90% within 240 s (first engine)"),
                240,
                0.90,
                _("the first fire engine on scene at a fire"),
                "is_first_engine",
            ),
        ),
    ),
    Metric(
        key="response",
        source="incidents",
        label=_("Response (citizen)"),
        formula=_("first T6 − T0"),
        start="t0",
        end="t6",
        counted_over=_(
            "Incidents in the period (T2 in the period): from the first call ringing to the "
            "first unit on scene."
        ),
        missing_note=_("Incidents with no unit on scene, or with no call (T0 unknown)."),
    ),
    Metric(
        key="spm_fire",
        source="incidents",
        label=_("Fire response time (SPM)"),
        formula="T6f − T0",
        start="t0",
        end="t6f",
        population="is_fire",
        counted_over=_(
            "Fire incidents in the period: from the first call ringing to the first unit "
            "starting operations (Permendagri 114/2018 via Permen PU 20/2009: 5 min dispatch + "
            "5 min travel + 5 min set-up)."
        ),
        missing_note=_("Fire incidents where no unit was marked as starting operations."),
        thresholds=(Threshold("spm_15", _("SPM: every fire within 15 min"), 900, 1.0),),
    ),
)

METRICS_BY_KEY = {metric.key: metric for metric in METRICS}

# Answer-time distribution buckets, seconds: [from, to); None is open-ended.
ANSWER_BUCKETS = ((0, 5), (5, 10), (10, 15), (15, 20), (20, 30), (30, 60), (60, None))

DISPOSITIONS = [*Call.Disposition.values, "abandoned", "unclassified"]
DISPOSITION_LABELS = {
    **dict(Call.Disposition.choices),
    "abandoned": _("Abandoned"),
    "unclassified": _("Not classified"),
}
