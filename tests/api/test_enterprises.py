"""Companies in the API: the list and the case file (一企一档), under the same who-sees-what rule
as the pages (Enterprise.objects.visible_to)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import api_as
from tests.factories import EnterpriseFactory, UserFactory, returned_to_dispatch
from tickets import services


def names(response):
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def case_file(user, enterprise):
    return api_as(user).get(f"/api/enterprises/{enterprise.pk}/")


def test_anonymous_is_refused(enterprise):
    assert APIClient().get("/api/enterprises/").status_code == 401


def test_company_lists_only_its_own_company(company_user, other_company_user):
    assert names(api_as(company_user).get("/api/enterprises/")) == [company_user.enterprise.name]


def test_liaison_lists_only_the_companies_it_looks_after(liaison, enterprise, other_enterprise):
    assert names(api_as(liaison).get("/api/enterprises/")) == [enterprise.name]


def test_other_liaison_lists_no_company(other_liaison, enterprise):
    assert names(api_as(other_liaison).get("/api/enterprises/")) == []


def test_department_lists_the_companies_of_tickets_it_holds_or_held(department_user, dispatcher, assigned_ticket, other_enterprise):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不属于本部门职责")
    assert names(api_as(department_user).get("/api/enterprises/")) == [assigned_ticket.enterprise.name]


def test_other_department_lists_no_company(other_department_user, assigned_ticket):
    assert names(api_as(other_department_user).get("/api/enterprises/")) == []


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "leader", "admin_user"])
def test_city_roles_list_every_company(request, role, enterprise, other_enterprise):
    listed = names(api_as(request.getfixturevalue(role)).get("/api/enterprises/"))
    assert listed == sorted([enterprise.name, other_enterprise.name])


def test_q_searches_the_name(dispatcher, enterprise, other_enterprise):
    assert names(api_as(dispatcher).get("/api/enterprises/", {"q": "凤凰"})) == [enterprise.name]


def test_q_searches_the_credit_code(dispatcher, enterprise, other_enterprise):
    assert names(api_as(dispatcher).get("/api/enterprises/", {"q": other_enterprise.credit_code})) == [other_enterprise.name]


def test_a_too_long_query_is_a_400_naming_q(dispatcher):
    response = api_as(dispatcher).get("/api/enterprises/", {"q": "x" * 101})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["q"]


def test_the_list_counts_only_the_tickets_the_caller_may_see(department_user, dispatcher, department, other_department, submit):
    services.ticket_assign(ticket=submit(title="本部门的"), by=dispatcher, department=department)
    services.ticket_assign(ticket=submit(title="别的部门的"), by=dispatcher, department=other_department)
    [row] = api_as(department_user).get("/api/enterprises/").json()["results"]
    assert row["ticket_count"] == 1 and row["has_open"] is True


def test_the_list_pages_by_cursor_in_name_order_without_counting(dispatcher):
    made = sorted(EnterpriseFactory().name for _ in range(3))
    client = api_as(dispatcher)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/api/enterprises/", {"page_size": 2})
    assert not any("COUNT(*)" in query["sql"].upper() for query in queries.captured_queries)
    assert names(first) + names(client.get(first.json()["next"])) == made


def test_the_list_makes_a_bounded_number_of_queries(dispatcher, submit):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api_as(dispatcher).get("/api/enterprises/").status_code == 200
        return len(queries)

    submit()
    few = count()
    for _ in range(10):
        enterprise = EnterpriseFactory()
        submit(enterprise=enterprise, by=UserFactory(enterprise=enterprise))
    assert count() == few <= 2


def test_case_file_has_the_company_and_its_liaisons(company_user, liaison, enterprise):
    company = case_file(company_user, enterprise).json()["enterprise"]
    assert company["name"] == enterprise.name and company["credit_code"] == enterprise.credit_code
    assert company["district"] == enterprise.district.name and company["industry"] == enterprise.industry.name
    assert company["contact_name"] == enterprise.contact_name and company["liaisons"] == [str(liaison)]


def test_case_file_counts_every_status_and_the_satisfaction(company_user, closed_ticket, submit):
    submit(title="待交办")
    body = case_file(company_user, company_user.enterprise).json()
    assert body["counts"] == {"submitted": 1, "assigned": 0, "in_progress": 0, "resolved": 0, "closed": 1, "rejected": 0}
    assert (body["total"], body["open"], body["overdue"], body["satisfied"], body["rated"]) == (2, 1, 0, 1, 1)


def test_case_file_shows_the_latest_rating_and_no_answer_as_how_a_ticket_closed(company_user, department_user, resolved_ticket):
    reopened = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="问题没有解决")
    services.ticket_auto_close(ticket=services.ticket_resolve(outcome="solved", ticket=reopened, by=department_user, result="重新办结"))
    [row] = case_file(company_user, company_user.enterprise).json()["tickets"]
    assert (row["status"], row["rating"], row["closed_without_answer"]) == ("closed", "dissatisfied", True)


def test_case_file_shows_a_confirmed_tickets_rating_and_no_auto_close(company_user, closed_ticket):
    [row] = case_file(company_user, company_user.enterprise).json()["tickets"]
    assert (row["rating"], row["closed_without_answer"]) == ("satisfied", False)


def test_case_file_lists_the_tickets_and_their_merged_timeline_newest_first(company_user, closed_ticket):
    body = case_file(company_user, company_user.enterprise).json()
    [row] = body["tickets"]
    assert (row["reference"], row["status"], row["department"]["name"]) == (
        closed_ticket.reference,
        "closed",
        closed_ticket.department.name,
    )
    assert [event["kind"] for event in body["timeline"]] == ["confirm", "resolve", "sign", "assign", "submitted"]
    assert {event["ticket"] for event in body["timeline"]} == {closed_ticket.reference}


def test_department_case_file_shows_only_its_tickets(department_user, dispatcher, department, other_department, submit):
    mine = services.ticket_assign(ticket=submit(title="本部门的"), by=dispatcher, department=department)
    services.ticket_assign(ticket=submit(title="别的部门的"), by=dispatcher, department=other_department)
    body = case_file(department_user, mine.enterprise).json()
    assert [row["reference"] for row in body["tickets"]] == [mine.reference] and body["total"] == 1


def test_other_company_gets_404_for_a_case_file(other_company_user, enterprise):
    response = case_file(other_company_user, enterprise)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_department_gets_404_for_a_company_it_never_handled(other_department_user, assigned_ticket):
    assert case_file(other_department_user, assigned_ticket.enterprise).status_code == 404


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999"])
def test_an_unknown_or_malformed_id_is_a_404(dispatcher, pk):
    assert api_as(dispatcher).get(f"/api/enterprises/{pk}/").status_code == 404


def test_the_case_file_makes_a_bounded_number_of_queries(company_user, dispatcher, department, submit):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert case_file(company_user, company_user.enterprise).status_code == 200
        return len(queries)

    services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    few = count()
    for n in range(5):
        services.ticket_assign(ticket=submit(title=f"诉求{n}"), by=dispatcher, department=department)
    assert count() == few
