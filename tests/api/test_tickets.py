"""The integration API: the same who-sees-what rule as the pages, session or token auth."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import ROLE_FIXTURES
from tests.conftest import api_as as as_user
from tickets import services


@pytest.fixture
def api():
    return APIClient()


def references(response):
    return [row["reference"] for row in response.json()["results"]]


def test_anonymous_gets_a_json_refusal(api, ticket):
    response = api.get("/api/tickets/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated" and response.json()["message"]


def test_company_lists_only_its_own_tickets(company_user, other_company_user, submit, category):
    mine = submit(title="我的诉求")
    services.ticket_submit(
        by=other_company_user,
        enterprise=other_company_user.enterprise,
        category=category,
        title="别人的诉求",
        description="x",
        priority="normal",
    )
    assert references(as_user(company_user).get("/api/tickets/")) == [mine.reference]


def test_other_company_gets_404_for_a_ticket(other_company_user, ticket):
    assert as_user(other_company_user).get(f"/api/tickets/{ticket.reference}/").status_code == 404


def test_department_sees_only_what_it_holds_or_held(department_user, other_department_user, assigned_ticket):
    assert references(as_user(department_user).get("/api/tickets/")) == [assigned_ticket.reference]
    assert references(as_user(other_department_user).get("/api/tickets/")) == []
    assert as_user(other_department_user).get(f"/api/tickets/{assigned_ticket.reference}/").status_code == 404


def test_retrieve_includes_the_timeline(department_user, assigned_ticket):
    body = as_user(department_user).get(f"/api/tickets/{assigned_ticket.reference}/").json()
    assert body["status"] == "assigned"
    assert [event["kind"] for event in body["timeline"]] == ["submitted", "assign"]
    assert body["department"]["name"] == assigned_ticket.department.name


def test_list_filters_by_status(dispatcher, submit, assigned_ticket):
    waiting = submit(title="待交办")
    assert references(as_user(dispatcher).get("/api/tickets/", {"status": "submitted"})) == [waiting.reference]


def test_an_unknown_status_filter_is_a_400_with_a_message(dispatcher, ticket):
    response = as_user(dispatcher).get("/api/tickets/", {"status": "lost"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "lost" in response.json()["errors"]["status"][0]


def test_departments_and_categories_are_listed(company_user, department, category):
    assert department.name in [row["name"] for row in as_user(company_user).get("/api/departments/").json()]
    assert category.name in [row["name"] for row in as_user(company_user).get("/api/categories/").json()]


def test_the_list_makes_a_bounded_number_of_queries(dispatcher, submit):
    for n in range(3):
        submit(title=f"诉求{n}")
    client = as_user(dispatcher)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/tickets/")
    for n in range(12):
        submit(title=f"更多诉求{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/tickets/")
    assert len(few) == len(many) <= 4


def test_the_openapi_schema_and_its_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/tickets/{reference}/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI from the site's own static files, not a CDN an intranet may not reach.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content and b"cdn." not in docs.content


def test_the_list_pages_by_cursor_without_counting_everything(dispatcher, submit):
    made = [submit(title=f"诉求{n}").reference for n in range(3)]
    client = as_user(dispatcher)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/api/tickets/", {"page_size": 2})
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    second = client.get(first.json()["next"])
    assert references(first) + references(second) == made[::-1]
    assert second.json()["next"] is None


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_every_role_reads_the_reference_data(request, role, department, category):
    # Departments and categories are what a submission and an assignment refer to: every signed-in role reads them.
    client = as_user(request.getfixturevalue(ROLE_FIXTURES[role]))
    assert department.pk in [row["id"] for row in client.get("/api/departments/").json()]
    assert [row["id"] for row in client.get("/api/categories/").json()] == [category.pk]


@pytest.mark.parametrize("path", ["/api/departments/", "/api/categories/", "/api/enterprises/", "/api/reports/", "/api/attachments/1/"])
def test_anonymous_callers_get_401_everywhere(api, db, path):
    response = api.get(path)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_browser_gets_json_not_a_second_ui(dispatcher, ticket):
    response = as_user(dispatcher).get("/api/tickets/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response["Content-Type"] == "application/json"
