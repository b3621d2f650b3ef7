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
from tickets.reports import RATES


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


__all__ = ["figures", "frozen_month", "frozen_months", "month_end", "month_start", "monthly_assessment", "scheme_in_force"]
