"""Reads of the monthly assessment (考核): the scheme version in force for a month, the frozen
months, a month's rows (the latest edition by default, or a given one) and their figures as the
report gives them (Fractions, Decimals, dates)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet

from tickets.models import AssessmentMonth, AssessmentScheme, MonthlyAssessment
from tickets.reports import RATES, rank_departments


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    """The last day of `month`'s month."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def scheme_in_force(month: datetime.date) -> AssessmentScheme | None:
    """The latest scheme version whose valid_from is on or before the month's first day."""
    return AssessmentScheme.objects.filter(valid_from__lte=month_start(month)).order_by("-valid_from").first()


def frozen_months() -> QuerySet[AssessmentMonth]:
    """The frozen months, newest first, each with its latest edition."""
    return AssessmentMonth.objects.order_by("-month")


def frozen_month(month: datetime.date) -> AssessmentMonth | None:
    return AssessmentMonth.objects.filter(month=month_start(month)).first()


def monthly_assessment(month: datetime.date, *, edition: int | None = None, kind: str | None = None) -> QuerySet[MonthlyAssessment]:
    """A frozen month's rows: the latest edition, or `edition`; of one kind, or all. Empty when the
    month (or that edition) is not frozen. Departments in rank order within their group."""
    month = month_start(month)
    if edition is None:
        claim = frozen_month(month)
        if claim is None:
            return MonthlyAssessment.objects.none()
        edition = claim.edition
    rows = MonthlyAssessment.objects.filter(month=month, edition=edition).select_related("group", "scheme")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "group__sort_order", "group__name", "rank", "label")


def figures(row: MonthlyAssessment) -> dict[str, Any]:
    """The row's figures as the report gives them: rates as Fractions (or None), the handling time
    as a Decimal, start and end as dates, as_of as a datetime; counts as stored (integers)."""
    result: dict[str, Any] = dict(row.figures)
    for rate in RATES:
        value = result.get(rate)
        result[rate] = None if value is None else Fraction(value)
    handling = result.get("handling_time")
    result["handling_time"] = None if handling is None else Decimal(handling)
    for name in ("start", "end"):
        if result.get(name):
            result[name] = datetime.date.fromisoformat(result[name])
    if result.get("as_of"):
        result["as_of"] = datetime.datetime.fromisoformat(result["as_of"])
    return result


def _breakdown_row(row: MonthlyAssessment) -> dict[str, Any]:
    """A frozen row as a row of tickets.reports.breakdown(): its figures, `key` (the pk, None for
    "none"), `group` (the key: the frozen rows hold no model object) and `label`; a department's
    row also has its `score`, `assessment_group` (name) and `group_rank`."""
    key = None if row.key == "none" else int(row.key)
    result = figures(row) | {"key": key, "group": key, "label": row.label}
    if row.kind == MonthlyAssessment.Kind.DEPARTMENT:
        result |= {"score": row.score, "assessment_group": row.group.name if row.group else None, "group_rank": row.rank}
    return result


def frozen_dashboard(month: datetime.date, *, edition: int | None = None) -> dict[str, Any] | None:
    """What tickets.reports.dashboard() gives for the month, read from its frozen rows only (the
    latest edition, or `edition`): {"figures", "ranking", "co_handling_only", "category",
    "district", "industry", "month"}, plus "frozen" (month, edition, frozen_at, the scheme's
    valid_from, the reason). The ranking is the dashboard's (reports.rank_departments: closure rate,
    then on-time rate), each row with its assessment score and rank in its group; "month" is the
    month's one row. None when the month (or edition) is not frozen. Two queries."""
    month = month_start(month)
    claim = frozen_month(month)
    if claim is None:
        return None
    edition = claim.edition if edition is None else edition
    if not 1 <= edition <= claim.edition:
        return None
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in MonthlyAssessment.Kind.values}
    city = None
    for row in MonthlyAssessment.objects.filter(month=month, edition=edition).select_related("group", "scheme").order_by("id"):
        if row.kind == MonthlyAssessment.Kind.CITY:
            city = row
        else:
            rows[row.kind].append(_breakdown_row(row))
    if city is None:
        return None
    totals = figures(city)
    department = rows[MonthlyAssessment.Kind.DEPARTMENT]
    ranking = rank_departments(department)
    ranked = {row["key"] for row in ranking}
    co_only = [row for row in department if row["key"] is not None and row["key"] not in ranked and not row["accepted"]]
    frozen = {"month": month, "edition": edition, "frozen_at": city.frozen_at, "scheme": city.scheme.valid_from, "reason": city.reason}
    return {
        "figures": totals,
        "ranking": ranking,
        "co_handling_only": co_only,
        "category": rows[MonthlyAssessment.Kind.CATEGORY],
        "district": rows[MonthlyAssessment.Kind.DISTRICT],
        "industry": rows[MonthlyAssessment.Kind.INDUSTRY],
        "month": [totals | {"key": month, "group": month, "label": f"{month:%Y-%m}"}],
        "frozen": frozen,
    }


__all__ = [
    "figures",
    "frozen_dashboard",
    "frozen_month",
    "frozen_months",
    "month_end",
    "month_start",
    "monthly_assessment",
    "scheme_in_force",
]
