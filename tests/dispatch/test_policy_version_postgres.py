"""The policies kept in memory by one process follow a change another process commits (the
trigger's token, read with each event's deadlines), on PostgreSQL."""

import threading

import pytest
from django.db import connection

from tests.dispatch.test_policy_version import first_delay, first_level, ring

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("nobody_ready_aside")]


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_process_is_seen_by_the_next_event(ambon):
    assert first_delay(ring("v-1")) == 15

    def administrator_elsewhere():  # its own connection, and nothing of this process's memory
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE dispatch_escalationlevel SET delay_s = 20 WHERE id = %s",
                    [first_level().get().pk],
                )
        finally:
            connection.close()

    elsewhere = threading.Thread(target=administrator_elsewhere)
    elsewhere.start()
    elsewhere.join()
    assert first_delay(ring("v-2")) == 20
