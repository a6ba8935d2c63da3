"""The report API's inputs and, for the OpenAPI schema, the shapes of its answers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from reports.definitions import METRICS, SOURCES
from reports.filters import ReportDateField, ReportQuery
from reports.rows import OUTCOMES


class RowsQuery(ReportQuery):
    """The rows behind one figure: a source, optionally one group, metric, outcome, threshold."""

    source = serializers.ChoiceField(choices=SOURCES)
    group = serializers.CharField(required=False, allow_blank=True)
    metric = serializers.ChoiceField(
        choices=[m.key for m in METRICS], required=False, allow_blank=True
    )
    outcome = serializers.ChoiceField(choices=OUTCOMES, required=False, allow_blank=True)
    threshold = serializers.CharField(required=False, allow_blank=True)
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)

    def validate(self, data: dict) -> dict:
        data = super().validate(data)
        metric = next((m for m in METRICS if m.key == data.get("metric")), None)
        if metric and metric.source != data["source"]:
            raise serializers.ValidationError(
                {"metric": _("This metric is not computed from %(source)s.") % data}
            )
        if data.get("threshold"):
            if metric is None or data["threshold"] not in {t.key for t in metric.thresholds}:
                raise serializers.ValidationError({"threshold": _("Unknown threshold.")})
        if data.get("outcome") in ("within", "over") and not data.get("threshold"):
            raise serializers.ValidationError({"threshold": _("Within or over which threshold?")})
        if data.get("group") is not None and data.get("group") != "" and not data.get("by"):
            raise serializers.ValidationError({"by": _("A group needs a breakdown.")})
        return data


class ExportQuery(ReportQuery):
    format = serializers.ChoiceField(choices=["csv", "xlsx", "pdf"])
    part = serializers.ChoiceField(choices=["summary", "rows"], required=False, default="summary")
    source = serializers.ChoiceField(choices=SOURCES, required=False, allow_blank=True)

    def validate(self, data: dict) -> dict:
        data = super().validate(data)
        if data["part"] == "rows" and data["format"] == "csv" and not data.get("source"):
            raise serializers.ValidationError(
                {"source": _("Rows in CSV come one source at a time: choose one.")}
            )
        if data["part"] == "rows" and data["format"] == "pdf":
            raise serializers.ValidationError(
                {"part": _("The PDF is the summary; rows export as CSV or XLSX.")}
            )
        return data


class PeriodQuery(StrictSerializer):
    start = ReportDateField()
    end = ReportDateField()

    def validate(self, data: dict) -> dict:
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": _("The end is before the start.")})
        return data


# --- Answers (documentation of the dicts the views return) -------------------------------------


class ThresholdFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    limit_s = serializers.FloatField()
    target = serializers.FloatField(help_text=_("Share to reach, 0–1"))
    applies_to = serializers.CharField(help_text=_("Blank: every measured item"))
    within = serializers.IntegerField()
    of = serializers.IntegerField(help_text=_("Measured items the threshold applies to"))
    share = serializers.FloatField(allow_null=True, help_text=_("Null when there are no data"))
    status = serializers.ChoiceField(choices=["met", "near", "missed", "no_data"])


class MetricFigureSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[m.key for m in METRICS])
    label = serializers.CharField()
    formula = serializers.CharField()
    counted_over = serializers.CharField()
    missing_note = serializers.CharField()
    population = serializers.IntegerField()
    measured = serializers.IntegerField()
    missing = serializers.IntegerField(help_text=_("Counted, but a timestamp is missing"))
    p50 = serializers.FloatField(allow_null=True, help_text=_("Seconds"))
    p90 = serializers.FloatField(allow_null=True)
    p95 = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    thresholds = ThresholdFigureSerializer(many=True)


class LabelledCountSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class CallFiguresSerializer(serializers.Serializer):
    presented = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    abandoned_rate = serializers.FloatField(allow_null=True)
    by_disposition = LabelledCountSerializer(many=True)
    by_channel = LabelledCountSerializer(many=True)


class GroupSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    calls = CallFiguresSerializer(
        allow_null=True, help_text=_("Null where calls have no such breakdown")
    )
    incidents = serializers.IntegerField()
    metrics = MetricFigureSerializer(many=True)


class BucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    from_s = serializers.IntegerField()
    to_s = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()


class ChainHeadSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()


class TimeMismatchSerializer(serializers.Serializer):
    table = serializers.CharField(help_text=_("calls, incidents, tickets or assignments"))
    row = serializers.IntegerField()
    field = serializers.CharField()
    clock = serializers.CharField(help_text=_("T0 … T11, or ended, declined, cancelled"))
    stored = serializers.DateTimeField(allow_null=True)
    event = serializers.DateTimeField(allow_null=True, help_text=_("What the event says"))
    event_seq = serializers.IntegerField(
        allow_null=True, help_text=_("The row's latest event; null: none")
    )
    text = serializers.CharField()


class AffectedFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class TimesCheckSerializer(serializers.Serializer):
    """Every time a report reads held against the event that set it (issue #17)."""

    intact = serializers.BooleanField()
    checked = serializers.IntegerField(help_text=_("Rows checked"))
    mismatches = serializers.IntegerField()
    named = TimeMismatchSerializer(many=True, help_text=_("The first 200 mismatches"))
    affected = AffectedFigureSerializer(many=True, help_text=_("Figures computed from them"))


class ChannelFiguresSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    received = serializers.IntegerField(help_text=_("Contacts received on this channel (T0)"))
    first_response = MetricFigureSerializer()


class ReportSerializer(serializers.Serializer):
    filter = serializers.DictField()
    by = serializers.CharField(allow_null=True)
    generated_at = serializers.DateTimeField()
    events_covered = serializers.IntegerField()
    chain_head = ChainHeadSerializer()
    chain_times = TimesCheckSerializer()
    has_data = serializers.BooleanField()
    rows = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("Rows of each source in the filter, as the row exports hold them."),
    )
    total = GroupSerializer()
    groups = GroupSerializer(many=True)
    answer_histogram = BucketSerializer(many=True)
    messages_by_channel = ChannelFiguresSerializer(
        many=True, help_text=_("Non-voice contacts per channel, timed apart from voice calls")
    )


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class RowPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


class BrokenSealSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The seal event's own sequence number.")
    day = serializers.CharField(help_text="The WIT day it seals, YYYY-MM-DD.")
    problem = serializers.CharField()


class SealsSerializer(serializers.Serializer):
    checked = serializers.IntegerField(help_text="Daily seals of the period's days checked.")
    broken = BrokenSealSerializer(many=True)


class SigningKeySerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    fingerprint = serializers.CharField(help_text="SHA-256 of the public key's DER form, hex.")
    fingerprint_grouped = serializers.CharField()
    public_key = serializers.CharField(help_text="PEM (SubjectPublicKeyInfo).")


class IntegritySerializer(serializers.Serializer):
    intact = serializers.BooleanField(help_text="The chain and every seal of the period hold.")
    checked = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    chain_head = ChainHeadSerializer()
    times = TimesCheckSerializer()
    seals = SealsSerializer()
    signing_key = SigningKeySerializer(allow_null=True, help_text="null until it is created.")
