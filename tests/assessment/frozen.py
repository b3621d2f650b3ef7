"""The check every hand-computed data set goes through (DESIGN.md §10): a month frozen now reads,
from its frozen rows only, exactly what the report replayed at the moment of freezing gives — the
city's figures, every breakdown row, the dashboard's ranking and its co-handling-only departments."""

import datetime

from enterprises.models import Department
from tests.factories import assessment_scheme
from tickets import reports
from tickets.selectors.assessment import figures, frozen_dashboard, month_end, monthly_assessment
from tickets.services.assessment import assessment_freeze_month

SHOWN = [*reports.COUNTS, *reports.RATES, "handling_time", "start", "end"]


def shown(values):
    return {name: values[name] for name in SHOWN}


def rows(lines):
    return [(line["key"], line["label"], shown(line)) for line in lines]


def freeze_and_compare(month: datetime.date) -> dict:
    """Freeze `month` (every department in one group), then hold the frozen rows and the frozen
    dashboard to the replay at the moment of freezing; the frozen dashboard, for more checks."""
    assessment_scheme(valid_from=datetime.date(2026, 1, 1), groups={"全部部门": list(Department.objects.all())})
    result = assessment_freeze_month(month=month, by=None)
    assert result.frozen
    [city] = monthly_assessment(month, kind="city")
    period = {"start": month, "end": month_end(month), "as_of": city.frozen_at}
    replayed = reports.dashboard(**period)
    assert shown(figures(city)) == shown(reports.report(**period)) == shown(replayed["figures"])
    for kind in ("department", "category", "district", "industry"):
        frozen_rows = [(row.key, row.label, shown(figures(row))) for row in monthly_assessment(month, kind=kind).order_by("id")]
        assert frozen_rows == [(reports_key(line["key"]), line["label"], shown(line)) for line in reports.breakdown(kind, **period)], kind
    frozen = frozen_dashboard(month)
    assert shown(frozen["figures"]) == shown(replayed["figures"])
    for section in ("ranking", "co_handling_only", "category", "district", "industry", "month"):
        assert rows(frozen[section]) == rows(replayed[section]), section
    assert [(row["key"], row["rank"]) for row in frozen["ranking"]] == [(row["key"], row["rank"]) for row in replayed["ranking"]]
    assert frozen["ranking"] or frozen["co_handling_only"], "a data set with departments"
    return frozen


def reports_key(value):
    return "none" if value is None else str(value)
