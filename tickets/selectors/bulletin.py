"""The monthly bulletin (月度通报, DESIGN.md §10), read from a frozen month only (MonthlyAssessment
rows of one edition; never the tickets): the city's figures, the ranking of each assessment group,
the honour list (红榜) and the red list (黑榜) with the red-carded tickets.

The lists, per group, in rank order:

- **honour list**: the first `honour_list_size` (of the scheme version the month was scored with)
  departments that accepted tickets that month and have no red card;
- **red list**: the last `red_list_size` departments not on the honour list among those scoring
  below the group's average (a group whose departments all score the same has none at the
  bottom), and every department with a red card (each red-carded ticket's reference is listed
  with its department).

Departments that are not in any group of the scheme version are scored but not ranked: they are
listed apart (`ungrouped`) and are on neither list.

What a reader sees of it is tickets.visibility.bulletin_departments(): the whole bulletin, or the
city's figures and the reader's own department's line (`Bulletin.for_departments`).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from tickets.models import AssessmentGroup, AssessmentMonth, AssessmentScheme, MonthlyAssessment
from tickets.selectors.assessment import figures, frozen_month, month_start

Kind = MonthlyAssessment.Kind


@dataclass(frozen=True)
class Line:
    """One department's line: its frozen figures (as the report gives them), score and rank."""

    department_id: int
    label: str
    score: Decimal | None
    rank: int | None
    group: AssessmentGroup | None
    figures: dict[str, Any]
    red_tickets: tuple[str, ...] = ()

    @property
    def red(self) -> int:
        return int(self.figures.get("red") or 0)

    @property
    def accepted(self) -> int:
        return int(self.figures.get("accepted") or 0)


@dataclass(frozen=True)
class GroupRanking:
    group: AssessmentGroup
    lines: tuple[Line, ...]  # in rank order
    honour: tuple[Line, ...]
    red: tuple[Line, ...]
    size: int  # departments ranked in the group (a reader may see fewer lines)


@dataclass(frozen=True)
class Bulletin:
    month: datetime.date
    edition: int
    latest_edition: int
    editions: tuple[int, ...]
    scheme: AssessmentScheme
    frozen_at: datetime.datetime
    reason: str
    city: dict[str, Any]
    groups: tuple[GroupRanking, ...]
    ungrouped: tuple[Line, ...] = ()
    whole: bool = True  # False: a department's view (its own line only)
    red_tickets: tuple[tuple[str, str], ...] = field(default=())  # (reference, department), every red-carded ticket shown

    @property
    def honour_list(self) -> list[tuple[AssessmentGroup, Line]]:
        return [(ranking.group, line) for ranking in self.groups for line in ranking.honour]

    @property
    def red_list(self) -> list[tuple[AssessmentGroup, Line]]:
        return [(ranking.group, line) for ranking in self.groups for line in ranking.red]

    @property
    def lines(self) -> list[Line]:
        return [line for ranking in self.groups for line in ranking.lines] + list(self.ungrouped)

    def for_departments(self, department_ids: Collection[int] | None) -> Bulletin:
        """The bulletin as seen by a reader of those departments' lines only (None: the whole)."""
        if department_ids is None:
            return self
        allowed = set(department_ids)

        def mine(lines: tuple[Line, ...]) -> tuple[Line, ...]:
            return tuple(line for line in lines if line.department_id in allowed)

        groups = tuple(
            replace(ranking, lines=mine(ranking.lines), honour=mine(ranking.honour), red=mine(ranking.red))
            for ranking in self.groups
            if mine(ranking.lines)
        )
        return replace(self, groups=groups, ungrouped=mine(self.ungrouped), whole=False, red_tickets=_red_tickets(groups))


def _line(row: MonthlyAssessment) -> Line:
    return Line(
        department_id=int(row.key),
        label=row.label,
        score=row.score,
        rank=row.rank,
        group=row.group,
        figures=figures(row),
        red_tickets=tuple(row.red_tickets or ()),
    )


def rank_group(group: AssessmentGroup, lines: list[Line], *, honour_size: int, red_size: int) -> GroupRanking:
    """A group's lines in rank order, with its honour and red lists (the rule above)."""
    lines = sorted(lines, key=lambda line: (line.rank is None, line.rank or 0, line.label))
    honour = [line for line in lines if line.accepted and not line.red][:honour_size]
    scores = [line.score for line in lines if line.score is not None]
    average = sum(scores) / len(scores) if scores else Decimal(0)
    below = [line for line in lines if line not in honour and line.score is not None and line.score < average]
    bottom = below[len(below) - red_size :] if red_size else []
    red = [line for line in lines if line in bottom or (line.red and line not in honour)]
    return GroupRanking(group=group, lines=tuple(lines), honour=tuple(honour), red=tuple(red), size=len(lines))


def _red_tickets(groups: tuple[GroupRanking, ...], ungrouped: tuple[Line, ...] = ()) -> tuple[tuple[str, str], ...]:
    lines = [line for ranking in groups for line in ranking.lines] + list(ungrouped)
    return tuple(sorted((reference, line.label) for line in lines for reference in line.red_tickets))


def bulletin(month: datetime.date, *, edition: int | None = None) -> Bulletin | None:
    """The bulletin of a frozen month (its latest edition, or `edition`); None when the month, or
    that edition, is not frozen. Two queries: the month's claim and its rows."""
    month = month_start(month)
    claim: AssessmentMonth | None = frozen_month(month)
    if claim is None:
        return None
    edition = claim.edition if edition is None else edition
    if not 1 <= edition <= claim.edition:
        return None
    rows = list(
        MonthlyAssessment.objects.filter(month=month, edition=edition, kind__in=[Kind.CITY, Kind.DEPARTMENT])
        .exclude(kind=Kind.DEPARTMENT, key="none")
        .select_related("group", "scheme")
    )
    city = next((row for row in rows if row.kind == Kind.CITY), None)
    if city is None:
        return None
    by_group: dict[int, tuple[AssessmentGroup, list[Line]]] = {}
    ungrouped = []
    for row in rows:
        if row.kind != Kind.DEPARTMENT:
            continue
        line = _line(row)
        if line.group is None:
            ungrouped.append(line)
        else:
            by_group.setdefault(line.group.pk, (line.group, []))[1].append(line)
    scheme = city.scheme
    groups = tuple(
        rank_group(group, lines, honour_size=scheme.honour_list_size, red_size=scheme.red_list_size)
        for group, lines in sorted(by_group.values(), key=lambda pair: (pair[0].sort_order, pair[0].name))
    )
    ungrouped.sort(key=lambda line: (-(line.score or 0), line.label))
    return Bulletin(
        month=month,
        edition=edition,
        latest_edition=claim.edition,
        editions=tuple(range(1, claim.edition + 1)),
        scheme=scheme,
        frozen_at=city.frozen_at,
        reason=city.reason,
        city=figures(city),
        groups=groups,
        ungrouped=tuple(ungrouped),
        red_tickets=_red_tickets(groups, tuple(ungrouped)),
    )


__all__ = ["Bulletin", "GroupRanking", "Line", "bulletin", "rank_group"]
