"""Incidents ready to forward, built the way the call-taker's console builds them."""

import itertools

import pytest
from django.utils import translation

from agencies.models import Agency, Area, Role, Unit, User
from incidents.models import IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call
from tests.conftest import PASSWORD

BATU_MERAH = "81.71.02.2003"  # Kota Ambon, kecamatan Sirimau
HILA = "81.01.15.2011"  # Maluku Tengah, kecamatan Leihitu

_calls = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Indonesian ones are checked by the API tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_incident(operator):
    """make_incident("kebakaran.rumah", BATU_MERAH) → an incident at the desa's label point."""

    def make(type_code="kebakaran.rumah", area_code=BATU_MERAH, *, lat=None, lon=None):
        call, _changed = receive_call_event(
            call_id=f"d-{next(_calls)}", event="ringing", number="+6281200009999", adapter="pbx"
        )
        take_call(call=call, by=operator)
        area = Area.objects.get(code=area_code)
        return create_incident(
            call=call,
            by=operator,
            incident_type=IncidentType.objects.get(code=type_code),
            lat=area.label_lat if lat is None else lat,
            lon=area.label_lon if lon is None else lon,
        )

    return make


@pytest.fixture
def desk(ambon):
    """desk("pln") → that agency's desk account."""

    def make(code: str) -> User:
        agency = Agency.objects.get(code=code)
        user, _created = User.objects.get_or_create(
            username=f"desk-{code}", defaults={"role": Role.AGENCY_DESK, "agency": agency}
        )
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def add_policy(client_for, admin_user):
    """add_policy(name=…, watch=…, level={"delay_s": …, "recipients": […]}) → the response to
    the admin's "add SLA policy" form, with that one escalation level, posted by a superuser."""
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)

    def add(*, level: dict, **policy):
        form = {
            "is_active": "on",
            **policy,
            "levels-TOTAL_FORMS": "1",
            "levels-INITIAL_FORMS": "0",
            "levels-MIN_NUM_FORMS": "1",
            "levels-MAX_NUM_FORMS": "1000",
            "levels-0-level": "1",
            "levels-0-action": "",
        }
        form |= {f"levels-0-{name}": value for name, value in level.items()}
        return client.post("/admin/dispatch/slapolicy/add/", form)

    return add


def unit(call_sign: str) -> Unit:
    return Unit.objects.select_related("agency", "station").get(call_sign=call_sign)
