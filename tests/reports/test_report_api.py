"""The report API: who may read it, bad input, drill-down, the chain check, the access log."""

import pytest
from django.db import connection
from django.urls import reverse

from dispatch.models import ReportAccess
from incidents.events import record_event

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def get(client, name, **params):
    return client.get(reverse(name), params)


def test_the_verifier_reads_the_months_figures(october, client_for, verifier):
    response = get(client_for(verifier), "report-summary", **OCTOBER, by="shift")
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["calls"]["presented"] == 8
    answer = next(m for m in body["total"]["metrics"] if m["key"] == "answer")
    assert (answer["p90"], answer["missing"]) == (24.0, 1)
    assert [g["key"] for g in body["groups"]] == ["07-14", "14-21", "21-07"]
    assert body["filter"]["labels"]["period"] == "01-10-2026 – 31-10-2026"
    assert len(body["chain_head"]["hash"]) == 64


@pytest.mark.parametrize("role", ["operator", "dispatcher", "damkar"])
def test_live_operations_staff_do_not_read_reports(role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    for name in ("report-summary", "report-rows", "report-export", "report-integrity"):
        assert get(client, name, **OCTOBER).status_code == 403, name


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"start": "2026-10-31", "end": "2026-10-01"}, "end", "The end is before the start."),
        ({"start": "2020-01-01", "end": "2026-10-01"}, "end", "A report covers at most 5 years."),
        ({**OCTOBER, "agency": "pemadam"}, "agency", "Unknown agency “pemadam”."),
        ({**OCTOBER, "kecamatan": "81.71.99"}, "kecamatan", "Unknown kecamatan “81.71.99”."),
        ({**OCTOBER, "shift": "06-18"}, "shift", '"06-18" is not a valid choice.'),
        ({**OCTOBER, "category": "banjir"}, "category", '"banjir" is not a valid choice.'),
        ({**OCTOBER, "priority": "7"}, "priority", None),
        ({**OCTOBER, "by": "weather"}, "by", '"weather" is not a valid choice.'),
        ({**OCTOBER, "colour": "red"}, "colour", "Unknown field."),
        ({"start": "kemarin", "end": "2026-10-31"}, "start", None),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(
    params, field, message, client_for, verifier, settings
):
    settings.LANGUAGE_CODE = "en"
    client = client_for(verifier)
    client.cookies["django_language"] = "en"
    response = get(client, "report-summary", **params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    if message:
        assert errors[field] == [message]


def test_messages_are_in_bahasa_indonesia_by_default(client_for, verifier):
    response = get(client_for(verifier), "report-summary", start="2026-10-31", end="2026-10-01")
    assert response.json()["errors"]["end"] == ["Akhir periode sebelum awalnya."]


def test_the_rows_behind_a_missing_answer_time(october, client_for, verifier):
    response = get(
        client_for(verifier),
        "report-rows",
        **OCTOBER,
        source="calls",
        metric="answer",
        outcome="missing",
    )
    body = response.json()
    assert body["count"] == 1
    (row,) = body["rows"]
    assert (row["call_id"], row["disposition"], row["answer_s"]) == ("c6", "abandoned", None)
    assert row["number"].endswith("7890") and "81234567890" not in row["number"]
    assert row["t0"] == "2026-10-12T16:00:00+09:00"


def test_the_rows_behind_a_groups_threshold(october, client_for, verifier):
    response = get(
        client_for(verifier),
        "report-rows",
        **OCTOBER,
        by="kecamatan",
        group="81.01.15",
        source="incidents",
        metric="spm_fire",
        outcome="over",
        threshold="spm_15",
    )
    (row,) = response.json()["rows"]
    assert row["id"] == october["i3"].pk and row["spm_fire_s"] == 1320
    no_place = get(
        client_for(verifier), "report-rows", **OCTOBER, by="kecamatan", group="", source="incidents"
    )
    assert [r["id"] for r in no_place.json()["rows"]] == [october["i4"].pk]


def test_rows_refuse_a_metric_of_another_source(client_for, verifier):
    response = get(client_for(verifier), "report-rows", **OCTOBER, source="calls", metric="travel")
    assert response.status_code == 400 and "metric" in response.json()["errors"]


def test_every_report_read_is_logged(october, client_for, verifier):
    client = client_for(verifier)
    get(client, "report-summary", **OCTOBER, agency="damkar")
    get(client, "report-rows", **OCTOBER, source="tickets")
    get(client, "report-integrity", **OCTOBER)
    log = list(
        ReportAccess.objects.order_by("at", "pk").values("user__username", "action", "query")
    )
    assert [(e["user__username"], e["action"]) for e in log] == [
        ("verifier", "view"),
        ("verifier", "rows"),
        ("verifier", "integrity"),
    ]
    assert log[0]["query"] == {**OCTOBER, "agency": "damkar"}


def test_the_chain_check_over_a_period_names_the_first_broken_event(
    client_for, verifier, dispatcher, django_capture_on_commit_callbacks, made_up_kinds
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(), transaction.atomic():
        for n in range(3):
            record_event("test.note", actor=dispatcher, payload={"n": n})
    today = {"start": "2020-01-01", "end": "2099-12-31"}
    client = client_for(verifier)
    assert get(client, "report-integrity", **today).json()["intact"] is True
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_event SET payload = %s WHERE seq = "
            "(SELECT MAX(seq) - 1 FROM incidents_event)",
            ['{"n": 99}'],
        )
    body = get(client, "report-integrity", **today).json()
    assert body["intact"] is False
    assert body["first_bad_seq"] == body["chain_head"]["seq"] - 1
    assert body["problem"]


@pytest.mark.parametrize(
    "params, content_type",
    [
        ({"format": "csv"}, "text/csv; charset=utf-8"),
        ({"format": "csv", "part": "rows", "source": "calls"}, "text/csv; charset=utf-8"),
        ({"format": "xlsx", "part": "rows"}, "application/vnd.openxmlformats"),
        ({"format": "pdf", "by": "kecamatan"}, "application/pdf"),
    ],
)
def test_exports_download_with_the_filter_in_their_name(
    october, client_for, verifier, params, content_type
):
    response = get(client_for(verifier), "report-export", **OCTOBER, **params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="laporan-112-ambon_2026-10-01_2026-10-31'
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"+6281234567890" not in body
    entry = ReportAccess.objects.get()
    assert (entry.action, entry.format) == ("export", params["format"])


def test_a_pdf_of_rows_is_refused(client_for, verifier):
    response = get(client_for(verifier), "report-export", **OCTOBER, format="pdf", part="rows")
    assert response.status_code == 400 and "part" in response.json()["errors"]


def test_rows_too_many_for_one_workbook_are_refused_with_the_way_out(
    october, client_for, verifier, monkeypatch
):
    rows = get(client_for(verifier), "report-summary", **OCTOBER).json()["rows"]
    assert rows["calls"] == 8 and rows["incidents"] == 4 and rows["assignments"] == 5
    monkeypatch.setattr("reports.views.api.XLSX_ROW_LIMIT", sum(rows.values()) - 1)
    response = get(client_for(verifier), "report-export", **OCTOBER, format="xlsx", part="rows")
    assert response.status_code == 400
    [message] = response.json()["errors"]["part"]
    assert message.startswith(f"Periode ini memuat {sum(rows.values())} baris") and "CSV" in message
    assert not ReportAccess.objects.filter(action="export").exists()  # nothing was exported
    monkeypatch.setattr("reports.views.api.XLSX_ROW_LIMIT", sum(rows.values()))
    response = get(client_for(verifier), "report-export", **OCTOBER, format="xlsx", part="rows")
    assert response.status_code == 200


def test_a_breakdown_without_a_group_drills_into_the_total(october, client_for, verifier):
    response = get(client_for(verifier), "report-rows", **OCTOBER, by="shift", source="calls")
    assert response.json()["count"] == 8


def test_an_agency_breakdown_under_that_agencys_filter_shows_only_that_agency(
    october, client_for, verifier
):
    body = get(client_for(verifier), "report-summary", **OCTOBER, agency="damkar", by="agency")
    assert [(g["key"], g["incidents"]) for g in body.json()["groups"]] == [("damkar", 2)]
