"""Response-time reports for verifiers (docs/architecture.md "The clock"): metrics computed in the
database.

`build_report(report_filter, by=None)` returns one plain dict, the same that
`GET /api/reports/summary/` answers and that every export renders:

    {
      "filter": {"start": "2026-10-01", "end": "2026-10-31", "agency": "damkar" | None,
                 "category": "kebakaran" | None, "kecamatan": "81.71.02" | None,
                 "shift": "07-14" | "14-21" | "21-07" | None, "priority": 1..4 | None,
                 "labels": {<field>: <human label in the active language>}},
      "by": None | "month" | "agency" | "category" | "kecamatan" | "shift" | "priority",
      "generated_at": "2026-11-28T10:00:00+09:00",        # WIT
      "events_covered": 1234,                              # events whose time is in the period
      "chain_head": {"seq": 98765, "hash": "<64 hex>"},    # the log's head at generation
      "chain_times": {"intact": bool, "checked": n, "mismatches": n,  # times held against the
                      "named": [...], "affected": [{"key", "label"}]},  # events that set them
      "has_data": bool,                                    # any call or incident in the period
      "rows": {"calls": n, "incidents": n, "tickets": n, "assignments": n},  # row exports
      "total": <Group>,
      "groups": [<Group>, ...],                            # [] when by is None
      "messages_by_channel": [{"key": "whatsapp", "label", "received": n,
                               "first_response": <Metric>}, ...],  # every non-voice channel
    }
    Group = {"key": str | None, "label": str,
             "calls": {"presented": n, "abandoned": n, "abandoned_rate": float | None,
                       "by_disposition": [{"key", "label", "count"}],   # + "abandoned",
                       "by_channel": [{"key", "label", "count"}]},      #   "unclassified"
             "incidents": n,
             "metrics": [<Metric>, ...]}                   # in METRICS order
    Metric = {"key": "answer", "label", "formula": "T1 − T0", "counted_over", "missing_note",
              "population": n, "measured": n, "missing": n,
              "p50", "p90", "p95", "max": seconds (float) | None when measured == 0,
              "thresholds": [{"key": "nena_15", "label", "limit_s": 15, "target": 0.9,
                              "applies_to", "within": n, "of": n,
                              "share": float | None,
                              "status": "met" | "near" | "missed" | "no_data"}]}

Call metrics (presented calls, dispositions, answer time, abandoned rate) follow the date range
and the shift only: a call has an agency, a category and a kecamatan only once it becomes an
incident. Incident metrics follow every filter.
"""
