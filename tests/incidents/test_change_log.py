"""The change log (issue #17 item 4): every creation, change and deletion of the records that set
the centre up — over the API, in the admin, by a command — is an event naming who, what, and the
old and new values, committed with the change; the audit page filters it by kind and object."""

from unittest import mock

import pytest
from django.contrib.auth.models import update_last_login
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from agencies.acting import acting_as_command
from agencies.models import Agency, LoadedReference, Role, Station, Unit, User
from dispatch.models import SlaPolicy
from incidents.models import Event
from tests.conftest import PASSWORD


def changes(kind: str, subject, *, after: int = 0) -> list[Event]:
    return list(
        Event.objects.filter(
            kind=kind,
            subject_type=subject._meta.model_name,
            subject_id=str(subject.pk),
            seq__gt=after,
        )
    )


def head() -> int:
    return Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.fixture
def superuser(ambon):
    """The centre's administrator in the Django admin."""
    return User.objects.create_superuser(
        username="root", password=PASSWORD, email="", role=Role.ADMIN, first_name="Root"
    )


@pytest.fixture
def admin_site(client, superuser):
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_unit_created_changed_and_deleted_over_the_api_is_logged_with_who_and_what(
    client_for, admin_user
):
    client = client_for(admin_user)
    station = Station.objects.get(name="Pos Damkar Passo")
    created = client.post(
        reverse("unit-list"),
        {
            "call_sign": "DAMKAR-99",
            "agency": "damkar",
            "station": station.pk,
            "kind": "engine",
            "capabilities": ["fire"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    unit = Unit.objects.get(call_sign="DAMKAR-99")
    [event] = changes("unit.created", unit)
    assert (event.actor, event.actor_label) == (admin_user, "admin")
    assert event.payload["object"] == "DAMKAR-99"
    after = event.payload["after"]
    assert after["call_sign"] == "DAMKAR-99" and after["kind"] == "engine"
    assert after["agency"] == {"id": unit.agency_id, "name": str(unit.agency)}
    assert after["station"] == {"id": station.pk, "name": "Pos Damkar Passo"}
    assert "status" not in after  # the consoles' work, logged by events of its own

    changed = client.patch(
        reverse("unit-detail", args=[unit.pk]),
        {"kind": "tanker", "capabilities": ["fire"]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    [event] = changes("unit.updated", unit)
    assert event.actor == admin_user
    assert event.payload["before"] == {"kind": "engine"}  # only what changed
    assert event.payload["after"] == {"kind": "tanker"}

    assert client.delete(reverse("unit-detail", args=[unit.pk])).status_code == 204
    [event] = Event.objects.filter(kind="unit.deleted", subject_id=str(unit.pk))
    assert event.actor == admin_user
    assert event.payload["before"]["call_sign"] == "DAMKAR-99"
    assert event.payload["before"]["kind"] == "tanker"


def test_a_change_and_its_event_commit_or_roll_back_together(client_for, admin_user):
    agency = Agency.objects.get(code="pln")
    start = head()
    client = client_for(admin_user)
    with (
        mock.patch("incidents.changelog.record_event", side_effect=RuntimeError("log down")),
        pytest.raises(RuntimeError),
    ):
        client.patch(
            reverse("agency-detail", args=[agency.pk]),
            {"short_name": "PLN ULP"},
            content_type="application/json",
        )
    agency.refresh_from_db()
    assert agency.short_name != "PLN ULP"  # no change without its event
    assert not changes("agency.updated", agency, after=start)


def test_the_admin_logs_an_agency_change_as_the_administrator(admin_site, superuser):
    agency = Agency.objects.get(code="dishub")
    start = head()  # load_ambon logged the agency's creation and its backup
    form = {
        "code": agency.code,
        "name": agency.name,
        "short_name": "Dishub Kota",
        "kind": agency.kind,
        "regencies": '["81.71"]',
        "phone": "",
        "backup": "",
        "is_active": "on",
    }
    response = admin_site.post(reverse("admin:agencies_agency_change", args=[agency.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = changes("agency.updated", agency, after=start)
    assert (event.actor, event.actor_label) == (superuser, "root")
    assert event.payload["before"]["short_name"] == agency.short_name
    assert event.payload["after"]["short_name"] == "Dishub Kota"


def test_the_admin_logs_a_users_role_and_agency_but_never_the_password(admin_site, superuser):
    person = User.objects.create_user(username="budi", password=PASSWORD, role=Role.CALL_TAKER)
    [created] = changes("user.created", person)
    assert created.payload["after"]["role"] == "call_taker"
    assert "password" not in created.payload["after"]
    damkar = Agency.objects.get(code="damkar")
    form = {
        "username": "budi",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
        "role": Role.AGENCY_DESK,
        "agency": damkar.pk,
    }
    response = admin_site.post(reverse("admin:agencies_user_change", args=[person.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = changes("user.updated", person)
    assert event.actor == superuser
    assert event.payload["before"] == {"role": "call_taker", "agency": None}
    assert event.payload["after"] == {
        "role": "agency_desk",
        "agency": {"id": damkar.pk, "name": str(damkar)},
    }

    person.refresh_from_db()
    with transaction.atomic():
        person.set_password("another-long-pass-112x")
        person.save()
        update_last_login(None, person)
    assert len(changes("user.updated", person)) == 1  # a password or a sign-in is no change


def test_a_unit_on_the_move_is_not_a_change_of_setup(ambon):
    unit = Unit.objects.get(call_sign="DAMKAR-01")
    start = head()
    with transaction.atomic():
        unit.status = Unit.Status.OUT_OF_SERVICE
        unit.last_lat, unit.last_lon = -3.69, 128.18
        unit.save(update_fields=["status", "last_lat", "last_lon"])
        unit.save()  # a whole save with the same values
    assert not changes("unit.updated", unit, after=start)


def test_a_commands_changes_are_logged_as_the_command_and_its_os_user(ambon, settings):
    settings.EMBEDDED = True
    settings.PRODUCTION = False
    call_command("create_demo_accounts")
    [event] = changes("user.created", User.objects.get(username="operator"))
    assert event.actor is None
    assert event.actor_label.startswith("manage.py create_demo_accounts (")

    # The data file moved a station: the database still holds what was loaded before.
    station = Station.objects.get(name="Pos Damkar Passo")
    start = head()
    record = LoadedReference.objects.get(model="agencies.station", key=station.name)
    Station.objects.filter(pk=station.pk).update(notes="old notes")  # as loaded before
    record.values["notes"] = "old notes"
    record.save()
    call_command("load_ambon")
    [event] = changes("station.updated", station, after=start)
    assert event.actor_label.startswith("manage.py load_ambon (")
    assert event.payload["before"] == {"notes": "old notes"}


def test_a_policy_level_is_filed_under_its_policy_and_the_audit_page_filters_by_it(
    ambon, client_for, supervisor
):
    policy = SlaPolicy.objects.filter(is_active=True).first()
    level = policy.levels.order_by("level").last()
    name = policy.name
    with acting_as_command("edit_ladder"), transaction.atomic():
        level.delay_s += 30
        level.save()
        policy.name = f"{policy.name} (malam)"
        policy.save()
    [event] = changes("sla_level.updated", level)
    assert event.payload["parent"] == {
        "type": "slapolicy",
        "id": str(policy.pk),
        "name": name,  # as it was called when the level changed
    }
    assert event.payload["before"]["delay_s"] + 30 == event.payload["after"]["delay_s"]

    client = client_for(supervisor)
    page = client.get(reverse("audit"), {"type": "slapolicy", "id": policy.pk})
    assert page.status_code == 200
    shown = [row["event"].kind for row in page.context["rows"]]
    assert shown == ["sla_policy.updated", "sla_level.updated"]  # newest first
    html = page.content.decode()
    assert "(malam)" in html and "edit_ladder" in html

    only_levels = client.get(reverse("audit"), {"kind": "sla_level.updated"})
    assert [row["event"].seq for row in only_levels.context["rows"]] == [event.seq]
    a_unit = Unit.objects.get(call_sign="DAMKAR-01")
    unit_page = client.get(reverse("audit"), {"type": "unit", "id": a_unit.pk})
    assert all(row["event"].subject_id == str(a_unit.pk) for row in unit_page.context["rows"])


def test_the_audit_page_names_a_bad_filter(client_for, verifier):
    client = client_for(verifier)
    response = client.get(reverse("audit"), {"kind": "DROP TABLE", "id": "7"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bukan jenis peristiwa." in html
    assert "Pilih jenis data untuk nomor ini." in html
