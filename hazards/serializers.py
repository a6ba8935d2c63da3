"""What the hazards API answers and accepts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from hazards.models import HazardFeed, MajorIncident, PublicWarning, Quake


class FeedSerializer(serializers.ModelSerializer):
    ok = serializers.SerializerMethodField()

    class Meta:
        model = HazardFeed
        fields = ["name", "url", "ok", "checked_at", "ok_at", "failing_since", "error", "rejected"]

    def get_ok(self, feed) -> bool:
        return feed.failing_since is None


class QuakeSerializer(serializers.ModelSerializer):
    magnitude = serializers.FloatField()
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Quake
        fields = [
            "id",
            "origin_time",
            "lat",
            "lon",
            "magnitude",
            "depth_km",
            "region",
            "potential",
            "tsunami",
            "felt",
            "shakemap",
            "feed",
            "received_at",
            "island_distance_km",
            "city_distance_km",
            "bearing",
            "significant",
            "reasons",
            "reviewed_at",
            "reviewed_by",
        ]


class MajorIncidentSerializer(serializers.ModelSerializer):
    declared_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    calls = serializers.IntegerField(read_only=True, default=0)
    incidents = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = MajorIncident
        fields = [
            "id",
            "title",
            "kind",
            "quake",
            "area_codes",
            "polygon",
            "active",
            "declared_at",
            "declared_by",
            "closed_at",
            "closed_by",
            "calls",
            "incidents",
        ]


class DeclareInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MajorIncident.Kind.choices)
    quake = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    area_codes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=100
    )
    polygon = serializers.JSONField(
        required=False, allow_null=True, help_text=_("GeoJSON Polygon, lon/lat")
    )


class AttachCallInput(StrictSerializer):
    call = serializers.IntegerField(min_value=1)


class WarningSerializer(serializers.ModelSerializer):
    drafted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    xml_url = serializers.SerializerMethodField()

    class Meta:
        model = PublicWarning
        fields = [
            "id",
            "identifier",
            "status",
            "msg_type",
            "references",
            *PublicWarning.MESSAGE,
            "drafted_at",
            "drafted_by",
            "approved_by",
            "sent_at",
            "xml_url",
        ]

    def get_xml_url(self, warning) -> str | None:
        if warning.status != PublicWarning.Status.PUBLISHED:
            return None
        return f"/cap/alerts/{warning.identifier}.xml"


class CircleInput(StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(min_value=0.1, max_value=500)


class DraftInput(StrictSerializer):
    major_incident = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    category = serializers.ChoiceField(choices=PublicWarning.Category.choices)
    event = serializers.CharField(max_length=100)
    urgency = serializers.ChoiceField(choices=PublicWarning.Urgency.choices)
    severity = serializers.ChoiceField(choices=PublicWarning.Severity.choices)
    certainty = serializers.ChoiceField(choices=PublicWarning.Certainty.choices)
    headline_id = serializers.CharField(max_length=160)
    instruction_id = serializers.CharField(max_length=2000)
    headline_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    instruction_en = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    area_desc = serializers.CharField(max_length=300, required=False, allow_blank=True)
    area_codes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=100
    )
    circle = CircleInput(required=False, allow_null=True)
    onset = serializers.DateTimeField()
    expires = serializers.DateTimeField()


class FollowUpInput(DraftInput):
    """An update (msgType Update) or cancellation (Cancel) of a published warning; what is not
    given is copied from it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in {"area_codes", "circle", "major_incident"}:
                field.required = False
