"""The agencies and the types' default agencies that routing reads on every forward and closure
are kept in memory and read again only when their version token changes: any write to an agency
or a type's defaults changes it, whoever makes it (a trigger)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from dispatch.models import ReferenceVersion
from dispatch.routing import proposed_agencies
from incidents.models import IncidentTypeAgency


def codes(incident) -> list[str]:
    return [proposal.agency.code for proposal in proposed_agencies(incident)]


def test_the_reference_is_read_once_while_its_token_stays(make_incident):
    incident = make_incident("kebakaran.rumah")
    first = codes(incident)
    with CaptureQueriesContext(connection) as queries:
        assert codes(incident) == first
    assert len(queries) == 1  # the token
    assert "dispatch_referenceversion" in queries[0]["sql"]


def test_a_change_by_a_plain_update_is_seen_by_the_next_forward(make_incident):
    """No model signal runs for a queryset's update: the trigger sees it all the same."""
    incident = make_incident("kebakaran.rumah")
    assert "damkar" in codes(incident)
    token = ReferenceVersion.objects.get().token
    Agency.objects.filter(code="damkar").update(is_active=False)
    assert ReferenceVersion.objects.get().token != token
    assert "damkar" not in codes(incident)
    with connection.cursor() as cursor:  # nor for SQL written by hand
        cursor.execute("UPDATE agencies_agency SET is_active = %s WHERE code = 'damkar'", [True])
    assert "damkar" in codes(incident)


def test_a_change_of_a_types_defaults_is_seen(make_incident):
    incident = make_incident("kebakaran.rumah")
    before = codes(incident)
    IncidentTypeAgency.objects.filter(incident_type=incident.incident_type).delete()
    assert codes(incident) == [] != before


def test_a_change_rolled_back_is_forgotten(make_incident):
    incident = make_incident("kebakaran.rumah")
    assert "damkar" in codes(incident)
    with pytest.raises(RuntimeError), transaction.atomic():
        Agency.objects.filter(code="damkar").update(is_active=False)
        assert "damkar" not in codes(incident)  # kept in memory with its token…
        raise RuntimeError
    assert "damkar" in codes(incident)  # …which is never current again
