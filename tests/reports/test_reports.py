"""The leadership report (DESIGN.md §5) against hand-built data sets with the figures worked out by
hand, around the 2026 Mid-autumn / National Day holidays.

The calendar the tests rely on (checked in the first test against the stored official calendar):

    September 2026                          October 2026
    Sep 14 Mon … Sep 18 Fri  working        Oct 1–7     National Day (off)
    Sep 19 Sat               off            Oct 8 Thu   working
    Sep 20 Sun               make-up day    Oct 9 Fri   working
    Sep 21 Mon … Sep 24 Thu  working        Oct 10 Sat  make-up working day (调休)
    Sep 25 Fri               Mid-autumn     Oct 11 Sun  off
    Sep 26–27                weekend        Oct 12 Mon  working
    Sep 28 Mon … Sep 30 Wed  working

Working-day counts are written out by hand, day by day. Every action is backdated with `at=`;
"10:00" means 10:00 Asia/Shanghai.
"""

import datetime
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import User
from tests.conftest import at, day
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    EnterpriseFactory,
    IndustryFactory,
    UserFactory,
    returned_to_dispatch,
)
from tests.reports.dashboard_check import assert_dashboard_is_its_breakdowns
from tickets import reports, services, workdays
from tickets.models import CalendarDay, CalendarYear, Ticket

PERIOD = dict(start=day(9, 14), end=day(9, 30))
FINAL = at(day(10, 20))  # after everything below happened


def figures(result, *names):
    return {name: result[name] for name in names}


COUNT_NAMES = [name for name in reports.COUNTS]
RATE_NAMES = list(reports.RATES) + ["handling_time"]


# --------------------------------------------------------------------------------------------
# the cast and a desk that walks tickets through the loop
# --------------------------------------------------------------------------------------------


class Desk:
    """Every action through tickets.services, at a given local moment, by the right person."""

    def __init__(self, *, dispatcher, supervisor, staff, companies):
        self.dispatcher, self.supervisor = dispatcher, supervisor
        self.staff = staff  # department pk -> department user
        self.companies = companies  # enterprise pk -> company user

    def _holder(self, ticket):
        return self.staff[Ticket.objects.get(pk=ticket.pk).department_id]

    def _company(self, ticket):
        return self.companies[Ticket.objects.get(pk=ticket.pk).enterprise_id]

    def submit(self, enterprise, category, when, title="贷款审批迟迟没有结果"):
        return services.ticket_submit(
            by=self.companies[enterprise.pk],
            enterprise=enterprise,
            category=category,
            title=title,
            description="请协调解决。",
            priority="normal",
            at=when,
        )

    def assign(self, ticket, department, due, when):
        return services.ticket_assign(ticket=ticket, by=self.dispatcher, department=department, due_date=due, at=when)

    def sign(self, ticket, when):
        return services.ticket_sign(ticket=ticket, by=self._holder(ticket), at=when)

    def give_back(self, ticket, when):
        return returned_to_dispatch(ticket=ticket, by=self._holder(ticket), reason="不属于本部门职责", at=when)

    def resolve(self, ticket, when):
        return services.ticket_resolve(outcome="solved", ticket=ticket, by=self._holder(ticket), result="已协调解决。", at=when)

    def confirm(self, ticket, rating, when):
        return services.ticket_confirm(ticket=ticket, by=self._company(ticket), rating=rating, at=when)

    def reopen(self, ticket, when):
        return services.ticket_reopen(ticket=ticket, by=self._company(ticket), comment="问题仍未解决", at=when)

    def auto_close(self, ticket, when):
        return services.ticket_auto_close(ticket=ticket, at=when, working_days=7)

    def reject(self, ticket, when):
        return services.ticket_reject(ticket=ticket, by=self.dispatcher, reason="重复诉求", at=when)

    def extend(self, ticket, to, asked, decided, approve=True):
        request = services.extension_request(
            ticket=ticket, by=self._holder(ticket), requested_due_date=to, reason="需省级部门会签", at=asked
        )
        return services.extension_decide(
            request=request, by=self.dispatcher, approve=approve, note="" if approve else "理由不足", at=decided
        )

    def supervise(self, ticket, level, when):
        return services.ticket_raise_supervision(ticket=ticket, by=self.supervisor, level=level, notice="请加快办理", at=when)

    def walk(self, enterprise, category, department, *, submitted, assigned, due, signed=None, resolved=None):
        """Submit, assign, and optionally sign and resolve one ticket."""
        ticket = self.submit(enterprise, category, submitted)
        self.assign(ticket, department, due, assigned)
        if signed or resolved:
            self.sign(ticket, signed or assigned + datetime.timedelta(minutes=1))
        if resolved:
            self.resolve(ticket, resolved)
        return ticket


@pytest.fixture
def cast(department, other_department, department_user, other_department_user, category, dispatcher, supervisor):
    """Two departments (市发改委 D1, 市人社局 D2), two categories, two companies in different
    districts and industries. The districts and industries are named here rather than taken from
    the factories' rotating lists, so that they do not depend on which tests ran before."""
    e1 = EnterpriseFactory(name="晋城市凤凰机械有限公司", district=DistrictFactory(name="城区"), industry=IndustryFactory(name="装备制造"))
    e2 = EnterpriseFactory(name="泽州县金桥煤化有限公司", district=DistrictFactory(name="泽州县"), industry=IndustryFactory(name="煤化工"))
    c1 = UserFactory(username="company_e1", role=User.Role.COMPANY, enterprise=e1)
    c2 = UserFactory(username="company_e2", role=User.Role.COMPANY, enterprise=e2)
    hiring = CategoryFactory(name="用工招聘", default_department=other_department, response_days=1, resolution_days=5)
    desk = Desk(
        dispatcher=dispatcher,
        supervisor=supervisor,
        staff={department.pk: department_user, other_department.pk: other_department_user},
        companies={e1.pk: c1, e2.pk: c2},
    )
    return SimpleNamespace(desk=desk, d1=department, d2=other_department, finance=category, hiring=hiring, e1=e1, e2=e2)


def test_the_stored_calendar_has_the_2026_holidays_and_make_up_days(db):
    assert [workdays.is_working_day(day(9, d)) for d in range(18, 29)] == [
        True,
        False,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,  # Sep 18–28
    ]
    assert not any(workdays.is_working_day(day(10, d)) for d in range(1, 8))
    assert workdays.is_working_day(day(9, 20))  # Sunday, make-up working day
    assert workdays.is_working_day(day(10, 10))  # Saturday, make-up working day
    assert not workdays.is_working_day(day(10, 11))


# --------------------------------------------------------------------------------------------
# the main data set
# --------------------------------------------------------------------------------------------


@pytest.fixture
def story(cast):
    """Eleven tickets; T7 and T9 lie just outside the period Sep 14–30.

    T1  E1 融资信贷  submitted Sep 14 00:30 (16:30 UTC the day before: inside the period)
        assigned D1 Sep 14 10:00 due Sep 18 (sign by Sep 15); signed Sep 14; resolved Sep 17;
        confirmed 满意 Sep 18.                        handling (Sep14,Sep17] = 15,16,17 = 3
    T2  E1 融资信贷  submitted Sep 18; assigned D1 Sep 18 10:00 due Sep 29; sign by = 1 working
        day after Fri Sep 18 = Sun Sep 20 (make-up day); signed Mon Sep 21: LATE.
        Extension asked Sep 28, approved Sep 30 10:00: due Oct 9. Resolved Oct 9 23:30: on time
        (due on D, resolved on D). Reopened Sat Oct 10 (不满意, new due Oct 16, yellow card);
        resolved Oct 14; confirmed 基本满意 Oct 15.
                                                      handling (Sep18,Oct9] = Sep20 + 21–24 +
                                                      28–30 + Oct 8–9 = 1+4+3+2 = 10
    T3  E2 用工招聘  submitted Sep 21; assigned D2 Sep 21 due Sep 24; returned by D2 Sep 22 10:00;
        reassigned D1 Sep 22 14:00 due Sep 29 (sign by Sep 23); signed Sep 23; resolved Oct 8:
        LATE; no answer, auto-closed Oct 19.          handling (Sep21,Oct8] = 22–24 + 28–30 +
                                                      Oct 8 = 3+3+1 = 7
    T4  E2 用工招聘  submitted Sep 22; assigned D2 Sep 22 10:00 due Sep 29 (sign by Sep 23);
        signed Sep 22 11:00; resolved Sep 24; reopened Sep 28 (不满意, due Oct 10, yellow);
        resolved Sep 30 10:00; no answer, auto-closed Oct 14.
                                                      handling (Sep22,Sep24] = 23,24 = 2
    T5  E1 融资信贷  submitted Sep 24, rejected Sep 24.
    T6  E1 用工招聘  submitted Fri Sep 25 (holiday); assigned D2 Sep 28 due Sep 30 (sign by
        Sep 29); signed Sep 29; red card Oct 12; still in progress.
    T7  E2 融资信贷  submitted Sep 13 23:59: the day before the period. Closed 满意 Sep 16.
    T8  E2 融资信贷  submitted Sep 30 23:59: the period's last minute. Assigned D1 Oct 8 due
        Oct 16; not signed.
    T9  E1 融资信贷  submitted Oct 1 00:00 (Sep 30 16:00 UTC): after the period. Assigned D1
        Oct 8 due Oct 9.
    T10 E1 用工招聘  submitted Sep 29; never assigned.
    T11 E2 用工招聘  submitted Sep 16; assigned D2 Sep 16 due Sep 22; returned Sep 17 10:00;
        rejected (duplicate) Sep 17 14:00.
    """
    desk, d1, d2, fin, hire, e1, e2 = cast.desk, cast.d1, cast.d2, cast.finance, cast.hiring, cast.e1, cast.e2
    t = SimpleNamespace()

    t.T1 = desk.walk(
        e1,
        fin,
        d1,
        submitted=at(day(9, 14), 0, 30),
        assigned=at(day(9, 14)),
        due=day(9, 18),
        signed=at(day(9, 14), 11),
        resolved=at(day(9, 17)),
    )
    desk.confirm(t.T1, "satisfied", at(day(9, 18)))

    t.T2 = desk.walk(e1, fin, d1, submitted=at(day(9, 18), 9), assigned=at(day(9, 18)), due=day(9, 29), signed=at(day(9, 21)))
    desk.extend(t.T2, day(10, 9), asked=at(day(9, 28)), decided=at(day(9, 30)))

    t.T3 = desk.walk(e2, hire, d2, submitted=at(day(9, 21), 9), assigned=at(day(9, 21)), due=day(9, 24))
    desk.give_back(t.T3, at(day(9, 22)))
    desk.assign(t.T3, d1, day(9, 29), at(day(9, 22), 14))
    desk.sign(t.T3, at(day(9, 23)))

    t.T4 = desk.walk(
        e2,
        hire,
        d2,
        submitted=at(day(9, 22), 9),
        assigned=at(day(9, 22)),
        due=day(9, 29),
        signed=at(day(9, 22), 11),
        resolved=at(day(9, 24)),
    )
    desk.reopen(t.T4, at(day(9, 28)))
    desk.resolve(t.T4, at(day(9, 30)))

    t.T5 = desk.submit(e1, fin, at(day(9, 24), 9))
    desk.reject(t.T5, at(day(9, 24)))

    t.T6 = desk.walk(e1, hire, d2, submitted=at(day(9, 25), 9), assigned=at(day(9, 28)), due=day(9, 30), signed=at(day(9, 29)))

    t.T7 = desk.walk(
        e2,
        fin,
        d1,
        submitted=at(day(9, 13), 23, 59),
        assigned=at(day(9, 14)),
        due=day(9, 18),
        signed=at(day(9, 14), 11),
        resolved=at(day(9, 15)),
    )
    desk.confirm(t.T7, "satisfied", at(day(9, 16)))

    t.T8 = desk.submit(e2, fin, at(day(9, 30), 23, 59))
    t.T9 = desk.submit(e1, fin, at(day(10, 1), 0, 0))
    t.T10 = desk.submit(e1, hire, at(day(9, 29), 9))
    t.T11 = desk.walk(e2, hire, d2, submitted=at(day(9, 16), 9), assigned=at(day(9, 16)), due=day(9, 22))
    desk.give_back(t.T11, at(day(9, 17)))
    desk.reject(t.T11, at(day(9, 17), 14))

    # October
    desk.assign(t.T8, d1, day(10, 16), at(day(10, 8)))
    desk.assign(t.T9, d1, day(10, 9), at(day(10, 8)))
    desk.resolve(t.T3, at(day(10, 8)))
    desk.resolve(t.T2, at(day(10, 9), 23, 30))
    desk.reopen(t.T2, at(day(10, 10)))
    desk.supervise(t.T6, "red", at(day(10, 12)))
    desk.resolve(t.T2, at(day(10, 14)))
    desk.auto_close(t.T4, at(day(10, 14)))
    desk.confirm(t.T2, "basically_satisfied", at(day(10, 15)))
    desk.auto_close(t.T3, at(day(10, 19)))
    return t


def ids(*tickets):
    return sorted(ticket.pk for ticket in tickets)


def assert_now_agrees_with_the_timeline(**args):
    """Without as_of, the report reads the tickets' current-fact columns; with as_of = now it
    replays their event timelines. Every count, every breakdown row and the tickets behind every
    count must be the same."""
    now = timezone.now()
    assert figures(reports.report(**args), *COUNT_NAMES) == figures(reports.report(**args, as_of=now), *COUNT_NAMES)
    for by in reports.GROUPS:
        current = {row["key"]: figures(row, *COUNT_NAMES) for row in reports.breakdown(by, **args)}
        replayed = {row["key"]: figures(row, *COUNT_NAMES) for row in reports.breakdown(by, **args, as_of=now)}
        assert current == replayed, by
    for figure in COUNT_NAMES:
        assert reports.ticket_ids_for(figure, **args) == reports.ticket_ids_for(figure, **args, as_of=now), figure


def test_figures_after_everything_happened(story):
    result = reports.report(**PERIOD, as_of=FINAL)

    # In the period: T1 T2 T3 T4 T5 T6 T8 T10 T11 (T7 the day before, T9 the day after).
    assert result["submitted"] == 9
    # Ever assigned and not rejected: T1 T2 T3 T4 T6 T8. T5 rejected straight away, T11 rejected
    # after a return, T10 never assigned.
    assert result["accepted"] == 6
    assert result["rejected"] == 2
    # Closed: T1 (满意), T2 (基本满意), T3 and T4 (auto-closed) -> 4/6.
    assert result["closed"] == 4
    assert result["closure_rate"] == Fraction(2, 3)
    # First resolutions: T1 Sep17<=Sep18, T2 Oct9<=Oct9 (extended), T3 Oct8>Sep29, T4 Sep24<=Sep29 -> 3/4.
    assert (result["resolved"], result["on_time"], result["on_time_rate"]) == (4, 3, Fraction(3, 4))
    # Open past due on Oct 20: T6 (due Sep 30, in progress), T8 (due Oct 16, not signed).
    assert result["overdue_open"] == 2
    # Latest ratings: T1 满意, T2 基本满意 (its 不满意 was replaced), T4 不满意 (the auto-close after
    # the reopen is no rating); T3 has none -> 2/3.
    assert (result["satisfied"], result["rated"], result["satisfaction_rate"]) == (2, 3, Fraction(2, 3))
    # Signings: T1 (Sep14<=Sep15), T2 (Sep21>Sep20 late), T3 at D1 (Sep23<=Sep23), T4 (Sep22<=Sep23),
    # T6 (Sep29<=Sep29); T3 at D2 and T8 never signed -> 4/5.
    assert (result["signed_on_time"], result["signings"], result["response_rate"]) == (4, 5, Fraction(4, 5))
    # Returned: T3 (T11 was returned too but is rejected) -> 1/6.
    assert (result["returned"], result["return_rate"]) == (1, Fraction(1, 6))
    # Reopened: T2, T4 -> 2/4.
    assert (result["reopened"], result["redo_rate"]) == (2, Fraction(1, 2))
    # Yellow: T2, T4 (from their reopening); red: T6.
    assert (result["yellow"], result["red"]) == (2, 1)
    # Handling: T1 3 + T2 10 + T3 7 + T4 2 = 22 working days over 4 tickets = 5.5.
    assert (result["handling_days"], result["handling_time"]) == (22, Decimal("5.5"))


def test_a_past_as_of_gives_the_figures_as_they_were_then(story):
    result = reports.report(**PERIOD, as_of=at(day(9, 30), 18))

    # T8 (submitted at 23:59) did not exist yet: T1 T2 T3 T4 T5 T6 T10 T11.
    assert result["submitted"] == 8
    assert (result["accepted"], result["rejected"]) == (5, 2)  # T1 T2 T3 T4 T6; T5 T11
    # Only T1 was closed then; T2, T3, T4 closed later.
    assert (result["closed"], result["closure_rate"]) == (1, Fraction(1, 5))
    # Resolved by then: T1 (Sep 17) and T4 (first on Sep 24): both on time.
    assert (result["resolved"], result["on_time"]) == (2, 2)
    # Overdue on Sep 30: T3 (due Sep 29). T2's due date had just been extended to Oct 9; T6 is due today.
    assert result["overdue_open"] == 1
    # Ratings then: T1 满意, T4 不满意 (reopened Sep 28) -> 1/2.
    assert (result["satisfied"], result["rated"]) == (1, 2)
    assert (result["signed_on_time"], result["signings"]) == (4, 5)
    assert (result["returned"], result["reopened"]) == (1, 1)  # T3; T4
    assert (result["yellow"], result["red"]) == (1, 0)  # T4 yellow since Sep 28; T6 red only from Oct 12
    # Handling: T1 3 + T4 2 = 5 over 2 = 2.5.
    assert (result["handling_days"], result["handling_time"]) == (5, Decimal("2.5"))

    # The same morning, before the extension was approved at 10:00, T2 (due Sep 29) was overdue too.
    morning = reports.report(**PERIOD, as_of=at(day(9, 30), 9))
    assert morning["overdue_open"] == 2
    assert reports.ticket_ids_for("overdue_open", **PERIOD, as_of=at(day(9, 30), 9)) == ids(story.T2, story.T3)
    # …and T4, reopened on Sep 28, was back in progress rather than resolved (its first resolution stays).
    assert morning["resolved"] == 2


def test_a_date_as_of_means_the_end_of_that_local_day(story):
    # Sep 30 as a date includes T8, submitted at 23:59 that day.
    assert reports.report(**PERIOD, as_of=day(9, 30))["submitted"] == 9


def test_as_of_now_gives_what_the_current_fields_give(story):
    result = reports.report(**PERIOD)  # now: weeks after the last action

    in_period = Ticket.objects.filter(submitted_at__gte=at(day(9, 14), 0, 0), submitted_at__lt=at(day(10, 1), 0, 0))
    accepted = in_period.filter(first_assigned_at__isnull=False).exclude(status="rejected")
    assert result["accepted"] == accepted.count()
    assert result["rejected"] == in_period.filter(status="rejected").count()
    assert result["closed"] == accepted.filter(status="closed").count()
    assert result["overdue_open"] == accepted.overdue(timezone.localdate()).count()
    assert result["resolved"] == accepted.filter(first_resolved_at__isnull=False).count()
    assert result["yellow"] == accepted.filter(supervision_level="yellow").count()
    assert result["red"] == accepted.filter(supervision_level="red").count()
    handled = [
        workdays.working_days_between(timezone.localdate(t.first_assigned_at), timezone.localdate(t.first_resolved_at))
        for t in accepted.filter(first_resolved_at__isnull=False)
    ]
    assert result["handling_days"] == sum(handled) == 22
    # …and nothing changed after Oct 19.
    assert figures(result, *COUNT_NAMES, *RATE_NAMES) == figures(reports.report(**PERIOD, as_of=FINAL), *COUNT_NAMES, *RATE_NAMES)
    # The one figure the current fields cannot give: T4's rating field says "no answer" (its
    # auto-close), but its latest rating is still the 不满意 of its reopening.
    assert Ticket.objects.get(pk=story.T4.pk).rating == "no_answer"
    assert story.T4.pk in reports.ticket_ids_for("rated", **PERIOD)


def test_the_current_facts_agree_with_the_timeline(story):
    assert_now_agrees_with_the_timeline(**PERIOD)
    assert_now_agrees_with_the_timeline(start=day(9, 1), end=day(10, 31))


def test_the_current_facts_agree_with_the_timeline_under_every_filter(story, cast):
    for scope in (
        {"department": cast.d1},
        {"department": cast.d2},
        {"category": cast.hiring},
        {"district": cast.e2.district},
        {"industry": cast.e1.industry},
    ):
        assert_now_agrees_with_the_timeline(**PERIOD, **scope)


def test_store_current_facts_rebuilds_from_the_timeline_what_the_transitions_keep(story):
    columns = list(reports.STORED_FACTS)
    kept = list(Ticket.objects.order_by("pk").values_list("pk", *columns))
    Ticket.objects.update(
        last_department=None,
        first_resolved_on_time=None,
        handling_working_days=None,
        latest_rating="",
        was_returned=False,
        was_reopened=False,
        signings=0,
        signings_on_time=0,
    )
    assert reports.store_current_facts() == len(kept) == 11
    assert list(Ticket.objects.order_by("pk").values_list("pk", *columns)) == kept
    # T2: D1, on time (extended), 10 working days, 基本满意 after a reopening, one late signing.
    t2 = Ticket.objects.get(pk=story.T2.pk)
    assert (t2.last_department_id, t2.first_resolved_on_time, t2.handling_working_days, t2.latest_rating) == (
        t2.department_id,
        True,
        10,
        "basically_satisfied",
    )
    assert (t2.was_returned, t2.was_reopened, t2.signings, t2.signings_on_time) == (False, True, 1, 0)
    # T3 was returned by D2 and is still counted for D1, where it ended.
    t3 = Ticket.objects.get(pk=story.T3.pk)
    assert (t3.was_returned, t3.last_department.name, t3.signings, t3.first_resolved_on_time) == (True, "市发改委", 1, False)


def test_the_dashboard_is_the_report_its_ranking_and_its_breakdowns(story):
    data = reports.dashboard(**PERIOD)
    assert figures(data["figures"], *COUNT_NAMES, *RATE_NAMES) == figures(reports.report(**PERIOD), *COUNT_NAMES, *RATE_NAMES)
    assert data["figures"]["accepted"] == 6 and data["figures"]["handling_time"] == Decimal("5.5")

    def table(rows):
        return [(row["label"], row.get("rank"), figures(row, *COUNT_NAMES)) for row in rows]

    assert table(data["ranking"]) == table(reports.department_ranking(**PERIOD))
    for by in reports.DASHBOARD_GROUPS:
        assert table(data[by]) == table(reports.breakdown(by, **PERIOD)), by


def test_the_dashboard_replays_the_timeline_for_a_past_moment(story):
    then = at(day(9, 30), 18)
    data = reports.dashboard(**PERIOD, as_of=then)
    assert figures(data["figures"], *COUNT_NAMES) == figures(reports.report(**PERIOD, as_of=then), *COUNT_NAMES)


@pytest.mark.parametrize("as_of", [None, FINAL, at(day(9, 30), 18)], ids=["now", "final", "sep30"])
def test_the_dashboard_is_exactly_the_report_its_ranking_and_its_breakdowns(story, as_of):
    assert_dashboard_is_its_breakdowns(**PERIOD, as_of=as_of)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_one_snapshot_on_postgresql():
    with CaptureQueriesContext(connection) as queries:
        reports.dashboard(start=day(9, 14), end=day(9, 30))
    statements = [query["sql"] for query in queries.captured_queries]
    # BEGIN, the isolation level, three queries grouped by GROUPING SETS (tickets, co assignments,
    # overruled returns; no groups found: no label queries), COMMIT.
    assert statements[:2] == ["BEGIN", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"]
    assert len(statements) == 2 + 3 + 1 and statements[-1] == "COMMIT"


def test_rejected_tickets_are_counted_apart_and_in_no_rate(story):
    result = reports.report(**PERIOD, as_of=FINAL)
    assert reports.ticket_ids_for("rejected", **PERIOD, as_of=FINAL) == ids(story.T5, story.T11)
    for figure in reports.COUNTS:
        if figure not in ("submitted", "rejected"):
            members = reports.ticket_ids_for(figure, **PERIOD, as_of=FINAL)
            assert story.T5.pk not in members and story.T11.pk not in members, figure
    # T11 was returned once before it was rejected: the return rate does not count it.
    assert reports.ticket_ids_for("returned", **PERIOD, as_of=FINAL) == ids(story.T3)
    assert result["submitted"] == result["accepted"] + result["rejected"] + 1  # + T10, never assigned


def test_tickets_on_the_edges_of_the_period(story):
    submitted = reports.ticket_ids_for("submitted", **PERIOD, as_of=FINAL)
    assert story.T1.pk in submitted  # Sep 14 00:30 local (Sep 13 in UTC)
    assert story.T8.pk in submitted  # Sep 30 23:59 local
    assert story.T7.pk not in submitted  # Sep 13 23:59 local
    assert story.T9.pk not in submitted  # Oct 1 00:00 local (Sep 30 in UTC)
    # A one-day period: only T9 was submitted on Oct 1.
    assert reports.ticket_ids_for("submitted", start=day(10, 1), end=day(10, 1), as_of=FINAL) == ids(story.T9)
    assert reports.report(start=day(9, 13), end=day(9, 13), as_of=FINAL)["closed"] == 1  # T7


def test_returned_and_reassigned_ticket_belongs_to_its_latest_department(story, cast):
    def by_department(as_of):
        return {row["label"]: row for row in reports.breakdown("department", **PERIOD, as_of=as_of)}

    # Sep 22 12:00: T3 has been returned by D2 and waits for dispatch: D2 is the last that held it.
    noon = by_department(at(day(9, 22), 12))
    assert reports.ticket_ids_for("submitted", **PERIOD, as_of=at(day(9, 22), 12), department=cast.d2) == ids(story.T3, story.T4, story.T11)
    assert figures(noon["市人社局"], "accepted", "returned", "rejected", "overdue_open") == {
        "accepted": 2,
        "returned": 1,
        "rejected": 1,
        "overdue_open": 0,  # T3 (no due date while returned), T4; T11
    }
    assert figures(noon["市发改委"], "accepted", "closed") == {"accepted": 2, "closed": 1}  # T1 closed, T2
    # Once reassigned (14:00), T3 is D1's, with its return.
    final = by_department(FINAL)
    assert reports.ticket_ids_for("accepted", **PERIOD, as_of=FINAL, department=cast.d1) == ids(story.T1, story.T2, story.T3, story.T8)
    assert final["市发改委"]["returned"] == 1
    assert final["市人社局"]["returned"] == 0


def test_breakdown_by_department(story, cast):
    rows = reports.breakdown("department", **PERIOD, as_of=FINAL)
    assert [row["group"] is None for row in rows] == [False, False, True]  # the never-assigned group last
    d1, d2, nobody = ({row["key"]: row for row in rows}[key] for key in (cast.d1.pk, cast.d2.pk, None))

    # D1 holds T1 T2 T3 T8.
    assert figures(d1, *COUNT_NAMES) == {
        "submitted": 4,
        "accepted": 4,
        "rejected": 0,
        "closed": 3,  # T1 T2 T3
        "resolved": 3,
        "solved": 3,
        "on_time": 2,  # T1 T2 on time, T3 late; every outcome solved
        "overdue_open": 1,  # T8
        "rated": 2,
        "satisfied": 2,  # T1 满意, T2 基本满意
        "signings": 3,
        "signed_on_time": 2,  # T1 ok, T2 late, T3 ok
        "contact_assignments": 5,
        "contacted_on_time": 0,  # T1, T2, T3 twice (D2, then D1), T8; no contact recorded
        "co_due": 0,
        "co_on_time": 0,
        "overrides": 0,  # no co-handling in this story
        "returned": 1,
        "reopened": 1,
        "yellow": 1,
        "red": 0,  # T3; T2; T2
        "overruled_returns": 0,  # no return request overruled in this story (tests/reports/test_return_figures.py)
        "handling_days": 20,  # 3 + 10 + 7
        "followed_up": 2,  # T1 T2 confirmed; T3 closed without an answer
    }
    assert figures(d1, *RATE_NAMES) == {
        "closure_rate": Fraction(3, 4),
        "on_time_rate": Fraction(2, 3),
        "satisfaction_rate": Fraction(1),
        "response_rate": Fraction(2, 3),
        "return_rate": Fraction(1, 4),
        "redo_rate": Fraction(1, 3),
        "handling_time": Decimal("6.7"),  # 20 / 3 = 6.67
        "contact_rate": Fraction(0),
        "co_feedback_rate": None,  # 0 / 5; no co assignment due
        "follow_up_rate": Fraction(2, 3),
        "solved_rate": Fraction(1),
    }
    # D2 holds T4 T6 and last held T11 (rejected).
    assert figures(d2, *COUNT_NAMES) == {
        "submitted": 3,
        "accepted": 2,
        "rejected": 1,
        "closed": 1,  # T4
        "resolved": 1,
        "solved": 1,
        "on_time": 1,
        "overdue_open": 1,  # T4; T6
        "rated": 1,
        "satisfied": 0,  # T4 不满意
        "signings": 2,
        "signed_on_time": 2,  # T4, T6
        "contact_assignments": 2,
        "contacted_on_time": 0,  # T4, T6 (T11 is rejected)
        "co_due": 0,
        "co_on_time": 0,
        "overrides": 0,
        "returned": 0,
        "reopened": 1,
        "yellow": 1,
        "red": 1,  # T4; T4; T6
        "overruled_returns": 0,
        "handling_days": 2,
        "followed_up": 0,  # T4 closed without an answer
    }
    assert d2["satisfaction_rate"] == Fraction(0)
    # Never assigned: T5 (rejected), T10 (waiting).
    assert figures(nobody, "submitted", "accepted", "rejected") == {"submitted": 2, "accepted": 0, "rejected": 1}
    assert nobody["closure_rate"] is None and nobody["handling_time"] is None
    # The filter gives the same figures as the row.
    assert figures(reports.report(**PERIOD, as_of=FINAL, department=cast.d1), *COUNT_NAMES, *RATE_NAMES) == figures(
        d1, *COUNT_NAMES, *RATE_NAMES
    )


def test_breakdown_by_category_district_industry_and_month(story, cast):
    by_category = {row["label"]: row for row in reports.breakdown("category", **PERIOD, as_of=FINAL)}
    # 融资信贷: T1 T2 T5 T8; 用工招聘: T3 T4 T6 T10 T11.
    assert figures(by_category["融资信贷"], "submitted", "accepted", "rejected", "closed", "resolved", "on_time") == {
        "submitted": 4,
        "accepted": 3,
        "rejected": 1,
        "closed": 2,
        "resolved": 2,
        "on_time": 2,
    }
    assert figures(by_category["用工招聘"], "submitted", "accepted", "rejected", "closed", "resolved", "on_time") == {
        "submitted": 5,
        "accepted": 3,
        "rejected": 1,
        "closed": 2,
        "resolved": 2,
        "on_time": 1,
    }
    # 城区 (E1): T1 T2 T5 T6 T10; 泽州县 (E2): T3 T4 T8 T11. Same split by industry.
    by_district = {row["label"]: row for row in reports.breakdown("district", **PERIOD, as_of=FINAL)}
    assert figures(by_district["城区"], "submitted", "accepted", "closed", "red") == {"submitted": 5, "accepted": 3, "closed": 2, "red": 1}
    assert figures(by_district["泽州县"], "submitted", "accepted", "closed", "red") == {
        "submitted": 4,
        "accepted": 3,
        "closed": 2,
        "red": 0,
    }
    by_industry = {row["label"]: row for row in reports.breakdown("industry", **PERIOD, as_of=FINAL)}
    assert by_industry["装备制造"]["submitted"] == 5 and by_industry["煤化工"]["submitted"] == 4
    assert reports.report(**PERIOD, as_of=FINAL, district=cast.e2.district)["accepted"] == 3
    assert reports.report(**PERIOD, as_of=FINAL, industry=cast.e1.industry, category=cast.hiring)["submitted"] == 2  # T6 T10

    # Month of submission, local: over Sep 1 – Oct 31, September has T1–T8, T10, T11 (T8 at 23:59
    # on Sep 30) and October T9 (00:00 on Oct 1, still September in UTC).
    months = reports.breakdown("month", start=day(9, 1), end=day(10, 31), as_of=FINAL)
    assert [(row["key"], row["label"], row["submitted"]) for row in months] == [(day(9, 1), "2026-09", 10), (day(10, 1), "2026-10", 1)]
    assert months[1]["accepted"] == 1 and months[1]["overdue_open"] == 1  # T9, due Oct 9, never signed


@pytest.mark.parametrize("by", reports.GROUPS)
@pytest.mark.parametrize("as_of", [FINAL, at(day(9, 30), 9), at(day(9, 22), 12)], ids=["final", "sep30", "sep22"])
def test_breakdowns_sum_to_the_report(story, by, as_of):
    args = dict(start=day(9, 1), end=day(10, 31), as_of=as_of)
    total = reports.report(**args)
    rows = reports.breakdown(by, **args)
    for figure in reports.COUNTS:
        assert sum(row[figure] for row in rows) == total[figure], figure


def test_department_ranking(story, cast):
    ranking = reports.department_ranking(**PERIOD, as_of=FINAL)
    # Closure rate: D1 3/4, D2 1/2.
    assert [(row["rank"], row["label"], row["closure_rate"]) for row in ranking] == [
        (1, "市发改委", Fraction(3, 4)),
        (2, "市人社局", Fraction(1, 2)),
    ]
    # On Sep 22 at noon: D1 1/2 closed (T1, T2), D2 0/2 (T3, T4).
    ranking = reports.department_ranking(**PERIOD, as_of=at(day(9, 22), 12))
    assert [(row["rank"], row["label"]) for row in ranking] == [(1, "市发改委"), (2, "市人社局")]


def test_every_count_links_to_its_tickets(story):
    expected = {
        "submitted": ids(story.T1, story.T2, story.T3, story.T4, story.T5, story.T6, story.T8, story.T10, story.T11),
        "accepted": ids(story.T1, story.T2, story.T3, story.T4, story.T6, story.T8),
        "rejected": ids(story.T5, story.T11),
        "closed": ids(story.T1, story.T2, story.T3, story.T4),
        "resolved": ids(story.T1, story.T2, story.T3, story.T4),
        "on_time": ids(story.T1, story.T2, story.T4),
        "overdue_open": ids(story.T6, story.T8),
        "rated": ids(story.T1, story.T2, story.T4),
        "satisfied": ids(story.T1, story.T2),
        "signings": ids(story.T1, story.T2, story.T3, story.T4, story.T6),
        "signed_on_time": ids(story.T1, story.T3, story.T4, story.T6),
        "returned": ids(story.T3),
        "reopened": ids(story.T2, story.T4),
        "yellow": ids(story.T2, story.T4),
        "red": ids(story.T6),
        "handling_days": ids(story.T1, story.T2, story.T3, story.T4),
    }
    result = reports.report(**PERIOD, as_of=FINAL)
    for figure, tickets in expected.items():
        assert reports.ticket_ids_for(figure, **PERIOD, as_of=FINAL) == tickets, figure
        if figure not in ("signings", "signed_on_time", "handling_days"):
            assert result[figure] == len(tickets), figure
    # Signings are counted one per signed assignment: T3's D1 assignment, not its D2 one.
    signings = reports.assignments_for("signings", **PERIOD, as_of=FINAL)
    assert signings.count() == result["signings"] == 5
    assert set(signings.filter(ticket=story.T3).values_list("department__name", flat=True)) == {"市发改委"}
    assert reports.assignments_for("signed_on_time", **PERIOD, as_of=FINAL).count() == result["signed_on_time"] == 4
    with pytest.raises(ValueError):
        reports.tickets_for("closure_rate", **PERIOD)


# --------------------------------------------------------------------------------------------
# focused data sets
# --------------------------------------------------------------------------------------------


def test_on_time_counts_local_calendar_dates_and_approved_extensions(cast):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1
    # A: due Oct 9, resolved Oct 9 23:59 local: on time.
    a = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(10, 9), resolved=at(day(10, 9), 23, 59))
    # B: due Oct 9, resolved Oct 10 00:30 local (Oct 9 16:30 UTC): late.
    b = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(10, 9), resolved=at(day(10, 10), 0, 30))
    # C: due Sep 29, extension to Oct 12 approved Sep 29, resolved Oct 12: on time.
    c = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(9, 29), signed=at(day(9, 28), 11))
    desk.extend(c, day(10, 12), asked=at(day(9, 28), 14), decided=at(day(9, 29)))
    desk.resolve(c, at(day(10, 12)))
    # D: due Sep 29, extension to Oct 12 refused, resolved Oct 12: late.
    d = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(9, 29), signed=at(day(9, 28), 11))
    desk.extend(d, day(10, 12), asked=at(day(9, 28), 14), decided=at(day(9, 29)), approve=False)
    desk.resolve(d, at(day(10, 12)))
    # E: resolved Sep 30 on time (due Oct 9), reopened, resolved again Oct 30 after its new due
    # date: the first resolution decides.
    e = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(10, 9), resolved=at(day(9, 30)))
    desk.reopen(e, at(day(10, 8)))
    desk.resolve(e, at(day(10, 30)))

    # F: due Sep 29, returned to dispatch Sep 29 and not reassigned: no due date in force.
    f = desk.walk(e1, fin, d1, submitted=at(day(9, 28), 9), assigned=at(day(9, 28)), due=day(9, 29))
    desk.give_back(f, at(day(9, 29)))

    args = dict(start=day(9, 28), end=day(9, 28), as_of=at(day(11, 2)))
    result = reports.report(**args)
    # On time: A, C, E; late: B, D -> 3/5 (F never resolved).
    assert (result["on_time"], result["resolved"], result["on_time_rate"]) == (3, 5, Fraction(3, 5))
    assert reports.ticket_ids_for("on_time", **args) == ids(a, c, e)
    assert b.pk not in reports.ticket_ids_for("on_time", **args) and d.pk not in reports.ticket_ids_for("on_time", **args)
    # Before C's extension was approved (Sep 29 10:00) it was due Sep 29 like D; at the end of
    # Sep 30, only D, still due Sep 29, is overdue; F waits at dispatch with no due date.
    assert reports.ticket_ids_for("overdue_open", **args | {"as_of": at(day(9, 30), 18)}) == ids(d)
    assert_now_agrees_with_the_timeline(start=day(9, 28), end=day(9, 28))


def test_no_answer_is_not_a_rating_and_the_latest_rating_wins(cast):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1

    def resolved_ticket():
        return desk.walk(e1, fin, d1, submitted=at(day(9, 14), 9), assigned=at(day(9, 14)), due=day(9, 18), resolved=at(day(9, 15)))

    satisfied = resolved_ticket()
    desk.confirm(satisfied, "satisfied", at(day(9, 16)))
    silent = resolved_ticket()
    desk.auto_close(silent, at(day(9, 25)))  # no answer: no rating
    unhappy_then_silent = resolved_ticket()
    desk.reopen(unhappy_then_silent, at(day(9, 16)))  # 不满意
    desk.resolve(unhappy_then_silent, at(day(9, 17)))
    desk.auto_close(unhappy_then_silent, at(day(9, 29)))  # still 不满意
    unhappy_then_happy = resolved_ticket()
    desk.reopen(unhappy_then_happy, at(day(9, 16)))  # 不满意 …
    desk.resolve(unhappy_then_happy, at(day(9, 17)))
    desk.confirm(unhappy_then_happy, "basically_satisfied", at(day(9, 18)))  # … then 基本满意

    args = dict(start=day(9, 14), end=day(9, 14))
    result = reports.report(**args, as_of=at(day(9, 30)))
    # Rated: satisfied (满意), unhappy_then_silent (不满意), unhappy_then_happy (基本满意) -> 2/3.
    assert (result["satisfied"], result["rated"], result["satisfaction_rate"]) == (2, 3, Fraction(2, 3))
    assert silent.pk not in reports.ticket_ids_for("rated", **args, as_of=at(day(9, 30)))
    # On Sep 17 unhappy_then_happy's latest rating was still 不满意: satisfied 1 of 3 rated.
    then = reports.report(**args, as_of=at(day(9, 17)))
    assert (then["satisfied"], then["rated"]) == (1, 3)
    # Redo: two of the four reopened.
    assert (result["reopened"], result["resolved"], result["redo_rate"]) == (2, 4, Fraction(1, 2))
    # All four closed.
    assert result["closure_rate"] == Fraction(1)
    assert_now_agrees_with_the_timeline(**args)


def test_each_signing_is_measured_against_the_assignment_it_answers(cast):
    desk, fin, e1 = cast.desk, cast.finance, cast.e1
    # Assigned D2 Fri Sep 18 (sign by Sun Sep 20, a make-up day), signed Mon Sep 21: late.
    ticket = desk.walk(e1, fin, cast.d2, submitted=at(day(9, 18), 9), assigned=at(day(9, 18)), due=day(9, 30), signed=at(day(9, 21)))
    desk.give_back(ticket, at(day(9, 21), 15))
    # Reassigned D1 Mon Sep 21 16:00 (sign by Tue Sep 22), signed Sep 22: on time.
    desk.assign(ticket, cast.d1, day(9, 30), at(day(9, 21), 16))
    desk.sign(ticket, at(day(9, 22), 17))

    args = dict(start=day(9, 18), end=day(9, 18), as_of=at(day(9, 30)))
    result = reports.report(**args)
    # Two signings of one ticket, one on time -> 1/2.
    assert (result["signed_on_time"], result["signings"], result["response_rate"]) == (1, 2, Fraction(1, 2))
    assert reports.ticket_ids_for("signings", **args) == ids(ticket)
    assert list(reports.assignments_for("signed_on_time", **args).values_list("department__name", flat=True)) == ["市发改委"]
    # Before the second signing (Sep 22 12:00): only the late one.
    before = reports.report(**args | {"as_of": at(day(9, 22), 12)})
    assert (before["signed_on_time"], before["signings"], before["response_rate"]) == (0, 1, Fraction(0))
    assert_now_agrees_with_the_timeline(start=day(9, 18), end=day(9, 18))


def test_departments_with_equal_rates_share_a_rank(cast, db):
    desk, fin, e1 = cast.desk, cast.finance, cast.e1
    third = UserFactory(username="dept3", role=User.Role.DEPARTMENT, department=DepartmentFactory(name="市商务局")).department
    desk.staff[third.pk] = User.objects.get(username="dept3")

    def closed_on_time(department):
        ticket = desk.walk(
            e1, fin, department, submitted=at(day(9, 14), 9), assigned=at(day(9, 14)), due=day(9, 18), resolved=at(day(9, 15))
        )
        desk.confirm(ticket, "satisfied", at(day(9, 16)))

    def late_and_open(department):
        desk.walk(e1, fin, department, submitted=at(day(9, 14), 9), assigned=at(day(9, 14)), due=day(9, 15), resolved=at(day(9, 17)))

    closed_on_time(cast.d1)  # 市发改委: closed 1/1, on time 1/1
    closed_on_time(cast.d2)  # 市人社局: closed 2/2, on time 2/2
    closed_on_time(cast.d2)
    closed_on_time(third)  # 市商务局: closed 1/2, on time 1/2
    late_and_open(third)

    ranking = reports.department_ranking(start=day(9, 14), end=day(9, 14), as_of=at(day(9, 30)))
    # 市发改委 and 市人社局 tie (100%, 100%): both rank 1, the one with more tickets first; then rank 3.
    assert [(row["rank"], row["label"], row["accepted"]) for row in ranking] == [(1, "市人社局", 2), (1, "市发改委", 1), (3, "市商务局", 2)]
    assert reports.format_rate(ranking[2]["closure_rate"]) == "50.0%"
    assert reports.format_rate(ranking[0]["on_time_rate"]) == "100.0%"
    now = reports.department_ranking(start=day(9, 14), end=day(9, 14))  # from the current-fact columns
    assert [(row["rank"], row["label"], row["accepted"]) for row in now] == [(1, "市人社局", 2), (1, "市发改委", 1), (3, "市商务局", 2)]


def test_handling_time_counts_official_working_days(cast):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1

    def handled(assigned, resolved):
        return desk.walk(
            e1,
            fin,
            d1,
            submitted=at(day(9, 14), 9),
            assigned=assigned,
            due=assigned.date() + datetime.timedelta(days=40),
            resolved=resolved,
        )

    # Wed Sep 30 -> Mon Oct 12: Oct 8, Oct 9, Sat Oct 10 (make-up), Oct 12 = 4.
    a = handled(at(day(9, 30)), at(day(10, 12)))
    # Same day: 0.
    b = handled(at(day(10, 9), 9), at(day(10, 9), 17))
    # Fri Sep 18 -> Mon Sep 21: Sun Sep 20 (make-up), Sep 21 = 2 (Monday–Friday alone would say 1).
    c = handled(at(day(9, 18)), at(day(9, 21)))
    # Thu Sep 24 -> Thu Oct 8: Sep 25 (Mid-autumn) off, Sep 28, 29, 30, Oct 8 = 4.
    d = handled(at(day(9, 24)), at(day(10, 8)))
    # Sep 30 23:30 local -> Oct 8 00:30 local (Sep 30 16:30 UTC): local dates Sep 30 -> Oct 8 = 1.
    e = handled(at(day(9, 30), 23, 30), at(day(10, 8), 0, 30))

    args = dict(start=day(9, 14), end=day(9, 14), as_of=at(day(10, 31)))
    per_ticket = dict(reports.ticket_facts(**args).values_list("pk", "r_handling_days"))
    assert per_ticket == {a.pk: 4, b.pk: 0, c.pk: 2, d.pk: 4, e.pk: 1}
    result = reports.report(**args)
    # (4 + 0 + 2 + 4 + 1) / 5 = 11 / 5 = 2.2
    assert (result["handling_days"], result["resolved"], result["handling_time"]) == (11, 5, Decimal("2.2"))
    assert dict(Ticket.objects.filter(pk__in=per_ticket).values_list("pk", "handling_working_days")) == per_ticket


def test_handling_days_agree_with_the_work_calendar_day_by_day(cast):
    """A spread of assignment/resolution dates around the holidays and into 2027, which has no
    stored calendar (Monday–Friday), each against tickets.workdays."""
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1
    assert workdays.unknown_years(day(1, 4, 2027)) == [2027]
    pairs = [
        (day(9, 19), day(9, 20)),
        (day(9, 19), day(9, 27)),
        (day(9, 25), day(10, 1)),
        (day(9, 26), day(10, 11)),
        (day(10, 1), day(10, 7)),
        (day(10, 7), day(10, 10)),
        (day(10, 10), day(10, 11)),
        (day(9, 14), day(10, 31)),
        (day(12, 28), day(1, 5, 2027)),
        (day(12, 31), day(1, 11, 2027)),
        (day(1, 1, 2027), day(1, 2, 2027)),
    ]
    expected = {}
    for assigned, resolved in pairs:
        ticket = desk.walk(
            e1,
            fin,
            d1,
            submitted=at(day(9, 14), 9),
            assigned=at(assigned),
            due=resolved + datetime.timedelta(days=30),
            resolved=at(resolved),
        )
        expected[ticket.pk] = workdays.working_days_between(assigned, resolved)
    facts = dict(reports.ticket_facts(start=day(9, 14), end=day(9, 14), as_of=at(day(2, 1, 2027))).values_list("pk", "r_handling_days"))
    assert facts == expected
    assert expected[min(expected)] == 1  # Sat Sep 19 -> Sun Sep 20 (make-up day)
    assert dict(Ticket.objects.filter(pk__in=expected).values_list("pk", "handling_working_days")) == expected


def test_a_year_without_a_stored_calendar_counts_monday_to_friday_until_one_is_entered(cast):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1
    assert workdays.unknown_years(day(3, 2, 2040)) == [2040]
    # Fri Mar 2 2040 -> Tue Mar 6 2040: Mon 5, Tue 6 = 2.
    desk.walk(
        e1, fin, d1, submitted=at(day(3, 2, 2040), 9), assigned=at(day(3, 2, 2040)), due=day(3, 30, 2040), resolved=at(day(3, 6, 2040))
    )
    args = dict(start=day(3, 1, 2040), end=day(3, 31, 2040), as_of=at(day(4, 1, 2040)))
    assert reports.report(**args)["handling_days"] == 2

    # An administrator enters 2040 with a holiday on Monday Mar 5: 1.
    CalendarYear.objects.create(year=2040, source=CalendarYear.Source.MANUAL)
    CalendarDay.objects.create(date=day(3, 5, 2040), is_working_day=False, name="测试假日")
    assert workdays.working_days_between(day(3, 2, 2040), day(3, 6, 2040)) == 1
    assert reports.report(**args)["handling_days"] == 1


def test_a_holiday_entered_in_the_admin_recounts_the_stored_handling_time(cast, client, admin_user):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1
    # Mon Nov 2 2026 -> Wed Nov 4 2026: Tue 3, Wed 4 = 2.
    ticket = desk.walk(e1, fin, d1, submitted=at(day(11, 2), 9), assigned=at(day(11, 2)), due=day(11, 30), resolved=at(day(11, 4)))
    other = desk.walk(e1, fin, d1, submitted=at(day(11, 2), 9), assigned=at(day(11, 2)), due=day(11, 30), resolved=at(day(11, 2), 17))
    args = dict(start=day(11, 2), end=day(11, 2))
    assert reports.report(**args)["handling_days"] == 2

    client.force_login(admin_user)
    response = client.post("/admin/tickets/calendarday/add/", {"date": "2026-11-03", "is_working_day": "", "name": "测试假日"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).handling_working_days == 1
    assert Ticket.objects.get(pk=other.pk).handling_working_days == 0
    assert reports.report(**args)["handling_days"] == 1 == reports.report(**args, as_of=timezone.now())["handling_days"]

    holiday = CalendarDay.objects.get(date=day(11, 3))
    client.post(f"/admin/tickets/calendarday/{holiday.pk}/delete/", {"post": "yes"})
    assert Ticket.objects.get(pk=ticket.pk).handling_working_days == 2


def test_recount_handling_days_touches_only_tickets_whose_span_meets_the_dates(cast):
    desk, d1, fin, e1 = cast.desk, cast.d1, cast.finance, cast.e1
    inside = desk.walk(
        e1, fin, d1, submitted=at(day(3, 2, 2040), 9), assigned=at(day(3, 2, 2040)), due=day(3, 30, 2040), resolved=at(day(3, 6, 2040))
    )
    before = desk.walk(
        e1, fin, d1, submitted=at(day(3, 2, 2040), 9), assigned=at(day(3, 2, 2040)), due=day(3, 30, 2040), resolved=at(day(3, 2, 2040), 17)
    )
    after = desk.walk(
        e1, fin, d1, submitted=at(day(3, 2, 2040), 9), assigned=at(day(3, 6, 2040)), due=day(3, 30, 2040), resolved=at(day(3, 8, 2040))
    )
    CalendarDay.objects.create(date=day(3, 5, 2040), is_working_day=False, name="测试假日")  # not through the admin
    # Mar 5 is in (Mar 2, Mar 6] only: one ticket recounted, 2 -> 1.
    assert reports.recount_handling_days(day(3, 5, 2040), day(3, 5, 2040)) == 1
    assert Ticket.objects.get(pk=inside.pk).handling_working_days == 1
    assert [Ticket.objects.get(pk=t.pk).handling_working_days for t in (before, after)] == [0, 2]


def test_rates_are_none_without_a_denominator(db):
    result = reports.report(start=day(9, 14), end=day(9, 30), as_of=FINAL)
    assert all(result[name] == 0 for name in reports.COUNTS)
    assert all(result[name] is None for name in RATE_NAMES)
    assert reports.format_rate(result["closure_rate"]) == "—"
    assert reports.format_rate(Fraction(2, 3)) == "66.7%"
    assert all(reports.breakdown(by, start=day(9, 14), end=day(9, 30)) == [] for by in reports.GROUPS)
    with pytest.raises(ValueError):
        reports.breakdown("priority", start=day(9, 14), end=day(9, 30))
    with pytest.raises(ValueError):
        reports.report(start=day(9, 30), end=day(9, 14))


# --------------------------------------------------------------------------------------------
# queries do not grow with the data
# --------------------------------------------------------------------------------------------


def _queries_with(cast, n):
    """Queries of report() and of each breakdown over `n` tickets of every kind (closed,
    returned and reassigned, reopened, rejected, waiting), rolled back afterwards."""
    desk = cast.desk

    class Undo(Exception):
        pass

    counts = {}
    try:
        with transaction.atomic():
            for i in range(n):
                enterprise = (cast.e1, cast.e2)[i % 2]
                category = (cast.finance, cast.hiring)[i % 2]
                kind = i % 5
                submitted = at(day(9, 14 + i % 10), 9)
                ticket = desk.submit(enterprise, category, submitted)
                if kind == 4:
                    desk.reject(ticket, submitted + datetime.timedelta(hours=1))
                    continue
                if kind == 3:
                    continue
                desk.assign(ticket, cast.d2, day(10, 16), at(day(9, 28)))
                if kind == 1:
                    desk.give_back(ticket, at(day(9, 28), 11))
                    desk.assign(ticket, cast.d1, day(10, 16), at(day(9, 28), 12))
                desk.sign(ticket, at(day(9, 29)))
                desk.resolve(ticket, at(day(9, 30)))
                if kind == 2:
                    desk.reopen(ticket, at(day(10, 8)))
                else:
                    desk.confirm(ticket, "satisfied", at(day(10, 8)))
            for path, as_of in (("timeline", FINAL), ("now", None)):
                args = dict(start=day(9, 1), end=day(9, 30), as_of=as_of)
                with CaptureQueriesContext(connection) as queries:
                    result = reports.report(**args)
                assert result["submitted"] == n
                counts[path, "report"] = len(queries)
                for by in reports.GROUPS:
                    with CaptureQueriesContext(connection) as queries:
                        reports.breakdown(by, **args)
                    counts[path, by] = len(queries)
                with CaptureQueriesContext(connection) as queries:
                    reports.department_ranking(**args)
                counts[path, "ranking"] = len(queries)
                with CaptureQueriesContext(connection) as queries:
                    reports.dashboard(**args)
                counts[path, "dashboard"] = len(queries)
            raise Undo
    except Undo:
        pass
    return counts


def test_queries_do_not_grow_with_the_number_of_tickets(cast, on_postgres):
    few, many = _queries_with(cast, 3), _queries_with(cast, 30)
    assert few == many
    # Three queries (the tickets' facts, the co assignments, the overruled returns) for the report
    # and for the month breakdown; one more for the other groups' labels. Replaying the timeline, on
    # PostgreSQL one more for each, the SET LOCAL that switches the JIT compiler off.
    jit = 1 if on_postgres else 0
    expected = {"report": 3, "department": 4, "category": 4, "district": 4, "industry": 4, "month": 3, "ranking": 4}
    # The dashboard: fifteen grouped queries and four label queries (inside the test's transaction,
    # without the statement that opens its snapshot); on PostgreSQL three grouped by GROUPING SETS
    # (one for all five breakdowns of each kind of row), the four label queries and, replaying, one SET LOCAL.
    assert few == {("timeline", name): count + jit for name, count in expected.items()} | {
        ("now", name): count for name, count in expected.items()
    } | {("timeline", "dashboard"): 3 + 4 + jit if on_postgres else 19, ("now", "dashboard"): 3 + 4 if on_postgres else 19}


# --------------------------------------------------------------------------------------------
# the stored facts can be checked and repaired
# --------------------------------------------------------------------------------------------


def test_no_ticket_disagrees_with_its_timeline_after_the_transitions(story):
    assert not reports.current_facts_disagreeing().exists()


def test_a_ticket_changed_behind_the_transitions_is_found_and_repaired(story, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    Ticket.objects.filter(pk=story.T2.pk).update(was_reopened=False)
    Ticket.objects.filter(pk=story.T3.pk).update(handling_working_days=None, latest_rating="satisfied")
    assert sorted(reports.current_facts_disagreeing().values_list("pk", flat=True)) == ids(story.T2, story.T3)

    with pytest.raises(CommandError, match="--repair"):
        call_command("report_facts")
    assert story.T2.reference in capsys.readouterr().out
    call_command("report_facts", "--repair")
    assert "Repaired 2 tickets." in capsys.readouterr().out
    assert not reports.current_facts_disagreeing().exists()
    t3 = Ticket.objects.get(pk=story.T3.pk)
    assert (t3.handling_working_days, t3.latest_rating) == (7, "")


def test_report_facts_refuses_a_period_of_no_days(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("report_facts", "--days", "0")
