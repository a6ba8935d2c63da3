"""core.db.pipelined: writes sent without waiting for each answer (PostgreSQL's pipeline mode)
keep the ORM's row counts and the transaction's all-or-nothing."""

import pytest
from django.db import IntegrityError, connection, transaction
from psycopg import pq

from agencies.models import Agency, Area
from core.db import pipelined, save_fields_of

pytestmark = pytest.mark.postgres


def test_a_row_count_read_in_a_pipeline_waits_for_its_statement(ambon):
    damkar = Agency.objects.get(code="damkar")
    with transaction.atomic(), pipelined():
        assert Agency.objects.filter(pk=damkar.pk).update(phone="0911-113") == 1
        assert Agency.objects.filter(pk=-1).update(phone="0911-113") == 0
        damkar.phone = "0911-114"
        damkar.save(update_fields=["phone"])  # refuses a count below 1
    assert Agency.objects.get(pk=damkar.pk).phone == "0911-114"


def test_writes_in_a_pipeline_are_answered_with_the_next_read(ambon):
    damkar = Agency.objects.get(code="damkar")
    with transaction.atomic(), pipelined():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE agencies_agency SET phone = %s WHERE id = %s", ["1", damkar.pk])
            cursor.execute("UPDATE agencies_agency SET phone = %s WHERE id = %s", ["2", damkar.pk])
        # Sent, not yet answered: the connection is still busy with them.
        assert connection.connection.pgconn.transaction_status == pq.TransactionStatus.ACTIVE
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM agencies_agency WHERE id = %s", [damkar.pk])
            assert cursor.fetchone() == ("2",)
        assert connection.connection.pgconn.transaction_status == pq.TransactionStatus.INTRANS


def test_an_error_in_a_pipeline_surfaces_at_its_end_and_nothing_is_written(ambon):
    damkar = Agency.objects.get(code="damkar")
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE agencies_agency SET phone = %s WHERE id = %s", ["1", damkar.pk])
            cursor.execute(  # a second Damkar: the code is unique
                "INSERT INTO agencies_agency (code, name, short_name, kind, regencies, phone,"
                " dispatcher_may_assign, is_active) SELECT code, name, short_name, kind,"
                " regencies, phone, dispatcher_may_assign, is_active FROM agencies_agency"
                " WHERE id = %s",
                [damkar.pk],
            )
    assert Agency.objects.get(pk=damkar.pk).phone == damkar.phone
    assert Agency.objects.filter(code="damkar").count() == 1


def test_a_pipeline_inside_another_is_part_of_it(ambon):
    with transaction.atomic(), pipelined():
        with pipelined():
            assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.ON
        assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.ON
    assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_belongs_in_a_transaction():
    with pytest.raises(RuntimeError, match="inside a transaction"), pipelined():
        pass


def test_many_rows_saved_in_a_pipeline_get_their_own_values_and_nothing_else(ambon):
    # Areas: a model the change log does not track (save_fields_of sends no model signal).
    areas = list(Area.objects.order_by("pk")[:3])
    names = {area.pk: area.name for area in areas}
    for number, area in enumerate(areas):
        area.alt_name, area.name = f"alias {number}", "not saved"
    with transaction.atomic(), pipelined():
        save_fields_of(areas, ["alt_name"])
        saved = dict(Area.objects.filter(pk__in=names).values_list("pk", "alt_name"))
    assert saved == {area.pk: f"alias {number}" for number, area in enumerate(areas)}
    assert dict(Area.objects.filter(pk__in=names).values_list("pk", "name")) == names
