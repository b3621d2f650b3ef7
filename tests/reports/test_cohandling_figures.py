"""The co-handling figures of the report (DESIGN.md §8): the first-contact rate, the co-feedback
on-time rate and the override count, on a hand-built data set with the numbers worked out by hand.

November 2026 has no holiday: Mon Nov 2 … Fri Nov 6, Mon Nov 9 … are working days. The
category's deadline profile (tests.factories): sign 1, contact 1, co-feedback 3, resolve 5
working days. So a ticket assigned on Mon Nov 2 is to be signed and first contacted by Tue Nov 3,
its co-handlers' feedback is due Thu Nov 5, its resolution Mon Nov 9. "10:00" is Asia/Shanghai.

Departments: 市发改委 (L) and 市人社局 (O) lead; 市行政审批局 (A) and 城区人民政府 (B) only co-handle.

    T1  submitted Nov 2 09:00, assigned L Nov 2 10:00 with co A and B (feedback due Nov 5).
        L signs Nov 2 11:00, first contact Nov 3 15:00 (in time). A signs Nov 3, feedback Nov 4
        (in time). B signs Nov 3, never gives feedback. L resolves Nov 6 10:00 without B's
        feedback (an override): B's co assignment ends then.
    T2  submitted Nov 2 09:30, assigned L Nov 2 10:00 with co A (feedback due Nov 5).
        L signs Nov 2 11:00, first contact Wed Nov 4 (late). A asks Nov 5 for Nov 9; approved
        Fri Nov 6 15:00 (after Nov 5 had passed); A's feedback Mon Nov 9 10:00 (in time).
    T3  category 用工招聘, submitted Nov 3 09:00, assigned O Nov 3 10:00 (due Nov 10); O signs
        11:00, never contacts. B added as co-handler Nov 4 10:00 (feedback due Mon Nov 9);
        never gives feedback.
    T4  submitted Nov 4 09:00, assigned L Nov 4 10:00 with co A (feedback due Mon Nov 9);
        not signed. Dispatch releases A on Thu Nov 5 14:00.
    T5  submitted Nov 5 09:00, rejected.
    T7  submitted Mon Nov 9 (after the period Nov 2–6), assigned L with co A, A's feedback Nov 10.
"""

import datetime
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import User
from tests.conftest import at, day
from tests.factories import CategoryFactory, EnterpriseFactory, UserFactory
from tests.reports.dashboard_check import assert_dashboard_is_its_breakdowns
from tickets import reports, services, workdays
from tickets.models import Assignment, Ticket

PERIOD = dict(start=day(11, 2), end=day(11, 6))
FINAL = at(day(11, 20))  # after everything below
NEW_COUNTS = ("contact_assignments", "contacted_on_time", "co_due", "co_on_time", "overrides")


def figures(result, *names):
    return {name: result[name] for name in names}


def ids(*tickets):
    return sorted(ticket.pk for ticket in tickets)


@pytest.fixture
def cast(
    department, other_department, co_department, second_co_department, department_user, other_department_user,
    co_department_user, second_co_department_user, category, dispatcher,
):  # fmt: skip
    company = UserFactory(username="company_co", role=User.Role.COMPANY, enterprise=EnterpriseFactory(name="晋城市凤凰机械有限公司"))
    return SimpleNamespace(
        L=department, O=other_department, A=co_department, B=second_co_department,
        staff={department.pk: department_user, other_department.pk: other_department_user,
               co_department.pk: co_department_user, second_co_department.pk: second_co_department_user},
        dispatcher=dispatcher, company=company, finance=category,
        hiring=CategoryFactory(name="用工招聘", default_department=other_department),
    )  # fmt: skip


class Desk:
    """The actions of the story through tickets.services, each at its moment."""

    def __init__(self, cast):
        self.c = cast

    def submit(self, when, category=None):
        c = self.c
        return services.ticket_submit(
            by=c.company, enterprise=c.company.enterprise, category=category or c.finance, title="项目审批迟迟没有结果",
            description="请协调解决。", priority="normal", at=when,
        )  # fmt: skip

    def assign(self, ticket, lead, when, co=()):
        return services.ticket_assign(ticket=ticket, by=self.c.dispatcher, department=lead, co_departments=list(co), at=when)

    def sign(self, ticket, when):
        return services.ticket_sign(ticket=ticket, by=self.c.staff[ticket.department_id], at=when)

    def contact(self, ticket, when):
        return services.ticket_contact(ticket=ticket, by=self.c.staff[ticket.department_id], method="phone", note="电话沟通", at=when)

    def co_sign(self, ticket, co, when):
        return services.assignment_co_sign(ticket=ticket, by=self.c.staff[co.pk], at=when)

    def co_feedback(self, ticket, co, when):
        return services.assignment_co_feedback(ticket=ticket, by=self.c.staff[co.pk], text="本部门意见：符合条件。", at=when)

    def resolve(self, ticket, when, override=""):
        return services.ticket_resolve(
            outcome="solved", ticket=ticket, by=self.c.staff[ticket.department_id], result="已协调解决。", override_reason=override, at=when
        )


def co_of(ticket, department):
    return Assignment.objects.get(ticket=ticket, department=department, role="co")


@pytest.fixture
def story(cast):
    c, desk, t = cast, Desk(cast), SimpleNamespace()

    t.T1 = desk.assign(desk.submit(at(day(11, 2), 9)), c.L, at(day(11, 2)), co=[c.A, c.B])
    desk.sign(t.T1, at(day(11, 2), 11))
    desk.contact(t.T1, at(day(11, 3), 15))
    desk.co_sign(t.T1, c.A, at(day(11, 3)))
    desk.co_feedback(t.T1, c.A, at(day(11, 4)))
    desk.co_sign(t.T1, c.B, at(day(11, 3)))

    t.T2 = desk.assign(desk.submit(at(day(11, 2), 9, 30)), c.L, at(day(11, 2)), co=[c.A])
    desk.sign(t.T2, at(day(11, 2), 11))
    desk.contact(t.T2, at(day(11, 4)))
    desk.co_sign(t.T2, c.A, at(day(11, 3)))
    request = services.extension_request(
        ticket=t.T2, by=c.staff[c.A.pk], requested_due_date=day(11, 9), reason="需调取档案", at=at(day(11, 5))
    )

    t.T3 = desk.assign(desk.submit(at(day(11, 3), 9), category=c.hiring), c.O, at(day(11, 3)))
    desk.sign(t.T3, at(day(11, 3), 11))
    services.ticket_add_co_department(ticket=t.T3, by=c.dispatcher, department=c.B, at=at(day(11, 4)))

    t.T4 = desk.assign(desk.submit(at(day(11, 4), 9)), c.L, at(day(11, 4)), co=[c.A])
    services.assignment_end(assignment=co_of(t.T4, c.A), by=c.dispatcher, reason="不涉及本部门职责", at=at(day(11, 5), 14))

    t.T5 = desk.submit(at(day(11, 5), 9))
    services.ticket_reject(ticket=t.T5, by=c.dispatcher, reason="重复诉求", at=at(day(11, 5), 10))

    desk.resolve(t.T1, at(day(11, 6)), override="城区意见迟迟未到，企业急需办结")
    services.extension_decide(request=request, by=c.dispatcher, approve=True, at=at(day(11, 6), 15))
    desk.co_feedback(t.T2, c.A, at(day(11, 9)))

    t.T7 = desk.assign(desk.submit(at(day(11, 9), 9)), c.L, at(day(11, 9)), co=[c.A])
    desk.co_sign(t.T7, c.A, at(day(11, 9), 11))
    desk.co_feedback(t.T7, c.A, at(day(11, 10)))
    return t


def by_label(rows):
    return {row["label"]: row for row in rows}


# --------------------------------------------------------------------------------------------
# the data set is what the docstring says
# --------------------------------------------------------------------------------------------


def test_the_deadlines_of_the_story_are_as_worked_out(story, cast):
    assert all(workdays.is_working_day(day(11, d)) for d in (2, 3, 4, 5, 6, 9, 10))
    lead = Assignment.objects.get(ticket=story.T1, role="lead")
    assert (lead.response_due_date, lead.contact_due_date, lead.due_date) == (day(11, 3), day(11, 3), day(11, 9))
    assert co_of(story.T1, cast.A).first_due_date == co_of(story.T1, cast.B).first_due_date == day(11, 5)
    assert (co_of(story.T2, cast.A).first_due_date, co_of(story.T2, cast.A).due_date) == (day(11, 5), day(11, 9))
    assert co_of(story.T3, cast.B).due_date == day(11, 9) and co_of(story.T4, cast.A).due_date == day(11, 9)
    assert co_of(story.T1, cast.B).end_reason == "resolved" and co_of(story.T4, cast.A).end_reason == "released"


# --------------------------------------------------------------------------------------------
# the first-contact rate
# --------------------------------------------------------------------------------------------


def test_contact_rate_counts_first_contacts_by_the_contact_deadline(story):
    result = reports.report(**PERIOD)
    # Lead assignments with a contact deadline: T1, T2, T4 (L), T3 (O); T5 rejected. In time: T1
    # (Nov 3 <= Nov 3); T2's (Nov 4) is late, T3 and T4 none.
    assert figures(result, "contact_assignments", "contacted_on_time", "contact_rate") == {
        "contact_assignments": 4, "contacted_on_time": 1, "contact_rate": Fraction(1, 4),
    }  # fmt: skip


def test_contact_rate_replayed_before_the_first_contact(story):
    # Nov 3 12:00: T1 T2 T3 assigned (T4 not yet submitted), nobody contacted yet.
    noon = reports.report(**PERIOD, as_of=at(day(11, 3), 12))
    assert figures(noon, "contact_assignments", "contacted_on_time") == {"contact_assignments": 3, "contacted_on_time": 0}
    evening = reports.report(**PERIOD, as_of=at(day(11, 3), 18))
    assert figures(evening, "contacted_on_time", "contact_rate") == {"contacted_on_time": 1, "contact_rate": Fraction(1, 3)}


def test_contact_rate_leaves_out_lead_assignments_made_without_a_contact_deadline(story):
    # An assignment from before the contact deadline existed (a migrated one) has none.
    Assignment.objects.filter(ticket=story.T4, role="lead").update(contact_due_date=None)
    assert reports.report(**PERIOD, as_of=FINAL)["contact_assignments"] == 3


# --------------------------------------------------------------------------------------------
# the co-feedback on-time rate
# --------------------------------------------------------------------------------------------


def test_co_feedback_rate_counts_co_assignments_that_gave_feedback_ended_or_are_due(story):
    result = reports.report(**PERIOD)
    # Due: T1-A (feedback), T1-B (ended at the override), T2-A (feedback), T3-B (due Nov 9, past),
    # T4-A (released). In time: T1-A, T2-A. T7 is outside the period.
    assert figures(result, "co_due", "co_on_time", "co_feedback_rate") == {"co_due": 5, "co_on_time": 2, "co_feedback_rate": Fraction(2, 5)}


def test_co_feedback_rate_replayed_before_the_co_due_dates_passed(story):
    # Thu Nov 5 12:00: only T1-A has given feedback; every other one is due Nov 5 or later, and
    # T4-A is released only at 14:00.
    result = reports.report(**PERIOD, as_of=at(day(11, 5), 12))
    assert figures(result, "co_due", "co_on_time", "co_feedback_rate") == {"co_due": 1, "co_on_time": 1, "co_feedback_rate": Fraction(1)}


def test_co_due_date_in_force_at_as_of_follows_the_approved_co_extension(story, cast):
    # Fri Nov 6 09:00: T1-B and T2-A were due Nov 5 without feedback; T4-A had been released.
    morning = reports.report(**PERIOD, as_of=at(day(11, 6), 9))
    assert figures(morning, "co_due", "co_on_time") == {"co_due": 4, "co_on_time": 1}
    assert reports.ticket_ids_for("co_due", **PERIOD, as_of=at(day(11, 6), 9)) == ids(story.T1, story.T2, story.T4)
    # 18:00: T2-A's extension to Nov 9 was approved at 15:00: no longer due.
    evening = reports.report(**PERIOD, as_of=at(day(11, 6), 18))
    assert figures(evening, "co_due", "co_on_time") == {"co_due": 3, "co_on_time": 1}
    assert not reports.assignments_for("co_due", **PERIOD, as_of=at(day(11, 6), 18)).filter(ticket=story.T2).exists()


# --------------------------------------------------------------------------------------------
# overrides
# --------------------------------------------------------------------------------------------


def test_override_count_counts_resolutions_without_every_co_handlers_feedback(story):
    assert reports.report(**PERIOD)["overrides"] == 1  # T1
    assert reports.ticket_ids_for("overrides", **PERIOD) == ids(story.T1)


def test_override_count_replayed_before_the_resolve(story):
    assert reports.report(**PERIOD, as_of=at(day(11, 6), 9))["overrides"] == 0
    assert reports.report(**PERIOD, as_of=at(day(11, 6), 11))["overrides"] == 1


# --------------------------------------------------------------------------------------------
# the two paths agree; the stored columns
# --------------------------------------------------------------------------------------------


def test_now_and_the_replay_at_now_give_the_same_new_figures(story, cast):
    now = timezone.now()
    for scope in ({}, {"department": cast.L}, {"department": cast.A}, {"category": cast.hiring}):
        assert figures(reports.report(**PERIOD, **scope), *reports.COUNTS) == figures(
            reports.report(**PERIOD, **scope, as_of=now), *reports.COUNTS
        ), scope
        for figure in reports.COUNTS:
            assert reports.ticket_ids_for(figure, **PERIOD, **scope) == reports.ticket_ids_for(figure, **PERIOD, **scope, as_of=now)
    for by in reports.GROUPS:
        current = {row["key"]: figures(row, *reports.COUNTS) for row in reports.breakdown(by, **PERIOD)}
        replayed = {row["key"]: figures(row, *reports.COUNTS) for row in reports.breakdown(by, **PERIOD, as_of=now)}
        assert current == replayed, by
    for figure in reports.LISTED_ASSIGNMENTS:
        current = sorted(reports.assignments_for(figure, **PERIOD).values_list("pk", flat=True))
        assert current == sorted(reports.assignments_for(figure, **PERIOD, as_of=now).values_list("pk", flat=True)), figure


def test_no_ticket_disagrees_with_its_timeline(story):
    assert not reports.current_facts_disagreeing().exists()


def test_store_current_facts_rebuilds_the_contact_and_override_columns(story):
    columns = ("lead_assignments", "contacts_on_time", "resolve_overrides")
    kept = list(Ticket.objects.order_by("pk").values_list("pk", *columns))
    Ticket.objects.update(lead_assignments=0, contacts_on_time=0, resolve_overrides=0)
    assert sorted(reports.current_facts_disagreeing().values_list("pk", flat=True)) == ids(story.T1, story.T2, story.T3, story.T4, story.T7)
    reports.store_current_facts()
    assert list(Ticket.objects.order_by("pk").values_list("pk", *columns)) == kept
    assert Ticket.objects.filter(pk=story.T1.pk).values_list(*columns).get() == (1, 1, 1)


# --------------------------------------------------------------------------------------------
# breakdowns
# --------------------------------------------------------------------------------------------


def test_department_breakdown_credits_co_departments_with_their_co_assignments(story):
    rows = by_label(reports.breakdown("department", **PERIOD))
    co_columns = ("co_due", "co_on_time", "co_feedback_rate")
    # A: T1-A, T2-A in time, T4-A released -> 2/3; B: T1-B ended, T3-B late -> 0/2.
    assert figures(rows["市行政审批局"], *co_columns) == {"co_due": 3, "co_on_time": 2, "co_feedback_rate": Fraction(2, 3)}
    assert figures(rows["城区人民政府"], *co_columns) == {"co_due": 2, "co_on_time": 0, "co_feedback_rate": Fraction(0)}
    # The leads are credited with their contacts and overrides, not with their co-handlers' feedback.
    assert figures(rows["市发改委"], "contact_assignments", "contacted_on_time", "overrides", "co_due") == {
        "contact_assignments": 3, "contacted_on_time": 1, "overrides": 1, "co_due": 0,
    }  # fmt: skip
    assert figures(rows["市人社局"], "contact_assignments", "contacted_on_time", "co_due") == {
        "contact_assignments": 1, "contacted_on_time": 0, "co_due": 0,
    }  # fmt: skip


def test_a_department_that_only_co_handled_is_a_row_with_no_tickets_of_its_own(story):
    row = by_label(reports.breakdown("department", **PERIOD))["市行政审批局"]
    assert all(row[name] == 0 for name in reports.COUNTS if name not in reports.ASSIGNMENT_COUNTS)
    assert row["closure_rate"] is None


def test_departments_that_only_co_handled_are_listed_apart_from_the_ranking(story):
    data = reports.dashboard(**PERIOD)
    assert [row["label"] for row in data["ranking"]] == [row["label"] for row in reports.department_ranking(**PERIOD)]
    assert {row["label"] for row in data["ranking"]} == {"市发改委", "市人社局"}
    assert sorted(row["label"] for row in data["co_handling_only"]) == sorted(["市行政审批局", "城区人民政府"])


def test_department_filter_gives_the_co_departments_row(story, cast):
    row = by_label(reports.breakdown("department", **PERIOD, as_of=FINAL))["市行政审批局"]
    alone = reports.report(**PERIOD, as_of=FINAL, department=cast.A)
    assert figures(alone, *reports.COUNTS, "co_feedback_rate") == figures(row, *reports.COUNTS, "co_feedback_rate")


def test_other_breakdowns_group_co_assignments_by_their_ticket(story):
    rows = by_label(reports.breakdown("category", **PERIOD))
    # 融资信贷: T1-A, T1-B, T2-A, T4-A (2 in time); 用工招聘: T3-B.
    assert figures(rows["融资信贷"], "co_due", "co_on_time", "overrides") == {"co_due": 4, "co_on_time": 2, "overrides": 1}
    hiring = figures(rows["用工招聘"], "co_due", "co_on_time", "contact_assignments")
    assert hiring == {"co_due": 1, "co_on_time": 0, "contact_assignments": 1}
    [month] = reports.breakdown("month", **PERIOD)
    assert figures(month, "co_due", "co_on_time") == {"co_due": 5, "co_on_time": 2}


@pytest.mark.parametrize("by", reports.GROUPS)
@pytest.mark.parametrize("as_of", [None, at(day(11, 6), 9), at(day(11, 5), 12)], ids=["now", "nov6", "nov5"])
def test_breakdowns_sum_to_the_report(story, by, as_of):
    args = dict(start=day(11, 1), end=day(11, 30), as_of=as_of)
    total = reports.report(**args)
    rows = reports.breakdown(by, **args)
    for figure in NEW_COUNTS:
        assert sum(row[figure] for row in rows) == total[figure], figure


def test_the_dashboard_totals_are_the_report(story):
    data = reports.dashboard(**PERIOD)
    names = (*NEW_COUNTS, "contact_rate", "co_feedback_rate")
    assert figures(data["figures"], *names) == figures(reports.report(**PERIOD), *names)


@pytest.mark.parametrize("as_of", [None, FINAL, at(day(11, 5), 12)], ids=["now", "final", "nov5"])
def test_the_dashboard_is_exactly_the_report_its_ranking_and_its_breakdowns(story, as_of):
    assert_dashboard_is_its_breakdowns(**PERIOD, as_of=as_of)


@pytest.mark.parametrize("as_of", [None, FINAL], ids=["now", "final"])
@pytest.mark.parametrize("scope", ["lead", "co-handler", "category", "district"])
def test_the_filtered_dashboard_is_exactly_the_filtered_breakdowns(story, cast, scope, as_of):
    enterprise = story.T1.enterprise
    filters = {
        "lead": {"department": cast.L},
        "co-handler": {"department": cast.A},
        "category": {"category": cast.hiring},
        "district": {"district": enterprise.district, "industry": enterprise.industry},
    }[scope]
    assert_dashboard_is_its_breakdowns(**PERIOD, as_of=as_of, **filters)


@pytest.mark.postgres
def test_on_postgresql_the_dashboard_scans_the_tickets_the_co_assignments_and_the_returns_once(story):
    statements = assert_dashboard_is_its_breakdowns(**PERIOD)
    # Inside the test's transaction (no snapshot to open): one GROUP BY GROUPING SETS query each
    # for the tickets' facts, the co assignments and the overruled returns, and the four label
    # queries; one grouped query per breakdown would be fifteen.
    assert len(statements) == 3 + 4
    assert [statement.count("GROUPING SETS") for statement in statements[:3]] == [1, 1, 1]
    assert all(" GROUPING(" in statement for statement in statements[:3])
    assert [statement.split(" FROM ")[1].split()[0] for statement in statements[:3]] == [
        '"tickets_ticket"', '"tickets_assignment"', '"tickets_returnrequest"',
    ]  # fmt: skip


def test_a_ticket_submitted_after_the_period_is_not_counted(story):
    assert story.T7.pk not in reports.ticket_ids_for("co_on_time", **PERIOD)
    november = reports.report(start=day(11, 1), end=day(11, 30))
    assert figures(november, "co_due", "co_on_time", "contact_assignments") == {"co_due": 6, "co_on_time": 3, "contact_assignments": 5}


# --------------------------------------------------------------------------------------------
# every number links to its list
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [None, FINAL, at(day(11, 6), 9)], ids=["now", "final", "nov6"])
def test_the_assignments_behind_each_new_count_are_as_many_as_it_counts(story, as_of):
    result = reports.report(**PERIOD, as_of=as_of)
    for figure in ("contact_assignments", "contacted_on_time", "co_due", "co_on_time"):
        assert reports.assignments_for(figure, **PERIOD, as_of=as_of).count() == result[figure], figure


def test_the_assignments_and_tickets_behind_the_co_figures(story, cast):
    due = reports.assignments_for("co_due", **PERIOD)
    assert sorted(due.values_list("ticket_id", "department__name")) == sorted([
        (story.T1.pk, "市行政审批局"), (story.T1.pk, "城区人民政府"), (story.T2.pk, "市行政审批局"),
        (story.T3.pk, "城区人民政府"), (story.T4.pk, "市行政审批局"),
    ])  # fmt: skip
    assert sorted(reports.assignments_for("co_on_time", **PERIOD).values_list("ticket_id", flat=True)) == ids(story.T1, story.T2)
    assert reports.ticket_ids_for("co_due", **PERIOD, department=cast.B) == ids(story.T1, story.T3)
    assert list(reports.assignments_for("contacted_on_time", **PERIOD).values_list("ticket_id", flat=True)) == [story.T1.pk]
    assert reports.ticket_ids_for("contact_assignments", **PERIOD) == ids(story.T1, story.T2, story.T3, story.T4)
    with pytest.raises(ValueError):
        reports.assignments_for("overrides", **PERIOD)


# --------------------------------------------------------------------------------------------
# queries do not grow with the data
# --------------------------------------------------------------------------------------------


def _queries_with(cast, n):
    """Queries of report(), each breakdown and the dashboard over `n` co-handled tickets, both
    paths, rolled back afterwards."""
    desk = Desk(cast)

    class Undo(Exception):
        pass

    counts = {}
    try:
        with transaction.atomic():
            for i in range(n):
                category = (cast.finance, cast.hiring)[i % 2]
                lead = (cast.L, cast.O)[i % 2]
                ticket = desk.assign(desk.submit(at(day(11, 2), 9), category=category), lead, at(day(11, 2)), co=[cast.A])
                desk.sign(ticket, at(day(11, 2), 11))
                desk.contact(ticket, at(day(11, 3)))
                if i % 3:
                    desk.co_sign(ticket, cast.A, at(day(11, 3)))
                    desk.co_feedback(ticket, cast.A, at(day(11, 4)))
                    desk.resolve(ticket, at(day(11, 5)))
                else:
                    desk.resolve(ticket, at(day(11, 5)), override="急需办结")
            for path, as_of in (("timeline", FINAL), ("now", None)):
                args = dict(**PERIOD, as_of=as_of)
                with CaptureQueriesContext(connection) as queries:
                    assert reports.report(**args)["co_due"] == n
                counts[path, "report"] = len(queries)
                for by in reports.GROUPS:
                    with CaptureQueriesContext(connection) as queries:
                        reports.breakdown(by, **args)
                    counts[path, by] = len(queries)
                with CaptureQueriesContext(connection) as queries:
                    reports.dashboard(**args)
                counts[path, "dashboard"] = len(queries)
            raise Undo
    except Undo:
        pass
    return counts


def test_queries_do_not_grow_with_the_number_of_co_assignments(cast, on_postgres):
    few, many = _queries_with(cast, 2), _queries_with(cast, 12)
    assert few == many
    jit = 1 if on_postgres else 0
    # Three queries (the tickets' facts, the co assignments, the overruled returns), one more for
    # the labels but by month. The dashboard on PostgreSQL: the three, each grouped by GROUPING
    # SETS, four label queries and, replaying, one SET LOCAL.
    expected = {"report": 3, "department": 4, "category": 4, "district": 4, "industry": 4, "month": 3}
    assert few == {("timeline", name): count + jit for name, count in expected.items()} | {
        ("now", name): count for name, count in expected.items()
    } | {("timeline", "dashboard"): 3 + 4 + jit if on_postgres else 19, ("now", "dashboard"): 3 + 4 if on_postgres else 19}


def test_the_stored_columns_count_what_the_transitions_did(story):
    t1, t2 = (Ticket.objects.get(pk=t.pk) for t in (story.T1, story.T2))
    assert (t1.lead_assignments, t1.contacts_on_time, t1.resolve_overrides) == (1, 1, 1)
    assert (t2.lead_assignments, t2.contacts_on_time, t2.resolve_overrides) == (1, 0, 0)
    assert datetime.date(2026, 11, 3) == timezone.localdate(t1.contacted_at)
