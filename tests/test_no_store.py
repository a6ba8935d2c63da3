"""Nothing personal stays in a cache (issue #14): every answer to a signed-in person, and every
API answer, says `Cache-Control: no-store`, so a shared PC's browser or a proxy keeps no copy of
a console, an incident or an export. Static files and the health check are nobody's data."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.test_masking_walk import SKIPPED, seeded  # noqa: F401  (the fixture)
from tests.test_verifier_readonly import leaf_patterns, path_of


def no_store(response) -> bool:
    directives = {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("who", ["verifier", "supervisor", "damkar"])
def test_every_answer_to_a_signed_in_person_says_no_store(request, seeded, who):  # noqa: F811
    client = signed_in(request.getfixturevalue(who))
    today = timezone.localdate().isoformat()
    routes = [route for route in leaf_patterns() if route[0] not in SKIPPED]
    paths = [path_of(name, patterns, seeded) for name, patterns, _view in routes]
    paths += [
        f"/api/reports/export/?start={today}&end={today}&format=csv&part=rows&source=calls",
        f"/api/reports/export/?start={today}&end={today}&format=xlsx",
    ]
    missing = [path for path in paths if not no_store(client.get(path))]
    assert len(paths) > 100
    assert missing == []


@pytest.mark.parametrize(
    "path", ["/api/incidents/", "/api/events/", "/api/cti/events/", "/api/schema/"]
)
def test_an_api_answer_says_no_store_even_to_a_stranger(db, client, path):
    response = client.get(path)
    assert response.status_code in (401, 403) and no_store(response)


def test_a_verifiers_pages_and_exports_say_no_store(seeded, verifier):  # noqa: F811
    client = signed_in(verifier)
    today = timezone.localdate().isoformat()
    for path in [
        "/reports/",
        "/audit/",
        "/incidents/",
        f"/incidents/{seeded['incident'].pk}/",
        f"/api/incidents/{seeded['incident'].pk}/",
        f"/api/reports/export/?start={today}&end={today}&format=pdf",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path


def test_static_files_may_be_cached_even_for_a_signed_in_person(db, client, verifier):
    assert not no_store(client.get("/static/ambon112/console.css"))
    signed_in_client = signed_in(verifier)
    static = signed_in_client.get("/static/ambon112/console.css")
    assert static.status_code == 200 and not no_store(static)
