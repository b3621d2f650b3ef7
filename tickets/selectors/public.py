"""Reads for the public page of the monthly assessment (tickets.web.public): the frozen months'
city figures, each in its latest edition. The ranking is the bulletin's (tickets.selectors.bulletin)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from tickets.models import AssessmentMonth, MonthlyAssessment


def latest_city_rows(*, limit: int | None = None) -> QuerySet[MonthlyAssessment]:
    """The city's row of each frozen month, in its latest edition, newest month first (the last
    `limit` months, or all): one query, whatever the number of months."""
    latest = AssessmentMonth.objects.filter(month=OuterRef("month")).values("edition")[:1]
    rows = MonthlyAssessment.objects.filter(kind=MonthlyAssessment.Kind.CITY, edition=Subquery(latest)).order_by("-month")
    return rows[:limit] if limit is not None else rows


__all__ = ["latest_city_rows"]
