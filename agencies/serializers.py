import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.geo import locate
from agencies.models import Agency, Area, Station, Unit
from core.api import RejectUnknownFields, StrictSerializer


def normalise_phone(value: str) -> str:
    """E.164 (+62…) from what a person types: 0911…, 62911…, +62 911-…; a clear error if not."""
    try:
        number = phonenumbers.parse(value, settings.PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise serializers.ValidationError(_("This is not a phone number.")) from exc
    if not phonenumbers.is_possible_number(number):
        raise serializers.ValidationError(_("This is not a phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return normalise_phone(value) if value else value


def validate_on_island(lat: float, lon: float) -> None:
    if locate(lat, lon) is None:
        raise serializers.ValidationError(
            _("This point is outside Ambon Island (more than 2 km from any desa/kelurahan).")
        )


class AgencySerializer(RejectUnknownFields, serializers.ModelSerializer):
    phone = PhoneField(required=False, allow_blank=True, max_length=30)
    regencies = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{2}\.[0-9]{2}$"),
        allow_empty=False,
        help_text=_("Regencies it serves: 81.71 Kota Ambon, 81.01 Maluku Tengah"),
    )

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "short_name", "kind", "regencies", "phone", "is_active"]

    def validate_regencies(self, value):
        known = set(Area.objects.values_list("regency_code", flat=True))
        if not value or not set(value) <= known:
            raise serializers.ValidationError(
                _("Give a list of regency codes among: %(codes)s.")
                % {"codes": ", ".join(sorted(known))}
            )
        return value


class StationSerializer(RejectUnknownFields, serializers.ModelSerializer):
    phone = PhoneField(required=False, allow_blank=True, max_length=30)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # Blank for a station entered without a position.
    position_quality = serializers.ChoiceField(
        choices=Station.PositionQuality.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Station
        fields = [
            "id",
            "name",
            "kind",
            "agency",
            "operator",
            "address",
            "area",
            "lat",
            "lon",
            "position_quality",
            "phone",
            "notes",
        ]

    def validate(self, attrs):
        lat = attrs.get("lat", getattr(self.instance, "lat", None))
        lon = attrs.get("lon", getattr(self.instance, "lon", None))
        if (lat is None) != (lon is None):
            raise serializers.ValidationError(_("Give both latitude and longitude, or neither."))
        if lat is not None:
            validate_on_island(lat, lon)
            location = locate(lat, lon)
            attrs["area"] = location.desa
            attrs["position_quality"] = Station.PositionQuality.EXACT
        return attrs


class UnitSerializer(RejectUnknownFields, serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    # Words such as fire, rescue, water_supply: a number is refused, not stored as "0".
    capabilities = serializers.ListField(
        child=serializers.RegexField(r"^[a-z][a-z0-9_]*$", max_length=30)
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "call_sign",
            "agency",
            "station",
            "kind",
            "capabilities",
            "status",
            "last_lat",
            "last_lon",
            "last_position_at",
            "is_demo",
        ]
        read_only_fields = ["status", "last_lat", "last_lon", "last_position_at", "is_demo"]

    def validate(self, attrs):
        station = attrs.get("station", getattr(self.instance, "station", None))
        agency = attrs.get("agency", getattr(self.instance, "agency", None))
        if station is not None and station.agency_id != agency.pk:
            raise serializers.ValidationError(
                {"station": [_("This station belongs to another agency.")]}
            )
        return attrs


class AreaQuery(StrictSerializer):
    # Blank (`?level=`, as a form sends an unset filter) is no filter, as an absent one.
    level = serializers.ChoiceField(choices=Area.Level.choices, required=False, allow_blank=True)


class PointQuery(StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    desa = AreaRefSerializer()
    kecamatan = AreaRefSerializer()
    regency = AreaRefSerializer()
    approximate = serializers.BooleanField(help_text=_("Snapped from the sea or a gap"))
    distance_m = serializers.IntegerField()


class AccountLockSerializer(serializers.Serializer):
    """Where an account is locked: the address the failed sign-ins came from."""

    address = serializers.CharField(allow_null=True)
    failures = serializers.IntegerField()
    last_failure = serializers.DateTimeField()
    locked_until = serializers.DateTimeField()


class LockedAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.first_name")
    role = serializers.CharField(source="user.role")
    agency = serializers.CharField(source="user.agency.code", allow_null=True, default=None)
    locks = AccountLockSerializer(many=True)


class UnlockedAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    failures_cleared = serializers.IntegerField()
