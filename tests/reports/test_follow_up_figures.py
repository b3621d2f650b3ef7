"""The follow-up rate (回访率, DESIGN.md §9) = closed tickets whose closing the company confirmed
(online, on a follow-up call, or on a verification call after closing without an answer) / closed
tickets, on a hand-built data set with the numbers worked out by hand; the stored facts ("now")
and the timeline (a past as_of) held to each other.

All submitted in October 2026 to 市发改委 and resolved there; "10:00" is Asia/Shanghai.

    A  resolved Oct 5, the company confirms online Oct 6 (满意).
    B  resolved Oct 5, closed without an answer Oct 14; verification call Nov 3: the company confirms.
    C  resolved Oct 5, a caller records the company's confirmation on the phone Oct 7 (基本满意).
    D  resolved Oct 5, closed without an answer Oct 15; verification call Nov 4: the company
       disagrees (reopened); resolved again Nov 10, the company confirms online Nov 12.
    E  resolved Oct 5, a caller records the company's 不满意 on the phone Oct 8: back in progress.
    F  resolved Oct 5, closed without an answer Oct 16, never called.
    G  assigned, never resolved.

    as of Oct 31:  closed A B C D F = 5, followed up A C = 2        -> 2/5
    as of Nov 5:   closed A B C F = 4 (D reopened), followed up A B C = 3 -> 3/4
    now (Nov 20+): closed A B C D F = 5, followed up A B C D = 4     -> 4/5
"""

from fractions import Fraction

import pytest
from django.urls import reverse

from tests.conftest import api_as, at, day
from tests.reports.dashboard_check import assert_dashboard_is_its_breakdowns
from tickets import reports, services
from tickets.models import VerificationCall

PERIOD = dict(start=day(10, 1), end=day(10, 31))
OCTOBER = day(10, 1)


@pytest.fixture
def story(submit, dispatcher, department, department_user, company_user, callback_user):
    def resolved(name):
        ticket = submit(title=name, at=at(day(10, 2), 9))
        services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=at(day(10, 2)))
        services.ticket_sign(ticket=ticket, by=department_user, at=at(day(10, 2), 11))
        return services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已办结", at=at(day(10, 5)))

    t = {name: resolved(name) for name in "ABCDEF"}
    g = submit(title="G", at=at(day(10, 2), 9))
    t["G"] = services.ticket_assign(ticket=g, by=dispatcher, department=department, at=at(day(10, 2)))
    services.ticket_confirm(ticket=t["A"], by=company_user, rating="satisfied", at=at(day(10, 6)))
    services.ticket_auto_close(ticket=t["B"], at=at(day(10, 14)))
    services.ticket_record_call(ticket=t["C"], by=callback_user, said="基本满意", decision="confirm", rating="basically_satisfied",
                                at=at(day(10, 7)))  # fmt: skip
    services.ticket_auto_close(ticket=t["D"], at=at(day(10, 15)))
    services.ticket_record_call(ticket=t["E"], by=callback_user, said="还没解决", decision="reopen", at=at(day(10, 8)))
    services.ticket_auto_close(ticket=t["F"], at=at(day(10, 16)))
    b_call = VerificationCall.objects.create(ticket=t["B"], month=OCTOBER)
    d_call = VerificationCall.objects.create(ticket=t["D"], month=OCTOBER)
    services.verification_record(call=b_call, by=callback_user, confirmed=True, said="确认解决", at=at(day(11, 3)))
    services.verification_record(call=d_call, by=callback_user, confirmed=False, said="并未解决", at=at(day(11, 4)))
    services.ticket_resolve(outcome="solved", ticket=t["D"], by=department_user, result="再次办结", at=at(day(11, 10)))
    services.ticket_confirm(ticket=t["D"], by=company_user, rating="satisfied", at=at(day(11, 12)))
    return t


def ids(story, names):
    return sorted(story[name].pk for name in names)


@pytest.mark.parametrize(
    ("as_of", "closed", "followed_up"),
    [
        (at(day(10, 31), 23), "ABCDF", "AC"),
        (at(day(11, 5)), "ABCF", "ABC"),
        (None, "ABCDF", "ABCD"),  # now: the stored facts
        (at(day(11, 30)), "ABCDF", "ABCD"),  # the timeline, after everything: the same
    ],
)
def test_the_follow_up_rate_counts_closings_the_company_confirmed(story, as_of, closed, followed_up):
    result = reports.report(**PERIOD, as_of=as_of)
    assert reports.ticket_ids_for("closed", **PERIOD, as_of=as_of) == ids(story, closed)
    assert reports.ticket_ids_for("followed_up", **PERIOD, as_of=as_of) == ids(story, followed_up)
    assert (result["followed_up"], result["closed"]) == (len(followed_up), len(closed))
    assert result["follow_up_rate"] == Fraction(len(followed_up), len(closed))


def test_the_stored_facts_agree_with_the_timeline(story):
    assert not reports.current_facts_disagreeing().exists()


def test_the_breakdown_and_the_ranking_give_the_follow_up_rate(story, department):
    [row] = [r for r in reports.breakdown("department", **PERIOD) if r["key"] == department.pk]
    assert (row["followed_up"], row["closed"], row["follow_up_rate"]) == (4, 5, Fraction(4, 5))
    [ranked] = [r for r in reports.department_ranking(**PERIOD) if r["key"] == department.pk]
    assert ranked["follow_up_rate"] == Fraction(4, 5)


def test_the_dashboard_xlsx_and_api_show_the_follow_up_rate(story, client, leader):
    client.force_login(leader)
    page = client.get(reverse("report_dashboard"), {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"})
    assert "回访率" in page.content.decode() and "80.0%" in page.content.decode()
    body = api_as(leader).get("/api/reports/", {"start": "2026-10-01", "end": "2026-10-31"}).json()
    assert (body["figures"]["followed_up"], body["figures"]["follow_up_rate"]) == (4, 0.8)
    xlsx = client.get(reverse("report_xlsx"), {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_dashboard_is_exactly_the_report_its_ranking_and_its_breakdowns(story):
    assert_dashboard_is_its_breakdowns(**PERIOD)
