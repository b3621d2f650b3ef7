"""The monthly assessment (考核, DESIGN.md §10): scheme versions, freezing a month, correcting it.

- assessment_scheme_create: a new scheme version from `valid_from` (a first of month), checked
  (AssessmentScheme.problems(), and one group per department), optionally based on
  an earlier version (what is not given is copied from it, memberships included).
- assessment_freeze_month: the month's figures (tickets.reports, as they stand now), per city,
  department, category, district and industry, with each department's score and rank in its
  group (tickets.assessment.score), stored as edition 1 of the month. Safe to run twice or on two
  workers at once: the month's claim (AssessmentMonth, unique month) is a unique insert; whoever
  stores it freezes the month, the other stores nothing and is told "already frozen".
- assessment_correct_month: edition n+1 of a frozen month, with a reason; the earlier editions
  stay as they were.
Both are the system's (beat, a command: `by` None) or an administrator's. Both take `at`, the
moment they happen (now by default); a past `at` (the demo data's backdated history) replays the
figures as they were at that moment (tickets.reports' `as_of`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets import notifications, reports, rules
from tickets.assessment.score import Entry, ranks, score
from tickets.models import AssessmentGroup, AssessmentMonth, AssessmentScheme, MonthlyAssessment, Notification, SchemeMembership
from tickets.models.assessment import DEDUCTED_COUNTS, WEIGHTED_RATES
from tickets.notifications.recipients import bulletin_readers
from tickets.selectors.assessment import month_end, month_start, scheme_in_force
from tickets.services.base import ActionRefused

if TYPE_CHECKING:
    from enterprises.models import Department, User

Kind = MonthlyAssessment.Kind
BREAKDOWNS = (Kind.DEPARTMENT, Kind.CATEGORY, Kind.DISTRICT, Kind.INDUSTRY)


# --------------------------------------------------------------------------------------------
# the scheme
# --------------------------------------------------------------------------------------------


@transaction.atomic
def assessment_scheme_create(
    *,
    valid_from: datetime.date,
    by: User | None,
    weights: Mapping[str, int] | None = None,
    deductions: Mapping[str, Decimal | int] | None = None,
    memberships: Iterable[tuple[Department, AssessmentGroup]] | None = None,
    red_list_size: int | None = None,
    honour_list_size: int | None = None,
    based_on: AssessmentScheme | None = None,
) -> AssessmentScheme:
    """A new scheme version in force from `valid_from`. `weights` ({rate key: percent}, the keys of
    WEIGHTED_RATES) and `deductions` ({count key: points}, the keys of DEDUCTED_COUNTS) replace
    those of `based_on` (or 0); `memberships` ((department, group) pairs) replace its memberships."""
    unknown = set(weights or ()) - set(WEIGHTED_RATES) | set(deductions or ()) - set(DEDUCTED_COUNTS)
    if unknown:
        raise ActionRefused(_("Unknown figures in the scheme: %(names)s.") % {"names": ", ".join(sorted(unknown))}, code="invalid")
    scheme = AssessmentScheme(valid_from=valid_from, created_by=by)
    if based_on is not None:
        for field in (*WEIGHTED_RATES.values(), *DEDUCTED_COUNTS.values(), "red_list_size", "honour_list_size"):
            setattr(scheme, field, getattr(based_on, field))
    for rate, weight in (weights or {}).items():
        setattr(scheme, WEIGHTED_RATES[rate], weight)
    for count, points in (deductions or {}).items():
        setattr(scheme, DEDUCTED_COUNTS[count], Decimal(points))
    if red_list_size is not None:
        scheme.red_list_size = red_list_size
    if honour_list_size is not None:
        scheme.honour_list_size = honour_list_size
    problems = scheme.problems()
    if problems:
        raise ActionRefused(" ".join(problems), code="invalid")
    if AssessmentScheme.objects.filter(valid_from=valid_from).exists():
        raise ActionRefused(_("A scheme version from %(month)s exists already.") % {"month": f"{valid_from:%Y-%m}"}, code="conflict")
    if memberships is None:
        pairs = [(m.department, m.group) for m in based_on.memberships.select_related("department", "group")] if based_on else []
    else:
        pairs = list(memberships)
    seen: dict[int, AssessmentGroup] = {}
    for department, group in pairs:
        if department.pk in seen:
            raise ActionRefused(
                _("%(department)s is in two groups (%(first)s, %(second)s); a department belongs to one group.")
                % {"department": department, "first": seen[department.pk], "second": group},
                code="invalid",
            )
        seen[department.pk] = group
    scheme.save()
    SchemeMembership.objects.bulk_create([SchemeMembership(scheme=scheme, department=d, group=g) for d, g in pairs])
    return scheme


# --------------------------------------------------------------------------------------------
# freezing a month
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreezeResult:
    month: datetime.date
    edition: int
    frozen: bool  # this run stored the edition (False: the month was frozen already)
    rows: int

    @property
    def message(self) -> str:
        values = {"month": f"{self.month:%Y-%m}", "edition": self.edition, "rows": self.rows}
        if not self.frozen:
            return _("%(month)s is already frozen (edition %(edition)s); nothing was changed.") % values
        return _("%(month)s frozen: edition %(edition)s, %(rows)s rows.") % values


def as_json(value: object) -> Any:
    """A figure as stored: a Fraction as "n/d", a Decimal as its string, a date as ISO."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _stored(figures: Mapping[str, object], at: datetime.datetime) -> dict[str, Any]:
    """The figures as stored, "as_of" the moment of freezing (that of the edition's claim)."""
    stored = {name: as_json(value) for name, value in figures.items() if name not in ("group", "key", "label")}
    return stored | {"as_of": as_json(at)}


def _key(value: object) -> str:
    return "none" if value is None else str(value)


def _rows(
    *,
    month: datetime.date,
    edition: int,
    scheme: AssessmentScheme,
    reason: str,
    at: datetime.datetime,
    by: User | None,
    as_of: datetime.datetime | None = None,
) -> list[MonthlyAssessment]:
    """Every row of one edition of `month`, from the report as it stands now (or replayed `as_of`)."""
    period = {"start": month, "end": month_end(month), "as_of": as_of}
    common = {"month": month, "edition": edition, "scheme": scheme, "reason": reason, "frozen_at": at, "frozen_by": by}
    rows = [MonthlyAssessment(kind=Kind.CITY, key="", label="", figures=_stored(reports.report(**period), at), **common)]
    groups = {m.department_id: m.group for m in SchemeMembership.objects.filter(scheme=scheme).select_related("group")}
    red_tickets: dict[int | None, list[str]] = {}
    for reference, department_id in (
        reports.tickets_for("red", **period).order_by("reference").values_list("reference", "last_department_id")
    ):
        red_tickets.setdefault(department_id, []).append(reference)
    weights, deductions = scheme.weights(), scheme.deductions()
    for kind in BREAKDOWNS:
        by_group: dict[int, list[Entry]] = {}
        kind_rows = []
        for line in reports.breakdown(kind.value, **period):
            row = MonthlyAssessment(kind=kind, key=_key(line["key"]), label=line["label"], figures=_stored(line, at), **common)
            if kind == Kind.DEPARTMENT and line["key"] is not None:
                row.score = score(figures=line, weights=weights, deductions=deductions)
                row.red_tickets = red_tickets.get(line["key"], [])
                row.group = groups.get(line["key"])
                if row.group is not None:
                    by_group.setdefault(row.group.pk, []).append(Entry(row.key, row.label, row.score, line["on_time_rate"]))
            kind_rows.append(row)
        for entries in by_group.values():
            ranked = ranks(entries)
            for row in kind_rows:
                if row.key in ranked:
                    row.rank = ranked[row.key]
        rows += kind_rows
    return rows


def _require_administrator(by: User | None) -> None:
    """A month is frozen or corrected by the system (beat, a command: `by` None) or an administrator."""
    if by is not None and not rules.is_administrator(by):
        raise ActionRefused(_("Only an administrator freezes or corrects a month's assessment."), code="forbidden")


def _refuse_unfinished(month: datetime.date, at: datetime.datetime | None) -> None:
    if month >= month_start(timezone.localdate(at)):
        raise ActionRefused(
            _("Only a month that has ended can be frozen; %(month)s has not ended yet.") % {"month": f"{month:%Y-%m}"}, code="invalid"
        )


def _scheme_for(month: datetime.date) -> AssessmentScheme:
    scheme = scheme_in_force(month)
    if scheme is None:
        raise ActionRefused(
            _("No assessment scheme is in force for %(month)s: add a scheme version valid from that month or earlier first.")
            % {"month": f"{month:%Y-%m}"},
            code="invalid",
        )
    return scheme


def _repeatable_read() -> None:
    """One snapshot for every query of the freeze (PostgreSQL; SQLite's transactions are serializable).
    The first statement of the outermost transaction: inside another one the level can no longer change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def assessment_freeze_month(*, month: datetime.date, by: User | None, at: datetime.datetime | None = None) -> FreezeResult:
    """Freeze `month` (any day of it; a month that has ended by `at`) as edition 1. A month frozen
    already is left as it is (FreezeResult.frozen False)."""
    _require_administrator(by)
    month = month_start(month)
    _refuse_unfinished(month, at)
    as_of = at
    existing = AssessmentMonth.objects.filter(month=month).first()
    if existing is not None:
        return FreezeResult(month=month, edition=existing.edition, frozen=False, rows=0)
    scheme = _scheme_for(month)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _repeatable_read()
        at = at or timezone.now()
        try:
            with transaction.atomic():
                AssessmentMonth.objects.create(month=month, edition=1, scheme=scheme, frozen_at=at, frozen_by=by)
        except IntegrityError:  # frozen at this moment by another run
            return FreezeResult(month=month, edition=1, frozen=False, rows=0)
        rows = _rows(month=month, edition=1, scheme=scheme, reason="", at=at, by=by, as_of=as_of)
        MonthlyAssessment.objects.bulk_create(rows)
        _tell_readers(month=month, edition=1, rows=rows, at=at)
    return FreezeResult(month=month, edition=1, frozen=True, rows=len(rows))


@transaction.atomic
def assessment_correct_month(*, month: datetime.date, by: User | None, reason: str, at: datetime.datetime | None = None) -> FreezeResult:
    """A corrected edition (n+1) of a frozen month, from the figures as they stand now and the
    scheme version in force for the month now; the reason is required and stored on every row."""
    _require_administrator(by)
    month = month_start(month)
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason for the corrected edition."), code="invalid")
    claim = AssessmentMonth.objects.select_for_update().filter(month=month).first()
    if claim is None:
        raise ActionRefused(_("%(month)s is not frozen yet: freeze it first.") % {"month": f"{month:%Y-%m}"}, code="invalid")
    scheme = _scheme_for(month)
    as_of = at
    at = at or timezone.now()
    edition = claim.edition + 1
    rows = _rows(month=month, edition=edition, scheme=scheme, reason=reason, at=at, by=by, as_of=as_of)
    MonthlyAssessment.objects.bulk_create(rows)
    AssessmentMonth.objects.filter(pk=claim.pk).update(edition=edition, scheme=scheme, frozen_at=at, frozen_by=by)
    _tell_readers(month=month, edition=edition, rows=rows, at=at, reason=reason)
    return FreezeResult(month=month, edition=edition, frozen=True, rows=len(rows))


# --------------------------------------------------------------------------------------------
# telling the bulletin's readers
# --------------------------------------------------------------------------------------------


def _own_line(row: MonthlyAssessment | None) -> str:
    """A department's sentence about its own line of the bulletin."""
    if row is None:
        return _("Your department had no tickets this month.")
    if row.rank is None or row.group is None:
        return _("Your department's score: %(score)s (not ranked: it is in no assessment group).") % {"score": row.score}
    return _("Your department's score: %(score)s, rank %(rank)s in %(group)s.") % {"score": row.score, "rank": row.rank, "group": row.group}


def _tell_readers(*, month: datetime.date, edition: int, rows: list[MonthlyAssessment], at: datetime.datetime, reason: str = "") -> None:
    """Tell leadership, supervision and every department's staff (recipients.bulletin_readers)
    that the month's bulletin (edition) is out, in the site's language, in the action's
    transaction: each department's staff read their own line in the message."""
    url = reverse("bulletin", kwargs={"month": f"{month:%Y-%m}"})
    values = {"month": f"{month:%Y-%m}", "edition": edition}
    departments = {int(row.key): row for row in rows if row.kind == Kind.DEPARTMENT and row.key != "none"}
    kind = Notification.Kind.BULLETIN
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        if edition == 1:
            subject = _("Monthly bulletin %(month)s") % values
            text = _("The assessment of %(month)s is frozen: its bulletin (ranking, honour list and red list) is out.") % values
        else:
            subject = _("Monthly bulletin %(month)s, corrected edition %(edition)s") % values
            text = _("A corrected edition (%(edition)s) of the bulletin of %(month)s is out. Reason: %(reason)s") % (
                values | {"reason": reason}
            )
        for person in bulletin_readers():
            own = f"\n{_own_line(departments.get(person.department_id or 0))}" if person.role == person.Role.DEPARTMENT else ""
            body = notifications.email_body(text + own, settings.SITE_URL + url)
            messages.append(notifications.message_row(person, kind, subject, body, url, at))
    notifications.save_and_queue(messages)
