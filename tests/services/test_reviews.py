"""Rating reviews (评价复核, DESIGN.md §9): the lead department asks, supervision decides."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.models import User
from tests.conftest import at, race
from tests.factories import UserFactory
from tickets import rules, services, workdays
from tickets.models import EventKind, Notification, RatingReview, Ticket, TicketEvent
from tickets.services import ActionRefused

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def refusal(code, func, **kwargs):
    with pytest.raises(ActionRefused) as excinfo:
        func(**kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    return excinfo.value.message


def reload(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# --- asking ------------------------------------------------------------------------------------


def test_the_lead_department_asks_for_a_review_with_reason_and_files(reopened_ticket, department_user, supervisor):
    review = services.rating_review_request(
        ticket=reopened_ticket, by=department_user, reason="已按政策答复", files=[SimpleUploadedFile("答复函.pdf", PDF)]
    )
    assert review.state == "pending" and review.department == department_user.department
    assert review.rating_event == reopened_ticket.events.get(kind=EventKind.REOPEN)
    event = reopened_ticket.events.get(kind=EventKind.RATING_REVIEW_REQUESTED)
    assert review.request_event == event and event.note == "已按政策答复"
    assert [a.original_name for a in event.attachments.all()] == ["答复函.pdf"]
    assert Notification.objects.filter(kind="rating_review_requested", recipient=supervisor).count() == 1


def test_the_review_may_be_asked_for_on_the_last_working_day_of_the_window(resolved_ticket, company_user, department_user, settings):
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="不满意", at=at(datetime.date(2026, 9, 28)))
    last = workdays.add_working_days(datetime.date(2026, 9, 28), settings.RATING_APPEAL_WORKING_DAYS)
    assert last > datetime.date(2026, 10, 8)  # the National Day holidays are not working days
    review = services.rating_review_request(ticket=ticket, by=department_user, reason="理由", at=at(last, 23))
    assert review.pk


def test_the_rules_offer_the_review_only_to_the_lead_department(reopened_ticket, department_user, other_department_user, supervisor):
    ticket = reload(reopened_ticket)
    assert rules.may_request_rating_review(department_user, ticket)
    assert not rules.may_request_rating_review(other_department_user, ticket)
    assert not rules.may_request_rating_review(supervisor, ticket)
    assert "request_rating_review" in rules.available_actions(ticket, department_user)


def test_the_rules_stop_offering_it_once_a_review_exists(rating_review, department_user):
    assert not rules.may_request_rating_review(department_user, reload(rating_review.ticket))


# --- asking: refused ---------------------------------------------------------------------------


def test_a_review_after_the_window_is_refused_saying_until_when(resolved_ticket, company_user, department_user, settings):
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="不满意", at=at(datetime.date(2026, 9, 28)))
    last = workdays.add_working_days(datetime.date(2026, 9, 28), settings.RATING_APPEAL_WORKING_DAYS)
    message = refusal(
        "too_late",
        services.rating_review_request,
        ticket=ticket,
        by=department_user,
        reason="理由",
        at=at(last + datetime.timedelta(days=1)),
    )
    assert last.isoformat() in message and "已过" in message
    assert not RatingReview.objects.exists() and not TicketEvent.objects.filter(kind=EventKind.RATING_REVIEW_REQUESTED).exists()


def test_the_window_follows_the_setting(resolved_ticket, company_user, department_user, settings):
    settings.RATING_APPEAL_WORKING_DAYS = 1
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="不满意", at=at(datetime.date(2026, 11, 2)))
    refusal("too_late", services.rating_review_request, ticket=ticket, by=department_user, reason="理由", at=at(datetime.date(2026, 11, 4)))


@pytest.mark.parametrize("rating", ["satisfied", "basically_satisfied"])
def test_a_review_of_a_satisfied_rating_is_refused(resolved_ticket, company_user, department_user, rating):
    ticket = services.ticket_confirm(ticket=resolved_ticket, by=company_user, rating=rating)
    message = refusal("invalid_state", services.rating_review_request, ticket=ticket, by=department_user, reason="理由")
    assert "不满意" in message
    assert not RatingReview.objects.exists()


def test_a_review_of_a_ticket_never_rated_is_refused(resolved_ticket, department_user):
    refusal("invalid_state", services.rating_review_request, ticket=resolved_ticket, by=department_user, reason="理由")


def test_a_second_review_for_the_same_ticket_is_refused(rating_review, department_user):
    message = refusal("conflict", services.rating_review_request, ticket=rating_review.ticket, by=department_user, reason="再次申请")
    assert "只能申请一次" in message
    assert RatingReview.objects.count() == 1


def test_a_second_review_after_another_dissatisfied_is_refused_too(rating_review, department_user, company_user):
    ticket = services.ticket_resolve(ticket=rating_review.ticket, by=department_user, result="再次办理", outcome="solved")
    ticket = services.ticket_reopen(ticket=ticket, by=company_user, comment="仍不满意")
    refusal("conflict", services.rating_review_request, ticket=ticket, by=department_user, reason="再次申请")


def test_a_review_by_a_department_that_is_not_the_lead_is_refused(reopened_ticket, other_department_user, co_department_user):
    for user in (other_department_user, co_department_user):
        message = refusal("forbidden", services.rating_review_request, ticket=reopened_ticket, by=user, reason="理由")
        assert "主办单位" in message
    assert not RatingReview.objects.exists()


def test_a_review_by_the_company_is_refused(reopened_ticket, company_user):
    refusal("forbidden", services.rating_review_request, ticket=reopened_ticket, by=company_user, reason="理由")


def test_a_review_without_a_reason_is_refused(reopened_ticket, department_user):
    message = refusal("invalid", services.rating_review_request, ticket=reopened_ticket, by=department_user, reason="  ")
    assert "说明" in message
    assert not RatingReview.objects.exists()


# --- deciding ----------------------------------------------------------------------------------


def test_upholding_takes_the_rating_out_of_the_rate_and_tells_the_department(rating_review, supervisor, department_user):
    review = services.rating_review_decide(review=rating_review, by=supervisor, uphold=True)
    ticket = reload(review.ticket)
    assert (review.state, review.decided_by, ticket.latest_rating, ticket.rating_review_upheld) == (
        "upheld",
        supervisor,
        "dissatisfied",
        True,
    )
    event = ticket.events.get(kind=EventKind.RATING_REVIEW_UPHELD)
    assert event.data["rating_event_id"] == review.rating_event_id
    [message] = Notification.objects.filter(kind="rating_review_decided")
    assert message.recipient == department_user and "非部门责任" in message.subject + message.body


def test_refusing_keeps_the_rating(rating_review, supervisor):
    review = services.rating_review_decide(review=rating_review, by=supervisor, uphold=False, note="企业诉求合理")
    ticket = reload(review.ticket)
    assert (review.state, review.decision_note, ticket.rating_review_upheld) == ("refused", "企业诉求合理", False)
    assert ticket.events.filter(kind=EventKind.RATING_REVIEW_REFUSED).exists()


def test_a_new_rating_after_an_upheld_review_counts_again(rating_review, supervisor, department_user, company_user):
    services.rating_review_decide(review=rating_review, by=supervisor, uphold=True)
    ticket = services.ticket_resolve(ticket=rating_review.ticket, by=department_user, result="再次办理", outcome="solved")
    ticket = services.ticket_reopen(ticket=ticket, by=company_user, comment="仍不满意")
    assert reload(ticket).rating_review_upheld is False


def test_refusing_without_a_note_is_refused(rating_review, supervisor):
    refusal("invalid", services.rating_review_decide, review=rating_review, by=supervisor, uphold=False, note=" ")
    assert RatingReview.objects.get().state == "pending"


def test_deciding_twice_is_refused_with_a_clear_message(rating_review, supervisor):
    services.rating_review_decide(review=rating_review, by=supervisor, uphold=True)
    message = refusal("conflict", services.rating_review_decide, review=rating_review, by=supervisor, uphold=False, note="改判")
    assert "已经处理" in message
    assert RatingReview.objects.get().state == "upheld"
    assert not TicketEvent.objects.filter(kind=EventKind.RATING_REVIEW_REFUSED).exists()


@pytest.mark.parametrize("role", ["dispatcher", "department_user", "leader", "company_user"])
def test_deciding_by_someone_not_in_supervision_is_refused(request, rating_review, role):
    user = request.getfixturevalue(role)
    for uphold in (True, False):
        message = refusal("forbidden", services.rating_review_decide, review=rating_review, by=user, uphold=uphold, note="理由")
        assert "督查" in message
    assert RatingReview.objects.get().state == "pending" and reload(rating_review.ticket).rating_review_upheld is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_at_once_one_wins(rating_review, supervisor):
    second = UserFactory(username="supervisor_b", role=User.Role.SUPERVISOR)
    outcomes = race(
        lambda: services.rating_review_decide(review=rating_review, by=supervisor, uphold=True),
        lambda: services.rating_review_decide(review=rating_review, by=second, uphold=False, note="评价成立"),
    )
    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refused = next(value for kind, value in outcomes if kind == "refused")
    assert refused.code == "conflict"
    decided = TicketEvent.objects.filter(kind__in=[EventKind.RATING_REVIEW_UPHELD, EventKind.RATING_REVIEW_REFUSED])
    assert decided.count() == 1
    review = RatingReview.objects.get()
    assert review.state == ("upheld" if decided.get().kind == EventKind.RATING_REVIEW_UPHELD else "refused")
    assert reload(review.ticket).rating_review_upheld is (review.state == "upheld")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_review(reopened_ticket, department_user, department):
    second = UserFactory(username="dept_b", role=User.Role.DEPARTMENT, department=department)
    outcomes = race(
        *[lambda u=u: services.rating_review_request(ticket=reopened_ticket, by=u, reason="理由") for u in (department_user, second)]
    )
    assert sorted(kind for kind, _value in outcomes) == ["ok", "refused"], outcomes
    assert RatingReview.objects.count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.RATING_REVIEW_REQUESTED).count() == 1
