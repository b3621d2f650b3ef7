"""The figures of DESIGN.md §9 on a hand-computed data set, both paths (stored facts now, the
timeline for a past as_of): solved rate (解决率) = tickets whose latest resolution is `solved` /
tickets resolved at least once; the satisfaction rate leaves out a 不满意 whose review was upheld
(评价复核), only while that rating is the latest, and only from the moment it was upheld.

November 2026, department 市发改委, every ticket submitted 11-02 and assigned, signed, resolved
on 11-05 (outcome as said):

    A  solved; confirmed 满意 11-06
    B  explained; reopened 11-06 (不满意); resolved again 11-09 solved
    C  not_feasible (review date 11-30)
    D  solved; reopened 11-06; review asked 11-07, upheld 11-10
    E  solved; reopened 11-06; review asked 11-07, refused 11-10
    G  solved; reopened 11-06; review asked and upheld 11-07; resolved again 11-09; confirmed 满意 11-11
    H  assigned, never resolved

                    resolved  solved            rated (latest, minus upheld)   satisfied
    as of 11-08     6         A D E G = 4       A B D E = 4 (G upheld)          A = 1
    as of 11-10     6         A B D E G = 5     A B E = 3 (D, G upheld)         A = 1
    now             6         5                 A B E G = 4 (G's new rating)    A G = 2
"""

import io
from fractions import Fraction

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import api_as, at, day
from tests.reports.dashboard_check import assert_dashboard_is_its_breakdowns
from tickets import reports, services

pytestmark = pytest.mark.django_db

PERIOD = {"start": day(11, 1), "end": day(11, 30)}
AS_OF_8, AS_OF_10 = day(11, 8), day(11, 10)


@pytest.fixture
def story(submit, dispatcher, department, department_user, company_user, supervisor):
    def ticket(name, outcome=None, **resolve):
        t = services.ticket_assign(
            ticket=submit(title=name, at=at(day(11, 2))), by=dispatcher, department=department, at=at(day(11, 2), 11)
        )
        services.ticket_sign(ticket=t, by=department_user, at=at(day(11, 3)))
        if outcome:
            t = services.ticket_resolve(ticket=t, by=department_user, result="办理结果", outcome=outcome, at=at(day(11, 5)), **resolve)
        return t

    def reopen(t):
        return services.ticket_reopen(ticket=t, by=company_user, comment="不满意", at=at(day(11, 6)))

    def review(t, on, uphold, decided_on):
        r = services.rating_review_request(ticket=t, by=department_user, reason="非本部门责任", at=at(on, 9))
        note = "" if uphold else "评价成立"
        services.rating_review_decide(review=r, by=supervisor, uphold=uphold, note=note, at=at(decided_on, 15))

    def again(t, on):
        return services.ticket_resolve(ticket=t, by=department_user, result="再次办理", outcome="solved", at=at(on))

    a = ticket("A", "solved")
    services.ticket_confirm(ticket=a, by=company_user, rating="satisfied", at=at(day(11, 6)))
    again(reopen(ticket("B", "explained")), day(11, 9))
    ticket("C", "not_feasible", condition="待政策出台", review_date=day(11, 30))
    review(reopen(ticket("D", "solved")), day(11, 7), True, day(11, 10))
    review(reopen(ticket("E", "solved")), day(11, 7), False, day(11, 10))
    g = reopen(ticket("G", "solved"))
    review(g, day(11, 7), True, day(11, 7))
    g = again(g, day(11, 9))
    services.ticket_confirm(ticket=g, by=company_user, rating="satisfied", at=at(day(11, 11)))
    ticket("H")


def figures(as_of=None):
    result = reports.report(**PERIOD, as_of=as_of)
    return {name: result[name] for name in ("resolved", "solved", "rated", "satisfied", "solved_rate", "satisfaction_rate")}


def test_as_of_the_8th_the_explained_and_not_feasible_are_not_solved_and_an_upheld_review_has_left_the_rate(story):
    assert figures(AS_OF_8) == {
        "resolved": 6, "solved": 4, "rated": 4, "satisfied": 1, "solved_rate": Fraction(4, 6), "satisfaction_rate": Fraction(1, 4),
    }  # fmt: skip


def test_as_of_the_10th_the_latest_resolution_counts_and_the_second_upheld_review_leaves_the_rate(story):
    assert figures(AS_OF_10) == {
        "resolved": 6, "solved": 5, "rated": 3, "satisfied": 1, "solved_rate": Fraction(5, 6), "satisfaction_rate": Fraction(1, 3),
    }  # fmt: skip


def test_now_a_new_rating_after_an_upheld_review_counts_again(story):
    assert figures() == {
        "resolved": 6, "solved": 5, "rated": 4, "satisfied": 2, "solved_rate": Fraction(5, 6), "satisfaction_rate": Fraction(1, 2),
    }  # fmt: skip


def test_the_timeline_replayed_now_agrees_with_the_stored_facts(story):
    assert figures(as_of=day(12, 31)) == figures()
    assert not reports.current_facts_disagreeing().exists()


def test_the_tickets_behind_the_solved_count(story):
    titles = sorted(reports.tickets_for("solved", **PERIOD, as_of=AS_OF_8).values_list("title", flat=True))
    assert titles == ["A", "D", "E", "G"]
    assert sorted(reports.tickets_for("solved", **PERIOD).values_list("title", flat=True)) == ["A", "B", "D", "E", "G"]


def test_the_upheld_ratings_stay_out_of_rated_in_the_list_of_tickets_too(story):
    assert sorted(reports.tickets_for("rated", **PERIOD, as_of=AS_OF_10).values_list("title", flat=True)) == ["A", "B", "E"]


def test_the_department_breakdown_and_ranking_carry_the_figures(story, department):
    [row] = [r for r in reports.breakdown("department", **PERIOD, as_of=AS_OF_10) if r["key"] == department.pk]
    assert (row["solved_rate"], row["satisfaction_rate"]) == (Fraction(5, 6), Fraction(1, 3))
    [ranked] = reports.department_ranking(**PERIOD)
    assert (ranked["solved_rate"], ranked["satisfaction_rate"]) == (Fraction(5, 6), Fraction(1, 2))


def test_store_current_facts_rebuilds_the_outcome_and_the_upheld_review_from_the_timeline(story):
    from tickets.models import Ticket

    Ticket.objects.update(outcome="", rating_review_upheld=False)
    assert reports.current_facts_disagreeing().exists()
    reports.store_current_facts()
    assert not reports.current_facts_disagreeing().exists()
    assert figures() == figures(as_of=day(12, 31))


def test_a_resolve_event_from_before_outcomes_counts_as_solved(submit, dispatcher, department, department_user):
    from tickets.models import EventKind, TicketEvent

    t = services.ticket_assign(ticket=submit(title="旧", at=at(day(11, 2))), by=dispatcher, department=department, at=at(day(11, 2), 11))
    services.ticket_sign(ticket=t, by=department_user, at=at(day(11, 3)))
    # A resolve event recorded before outcomes existed: no data["outcome"].
    TicketEvent.objects.create(
        ticket=t, actor=department_user, kind=EventKind.RESOLVE, from_state="in_progress", to_state="resolved", created_at=at(day(11, 5))
    )
    assert figures(AS_OF_8)["resolved"] == figures(AS_OF_8)["solved"] == 1


def test_the_dashboard_the_xlsx_and_the_api_show_the_solved_rate(client, leader, story):
    client.force_login(leader)
    params = {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"}
    page = client.get(reverse("report_dashboard"), params)
    body = page.content.decode()
    assert "解决率" in body and "83.3%" in body  # 5/6
    book = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), params).content))
    summary = {row[0].value: row for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value}
    assert (summary["解决率"][2].value, summary["解决率"][3].value) == (5, 6)
    assert (summary["满意率"][2].value, summary["满意率"][3].value) == (2, 4)
    ranking_headers = [cell.value for cell in book.worksheets[1][1]]
    assert "解决率" in ranking_headers
    api = api_as(leader).get("/api/reports/", {"start": "2026-11-01", "end": "2026-11-30"}).json()
    assert (api["figures"]["solved"], api["figures"]["resolved"], api["figures"]["solved_rate"]) == (5, 6, 0.8333)
    assert api["figures"]["satisfaction_rate"] == 0.5


def test_the_dashboard_is_exactly_the_report_its_ranking_and_its_breakdowns(story):
    assert_dashboard_is_its_breakdowns(**PERIOD)
