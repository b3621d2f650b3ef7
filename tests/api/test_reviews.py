"""The API of outcome kinds and rating reviews (DESIGN.md §9): the same rules and refusals as the pages."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import api_as, at, day
from tickets import services
from tickets.models import RatingReview, Ticket

pytestmark = pytest.mark.django_db


def resolve(user, ticket, body):
    return api_as(user).post(f"/api/tickets/{ticket.reference}/transitions/resolve/", body, format="json")


def test_resolve_through_the_api_takes_the_outcome(in_progress_ticket, department_user):
    review = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    body = {"result": "待政策", "outcome": "not_feasible", "outcome_condition": "省级政策未出台", "outcome_review_date": review}
    response = resolve(department_user, in_progress_ticket, body)
    assert response.status_code == 200
    data = response.json()
    assert (data["outcome"], data["outcome_condition"], data["outcome_review_date"]) == ("not_feasible", "省级政策未出台", review)
    assert data["timeline"][-1]["kind"] == "resolve"


def test_resolve_through_the_api_without_an_outcome_names_the_field(in_progress_ticket, department_user):
    response = resolve(department_user, in_progress_ticket, {"result": "已办结"})
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    assert Ticket.objects.get(pk=in_progress_ticket.pk).status == "in_progress"


def test_not_feasible_through_the_api_with_a_past_review_date_is_refused(in_progress_ticket, department_user):
    body = {"result": "待政策", "outcome": "not_feasible", "outcome_condition": "待政策", "outcome_review_date": "2020-01-01"}
    response = resolve(department_user, in_progress_ticket, body)
    assert response.status_code == 400 and "晚于今天" in response.json()["errors"]["outcome_review_date"][0]


def test_the_department_files_a_review_and_supervision_decides_it(reopened_ticket, department_user, supervisor):
    filed = api_as(department_user).post(f"/api/tickets/{reopened_ticket.reference}/rating-reviews/", {"reason": "已解释"}, format="json")
    assert filed.status_code == 201 and filed.json()["state"] == "pending"
    decided = api_as(supervisor).post(f"/api/rating-reviews/{filed.json()['id']}/decision/", {"decision": "uphold"}, format="json")
    assert decided.status_code == 200 and decided.json()["state"] == "upheld"
    ticket = api_as(department_user).get(f"/api/tickets/{reopened_ticket.reference}/").json()
    assert ticket["rating_review_upheld"] is True and ticket["rating_review"]["state"] == "upheld" and ticket["rating"] == "dissatisfied"


def test_a_review_filed_too_late_through_the_api_says_until_when(resolved_ticket, company_user, department_user):
    services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="不满意", at=at(day(9, 1)))
    response = api_as(department_user).post(f"/api/tickets/{resolved_ticket.reference}/rating-reviews/", {"reason": "理由"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "too_late" and "2026-09-08" in response.json()["message"]
    assert not RatingReview.objects.exists()


def test_a_second_review_through_the_api_is_refused(rating_review, department_user):
    response = api_as(department_user).post(
        f"/api/tickets/{rating_review.ticket.reference}/rating-reviews/", {"reason": "再次"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_deciding_twice_through_the_api_is_a_conflict(rating_review, supervisor):
    url = f"/api/rating-reviews/{rating_review.pk}/decision/"
    assert api_as(supervisor).post(url, {"decision": "uphold"}, format="json").status_code == 200
    again = api_as(supervisor).post(url, {"decision": "refuse", "note": "x"}, format="json")
    assert again.status_code == 409 and "已经处理" in again.json()["message"]


def test_refusing_without_a_note_through_the_api_is_refused(rating_review, supervisor):
    response = api_as(supervisor).post(f"/api/rating-reviews/{rating_review.pk}/decision/", {"decision": "refuse"}, format="json")
    assert response.status_code == 400 and RatingReview.objects.get().state == "pending"


def test_the_schema_documents_the_outcome_and_the_review_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/tickets/{reference}/rating-reviews/" in schema["paths"]
    assert "/api/rating-reviews/{id}/decision/" in schema["paths"]
    resolve_args = schema["components"]["schemas"]["ResolveArguments"]
    assert {"outcome", "outcome_condition", "outcome_review_date"} <= set(resolve_args["properties"])
    assert "outcome" in resolve_args["required"]
    assert "solved_rate" in schema["components"]["schemas"]["Figures"]["properties"]
