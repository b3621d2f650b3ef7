"""Pages of outcome kinds and rating reviews (DESIGN.md §9): the resolve form's outcome, what the
company sees, the department's "ask for a review", supervision's list, count and decision."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.models import RatingReview, Ticket

pytestmark = pytest.mark.django_db


def detail_url(ticket):
    return reverse("ticket_detail", args=[ticket.reference])


def action_url(ticket, action):
    return reverse("ticket_action", args=[ticket.reference, action])


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- resolve with an outcome ---------------------------------------------------------------------


def test_the_resolve_form_offers_the_three_outcomes_and_the_not_feasible_fields(client, in_progress_ticket, department_user):
    html = page(client, department_user, detail_url(in_progress_ticket))
    for value in ("solved", "explained", "not_feasible"):
        assert f'name="outcome" value="{value}"' in html
    assert "shown-when-not-feasible" in html and 'name="outcome_review_date"' in html
    assert "暂不具备解决条件" in html and "已解释说明" in html


def test_resolving_not_feasible_on_the_page_records_it(client, in_progress_ticket, department_user):
    client.force_login(department_user)
    review = timezone.localdate() + datetime.timedelta(days=30)
    body = {"result": "待政策", "outcome": "not_feasible", "outcome_condition": "省级政策未出台", "outcome_review_date": review.isoformat()}
    assert client.post(action_url(in_progress_ticket, "resolve"), body).status_code == 302
    ticket = Ticket.objects.get(pk=in_progress_ticket.pk)
    assert (ticket.status, ticket.outcome, ticket.outcome_review_date) == ("resolved", "not_feasible", review)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"result": "已办结"}, "该字段是必填项"),
        ({"result": "已办结", "outcome": "not_feasible", "outcome_condition": "待政策"}, "请填写重新研究的日期"),
        ({"result": "已办结", "outcome": "not_feasible", "outcome_review_date": "2099-01-01"}, "请说明解决问题还缺少什么条件"),
        (
            {"result": "已办结", "outcome": "not_feasible", "outcome_condition": "待政策", "outcome_review_date": "2020-01-01"},
            "必须晚于今天",
        ),
    ],
    ids=["no outcome", "no review date", "no condition", "past review date"],
)
def test_bad_outcome_input_on_the_page_is_refused_and_nothing_saved(client, in_progress_ticket, department_user, body, message):
    client.force_login(department_user)
    response = client.post(action_url(in_progress_ticket, "resolve"), body)
    assert response.status_code == 400 and message in response.content.decode()
    assert Ticket.objects.get(pk=in_progress_ticket.pk).status == "in_progress"


def test_the_company_sees_the_outcome_in_plain_words_and_rates_it(client, in_progress_ticket, department_user, company_user):
    review = timezone.localdate() + datetime.timedelta(days=30)
    services.ticket_resolve(
        ticket=in_progress_ticket,
        by=department_user,
        result="待政策",
        outcome="not_feasible",
        condition="省级政策未出台",
        review_date=review,
    )
    html = page(client, company_user, detail_url(in_progress_ticket))
    assert "结果类型：暂不具备解决条件" in html and review.isoformat() in html and "省级政策未出台" in html
    assert action_url(in_progress_ticket, "confirm") in html and action_url(in_progress_ticket, "reopen") in html


# --- rating review ---------------------------------------------------------------------------------


def test_the_lead_department_sees_ask_for_a_review_and_others_do_not(client, reopened_ticket, department_user, supervisor, company_user):
    url = action_url(reopened_ticket, "request_rating_review")
    assert url in page(client, department_user, detail_url(reopened_ticket))
    for user in (supervisor, company_user):
        assert url not in page(client, user, detail_url(reopened_ticket))


def test_no_review_is_offered_for_a_satisfied_rating(client, closed_ticket, department_user):
    assert action_url(closed_ticket, "request_rating_review") not in page(client, department_user, detail_url(closed_ticket))


def test_asking_on_the_page_files_the_review(client, reopened_ticket, department_user):
    client.force_login(department_user)
    response = client.post(action_url(reopened_ticket, "request_rating_review"), {"reason": "已按政策解释"})
    assert response.status_code == 302
    assert RatingReview.objects.get().reason == "已按政策解释"


def test_asking_after_the_window_on_a_page_left_open_says_until_when(client, resolved_ticket, company_user, department_user):
    from tests.conftest import at, day

    services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="不满意", at=at(day(9, 1)))
    client.force_login(department_user)
    response = client.post(action_url(resolved_ticket, "request_rating_review"), {"reason": "理由"}, follow=True)
    assert "申请期限已过" in response.content.decode() and "2026-09-08" in response.content.decode()
    assert not RatingReview.objects.exists()


def test_supervision_sees_the_pending_reviews_with_a_count_in_its_menu(client, rating_review, supervisor):
    html = page(client, supervisor, reverse("rating_review_list"))
    assert rating_review.ticket.reference in html and rating_review.reason in html
    assert f'href="{reverse("rating_review_list")}">评价复核 <span class="count">1</span>' in html


def test_supervision_upholds_from_the_list_and_the_ticket_shows_it_reviewed(client, rating_review, supervisor, company_user):
    client.force_login(supervisor)
    response = client.post(reverse("rating_review_decide", args=[rating_review.pk]), {"decision": "uphold"})
    assert response.status_code == 302 and response["Location"] == reverse("rating_review_list")
    assert RatingReview.objects.get().state == "upheld"
    html = page(client, company_user, detail_url(rating_review.ticket))
    assert "已复核：非部门责任" in html and "不计入满意率" in html


def test_refusing_without_a_note_is_refused_on_the_page(client, rating_review, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("rating_review_decide", args=[rating_review.pk]), {"decision": "refuse"}, follow=True)
    assert "请说明复核不成立的理由" in response.content.decode()
    assert RatingReview.objects.get().state == "pending"


def test_deciding_twice_on_the_page_says_it_was_decided(client, rating_review, supervisor):
    client.force_login(supervisor)
    client.post(reverse("rating_review_decide", args=[rating_review.pk]), {"decision": "uphold"})
    response = client.post(reverse("rating_review_decide", args=[rating_review.pk]), {"decision": "refuse", "note": "x"}, follow=True)
    assert "已经处理" in response.content.decode() and RatingReview.objects.get().state == "upheld"


def test_the_company_sees_a_refused_review(client, rating_review, supervisor, company_user):
    services.rating_review_decide(review=rating_review, by=supervisor, uphold=False, note="评价成立")
    html = page(client, company_user, detail_url(rating_review.ticket))
    assert "复核不成立：评价维持" in html
