from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ambon112.api import StrictSerializer
from incidents.models import IncidentType


class EventSubjectSerializer(serializers.Serializer):
    type = serializers.CharField(source="subject_type")
    id = serializers.CharField(source="subject_id")


class EventSerializer(serializers.Serializer):
    """One event as the consoles receive it, over REST and over the socket alike."""

    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    subject = EventSubjectSerializer(source="*")
    data = serializers.JSONField(source="payload")
    agencies = serializers.ListField(child=serializers.CharField())


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    has_more = serializers.BooleanField(help_text=_("Ask again with after = the last seq."))
    head = serializers.IntegerField(help_text=_("Newest sequence number on your feed."))


class EventsQuery(StrictSerializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)


class IncidentTypeSerializer(serializers.ModelSerializer):
    default_agencies = serializers.SerializerMethodField()

    class Meta:
        model = IncidentType
        fields = [
            "id",
            "code",
            "category",
            "name_id",
            "name_en",
            "default_priority",
            "capability",
            "apco_code",
            "apco_name",
            "default_agencies",
        ]

    def get_default_agencies(self, obj) -> list[dict]:
        return [
            {"agency": link.agency.code, "role": link.role} for link in obj.default_agencies.all()
        ]
