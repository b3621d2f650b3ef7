"""The return figures of the report (DESIGN.md §9) on a hand-built data set, the numbers worked
out by hand: the return rate counts tickets with an upheld return (a return_to_dispatch that
happened; a direct return from before §9 counts as upheld), and **overruled returns** (无效退单)
are counted per request, credited to the department that asked. The stored-facts path (now)
and the timeline path (a past as_of) are held to each other and to these numbers.

November 2026 has no holiday: Mon Nov 2 … Fri Nov 6, Mon Nov 9 … are working days; the return
window is 2 working days (until Wed Nov 4 for an assignment of Mon Nov 2). "10:00" is Asia/Shanghai.

Departments: 市发改委 (L), 市人社局 (O) lead; 市行政审批局 (A) only co-handles.

    T1  submitted Nov 2 09:00, assigned L Nov 2 10:00. L asks Nov 3 10:00, overruled Nov 3 15:00;
        L asks again Nov 4 10:00, overruled Nov 4 16:00.                  L: 2 overruled
    T2  submitted Nov 2 09:00, assigned L Nov 2 10:00 with co A. A asks to be released Nov 3 11:00,
        overruled Nov 3 16:00 (A: 1 overruled, though A never holds T2). L asks Nov 3 12:00,
        upheld Nov 4 10:00 (T2 returned); assigned O Nov 5 10:00.
    T3  submitted Nov 2 09:00, assigned O Nov 2 10:00. O asks Nov 3 10:00; never ruled (pending,
        not counted).
    T4  submitted Nov 2 09:00, assigned O Nov 2 10:00. O asks Nov 2 15:00, overruled Mon Nov 9
        10:00.                                                            O: 1 overruled (from Nov 9)
    T5  submitted Nov 2 09:00, assigned L Nov 2 10:00, returned by dispatch directly Nov 3 10:00
        (as returns were recorded before §9: no request): returned, upheld.

At FINAL (and now): accepted 5; returned 2 (T2, T5): return rate 2/5; overruled returns 4 (L 2, A 1,
O 1). By department (the holder for the ticket figures): L holds T1, last held T5; O holds T2,
T3, T4: returned L 1 (T5), O 1 (T2); overruled returns L 2, O 1, A 1 (a row of its own).
At Nov 3 23:59: returned 1 (T5); overruled 2 (T1's first, A's). At Nov 6 23:59: returned 2,
overruled 3 (T4's only on Nov 9).
"""

from fractions import Fraction

import pytest

from enterprises.models import User
from tests.conftest import at, day
from tests.factories import EnterpriseFactory, UserFactory
from tests.reports.dashboard_check import assert_dashboard_is_its_breakdowns
from tickets import reports, services
from tickets.models import ReturnRequest

pytestmark = pytest.mark.django_db

PERIOD = dict(start=day(11, 2), end=day(11, 6))
FINAL = at(day(11, 20))


def ids(*tickets):
    return sorted(ticket.pk for ticket in tickets)


@pytest.fixture
def story(department, other_department, co_department, department_user, other_department_user, co_department_user, category, dispatcher):
    company = UserFactory(username="company_rr", role=User.Role.COMPANY, enterprise=EnterpriseFactory(name="晋城市凤凰机械有限公司"))

    def submitted():
        return services.ticket_submit(
            by=company,
            enterprise=company.enterprise,
            category=category,
            title="诉求",
            description="……",
            priority="normal",
            at=at(day(11, 2), 9),
        )

    def assign(ticket, to, co=()):
        return services.ticket_assign(ticket=ticket, by=dispatcher, department=to, co_departments=co, at=at(day(11, 2), 10))

    def ask(ticket, by, when):
        return services.return_request_file(ticket=ticket, by=by, reason="不属于本部门职责", at=when)

    def overrule(request, when):
        services.return_request_decide(request=request, by=dispatcher, uphold=False, reason="请继续办理", at=when)

    t1, t2, t3, t4, t5 = (submitted() for _ in range(5))
    assign(t1, department)
    overrule(ask(t1, department_user, at(day(11, 3), 10)), at(day(11, 3), 15))
    overrule(ask(t1, department_user, at(day(11, 4), 10)), at(day(11, 4), 16))
    assign(t2, department, co=[co_department])
    overrule(ask(t2, co_department_user, at(day(11, 3), 11)), at(day(11, 3), 16))
    lead_asks = ask(t2, department_user, at(day(11, 3), 12))
    services.return_request_decide(request=lead_asks, by=dispatcher, uphold=True, at=at(day(11, 4), 10))
    services.ticket_assign(ticket=t2, by=dispatcher, department=other_department, at=at(day(11, 5), 10))
    assign(t3, other_department)
    ask(t3, other_department_user, at(day(11, 3), 10))
    assign(t4, other_department)
    overrule(ask(t4, other_department_user, at(day(11, 2), 15)), at(day(11, 9), 10))
    assign(t5, department)
    services.ticket_return(ticket=t5, by=dispatcher, reason="不属于本部门职责", at=at(day(11, 3), 10))
    return type("Story", (), {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5, "L": department, "O": other_department, "A": co_department})


def return_figures(result):
    return {name: result[name] for name in ("accepted", "returned", "return_rate", "overruled_returns")}


@pytest.mark.parametrize("as_of", [None, FINAL], ids=["now", "timeline"])
def test_the_return_rate_counts_upheld_returns_and_overruled_returns_are_counted_apart(story, as_of):
    assert return_figures(reports.report(**PERIOD, as_of=as_of)) == {
        "accepted": 5, "returned": 2, "return_rate": Fraction(2, 5), "overruled_returns": 4,
    }  # fmt: skip


@pytest.mark.parametrize("as_of", [None, FINAL], ids=["now", "timeline"])
def test_overruled_returns_are_credited_to_the_department_that_asked(story, as_of):
    rows = {row["key"]: row for row in reports.breakdown("department", **PERIOD, as_of=as_of)}
    assert {key: rows[key]["overruled_returns"] for key in (story.L.pk, story.O.pk, story.A.pk)} == {
        story.L.pk: 2, story.O.pk: 1, story.A.pk: 1,
    }  # fmt: skip
    assert (rows[story.L.pk]["returned"], rows[story.O.pk]["returned"], rows[story.A.pk]["returned"]) == (1, 1, 0)
    assert reports.report(**PERIOD, as_of=as_of, department=story.A)["overruled_returns"] == 1


@pytest.mark.parametrize(
    ("as_of", "returned", "overruled"), [(day(11, 3), 1, 2), (day(11, 6), 2, 3), (FINAL, 2, 4)], ids=["nov3", "nov6", "final"]
)
def test_the_timeline_gives_the_figures_as_they_were(story, as_of, returned, overruled):
    result = reports.report(**PERIOD, as_of=as_of)
    assert (result["returned"], result["overruled_returns"]) == (returned, overruled)


def test_the_stored_facts_and_the_timeline_agree_in_every_breakdown(story):
    for by in reports.GROUPS:
        now = {row["key"]: row["overruled_returns"] for row in reports.breakdown(by, **PERIOD)}
        then = {row["key"]: row["overruled_returns"] for row in reports.breakdown(by, **PERIOD, as_of=FINAL)}
        assert now == then, by
        assert sum(now.values()) == 4


def test_the_tickets_behind_the_overruled_returns(story):
    assert reports.ticket_ids_for("overruled_returns", **PERIOD) == ids(story.T1, story.T2, story.T4)
    assert reports.ticket_ids_for("overruled_returns", **PERIOD, as_of=FINAL) == ids(story.T1, story.T2, story.T4)


def test_the_dashboard_totals_agree_with_the_report(story):
    data = reports.dashboard(**PERIOD)
    assert data["figures"]["overruled_returns"] == 4
    ranked = {row["key"]: row["overruled_returns"] for row in data["ranking"]}
    assert ranked == {story.L.pk: 2, story.O.pk: 1}
    assert [row["overruled_returns"] for row in data["co_handling_only"]] == [1]  # 市行政审批局


def test_a_pending_request_is_not_counted(story):
    assert ReturnRequest.objects.filter(ticket=story.T3).get().state == "pending"
    assert reports.report(**PERIOD, department=story.O)["overruled_returns"] == 1  # T4's only


@pytest.mark.parametrize("as_of", [None, FINAL], ids=["now", "final"])
def test_the_dashboard_is_exactly_the_report_its_ranking_and_its_breakdowns(story, as_of):
    assert_dashboard_is_its_breakdowns(**PERIOD, as_of=as_of)
