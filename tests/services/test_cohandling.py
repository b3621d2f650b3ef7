"""Lead and co-handling departments (主办/协办), the first contact and staged deadlines (DESIGN.md §8)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from tests.factories import returned_to_dispatch
from tickets import rules, services, workdays
from tickets.models import Assignment, DeadlineProfile, EventKind, ExtensionRequest, Notification, Ticket
from tickets.services import ActionRefused

from ..conftest import local_datetime
from ..factories import DepartmentFactory

pytestmark = pytest.mark.django_db


# The refusals below are matched in Chinese, the site's default language.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def co_of(ticket, department):
    return Assignment.objects.get(ticket=ticket, department=department, role="co")


def reload(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# --- assigning --------------------------------------------------------------------------------


def test_assign_with_co_handlers_creates_one_co_assignment_each(co_handled_ticket, department, co_department, second_co_department):
    lead = Assignment.objects.get(ticket=co_handled_ticket, role="lead")
    assert lead.department == department and co_handled_ticket.department == department
    cos = Assignment.objects.filter(ticket=co_handled_ticket, role="co").order_by("id")
    assert [a.department for a in cos] == [co_department, second_co_department]
    assert all(a.state == "assigned" and a.ended_at is None for a in cos)


def test_co_feedback_is_due_by_the_profiles_co_feedback_time(submit, dispatcher, department, co_department):
    # The category's profile: co-feedback 3 working days, resolve 5.
    ticket = services.ticket_assign(
        ticket=submit(at=local_datetime(2026, 9, 28)),
        by=dispatcher,
        department=department,
        co_departments=[co_department],
        at=local_datetime(2026, 9, 29),
    )
    co = co_of(ticket, co_department)
    # 3 working days from 2026-09-29, across the National Day holidays (the official calendar).
    assert co.due_date == workdays.add_working_days(datetime.date(2026, 9, 29), 3) > datetime.date(2026, 10, 7)
    assert co.due_date <= ticket.due_date
    assert co.first_due_date == co.due_date


def test_assign_records_a_co_assign_event_per_co_handler(co_handled_ticket, co_department):
    events = co_handled_ticket.events.filter(kind=EventKind.CO_ASSIGN)
    assert events.count() == 2
    assert events.first().data["department"] == co_department.name


def test_co_handlers_are_told_and_the_lead_is_told_it_leads(department_user, co_department_user, co_handled_ticket):
    assert Notification.objects.filter(recipient=co_department_user, kind=Notification.Kind.CO_ASSIGNED).count() == 1
    assert Notification.objects.filter(recipient=department_user, kind=Notification.Kind.ASSIGNED).count() == 1
    assert not Notification.objects.filter(recipient=co_department_user, kind=Notification.Kind.ASSIGNED).exists()


def test_assign_refuses_the_lead_also_listed_as_co_handler_and_saves_nothing(ticket, dispatcher, department, co_department):
    with pytest.raises(ActionRefused, match="是主办单位"):
        services.ticket_assign(ticket=ticket, by=dispatcher, department=department, co_departments=[co_department, department])
    assert reload(ticket).status == "submitted"
    assert not Assignment.objects.filter(ticket=ticket).exists()


def test_assign_refuses_an_inactive_co_department_and_saves_nothing(ticket, dispatcher, department):
    closed = DepartmentFactory(name="已撤销的局", is_active=False)
    with pytest.raises(ActionRefused, match="已不再承办诉求"):
        services.ticket_assign(ticket=ticket, by=dispatcher, department=department, co_departments=[closed])
    assert reload(ticket).status == "submitted"
    assert not Assignment.objects.filter(ticket=ticket).exists()


def test_complex_ticket_gets_the_longer_resolution_time(submit, dispatcher, department):
    ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department, is_complex=True, at=local_datetime(2026, 11, 2))
    profile = ticket.deadlines()
    assert ticket.is_complex
    assert ticket.due_date == workdays.add_working_days(datetime.date(2026, 11, 2), profile.complex_resolution_days)


def test_dispatch_adds_a_co_department_later_with_a_note(in_progress_ticket, dispatcher, co_department, co_department_user):
    co = services.ticket_add_co_department(ticket=in_progress_ticket, by=dispatcher, department=co_department, note="请审批局出具意见")
    assert co.role == "co" and co.note == "请审批局出具意见"
    event = in_progress_ticket.events.get(kind=EventKind.CO_ASSIGN)
    assert event.note == "请审批局出具意见" and event.actor == dispatcher
    assert Notification.objects.filter(recipient=co_department_user, kind=Notification.Kind.CO_ASSIGNED).exists()


def test_adding_the_same_co_department_twice_is_refused(co_handled_ticket, dispatcher, co_department):
    with pytest.raises(ActionRefused, match="已是此诉求的协办单位"):
        services.ticket_add_co_department(ticket=co_handled_ticket, by=dispatcher, department=co_department)
    assert Assignment.objects.filter(ticket=co_handled_ticket, department=co_department).count() == 1


def test_adding_a_co_department_is_for_dispatch_only(in_progress_ticket, department_user, co_department):
    with pytest.raises(ActionRefused) as refused:
        services.ticket_add_co_department(ticket=in_progress_ticket, by=department_user, department=co_department)
    assert refused.value.code == "forbidden"
    assert not Assignment.objects.filter(ticket=in_progress_ticket, role="co").exists()


def test_adding_a_co_department_to_a_ticket_not_being_handled_is_refused(ticket, dispatcher, co_department):
    with pytest.raises(ActionRefused) as refused:
        services.ticket_add_co_department(ticket=ticket, by=dispatcher, department=co_department)
    assert refused.value.code == "invalid_state"


# --- a co-handler's part --------------------------------------------------------------------


def test_co_handler_signs_and_gives_feedback_with_files(co_handled_ticket, co_department, co_department_user, department_user):
    services.assignment_co_sign(ticket=co_handled_ticket, by=co_department_user)
    assert co_of(co_handled_ticket, co_department).state == "signed"
    upload = SimpleUploadedFile("审批意见.pdf", PDF, content_type="application/pdf")
    services.assignment_co_feedback(ticket=co_handled_ticket, by=co_department_user, text="审批手续齐全，可以办理。", files=[upload])
    co = co_of(co_handled_ticket, co_department)
    assert co.state == "fed_back" and co.feedback == "审批手续齐全，可以办理。" and co.feedback_on_time is True
    event = co_handled_ticket.events.get(kind=EventKind.CO_FEEDBACK)
    assert [a.original_name for a in event.attachments.all()] == ["审批意见.pdf"]
    assert Notification.objects.filter(recipient=department_user, kind=Notification.Kind.CO_FEEDBACK_GIVEN).exists()


def test_co_feedback_after_its_due_date_is_late(submit, dispatcher, department, co_department, co_department_user):
    ticket = services.ticket_assign(
        ticket=submit(at=local_datetime(2026, 11, 2)),
        by=dispatcher,
        department=department,
        co_departments=[co_department],
        at=local_datetime(2026, 11, 2),
    )
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=local_datetime(2026, 11, 3))
    due = co_of(ticket, co_department).due_date
    services.assignment_co_feedback(
        ticket=ticket, by=co_department_user, text="意见", at=local_datetime(due.year, due.month, due.day) + datetime.timedelta(days=1)
    )
    assert co_of(ticket, co_department).feedback_on_time is False


def test_co_feedback_before_signing_is_refused(co_handled_ticket, co_department_user, co_department):
    with pytest.raises(ActionRefused) as refused:
        services.assignment_co_feedback(ticket=co_handled_ticket, by=co_department_user, text="意见")
    assert refused.value.code == "invalid_state"
    assert co_of(co_handled_ticket, co_department).feedback == ""


def test_co_feedback_by_a_department_that_is_not_a_co_handler_is_refused(co_handled_ticket, other_department_user):
    with pytest.raises(ActionRefused) as refused:
        services.assignment_co_feedback(ticket=co_handled_ticket, by=other_department_user, text="意见")
    assert refused.value.code == "forbidden"
    assert not co_handled_ticket.events.filter(kind=EventKind.CO_FEEDBACK).exists()


def test_co_feedback_by_the_lead_department_is_refused(co_handled_ticket, department_user):
    with pytest.raises(ActionRefused) as refused:
        services.assignment_co_feedback(ticket=co_handled_ticket, by=department_user, text="意见")
    assert refused.value.code == "forbidden"


def test_co_feedback_after_the_co_assignment_ended_is_refused(co_handled_ticket, dispatcher, co_department, co_department_user):
    services.assignment_co_sign(ticket=co_handled_ticket, by=co_department_user)
    services.assignment_end(assignment=co_of(co_handled_ticket, co_department), by=dispatcher, reason="不涉及审批事项")
    with pytest.raises(ActionRefused, match="协办已结束") as refused:
        services.assignment_co_feedback(ticket=co_handled_ticket, by=co_department_user, text="意见")
    assert refused.value.code == "invalid_state"
    assert co_of(co_handled_ticket, co_department).feedback == ""


def test_co_feedback_without_text_is_refused(co_handled_ticket, co_department_user, co_department):
    services.assignment_co_sign(ticket=co_handled_ticket, by=co_department_user)
    with pytest.raises(ActionRefused):
        services.assignment_co_feedback(ticket=co_handled_ticket, by=co_department_user, text="  ")
    assert co_of(co_handled_ticket, co_department).state == "signed"


def test_dispatch_ends_a_co_assignment_with_a_reason(co_handled_ticket, dispatcher, co_department, co_department_user):
    co = services.assignment_end(assignment=co_of(co_handled_ticket, co_department), by=dispatcher, reason="不涉及审批事项")
    assert co.state == "ended" and co.end_reason == "released"
    assert co_handled_ticket.events.get(kind=EventKind.CO_END).note == "不涉及审批事项"
    assert Notification.objects.filter(recipient=co_department_user, kind=Notification.Kind.CO_ENDED).exists()


def test_ending_a_co_assignment_needs_a_reason(co_handled_ticket, dispatcher, co_department):
    with pytest.raises(ActionRefused):
        services.assignment_end(assignment=co_of(co_handled_ticket, co_department), by=dispatcher, reason="")
    assert co_of(co_handled_ticket, co_department).ended_at is None


def test_only_dispatch_ends_a_co_assignment(co_handled_ticket, department_user, co_department):
    with pytest.raises(ActionRefused) as refused:
        services.assignment_end(assignment=co_of(co_handled_ticket, co_department), by=department_user, reason="不需要")
    assert refused.value.code == "forbidden"


def test_co_handler_may_add_progress_notes(co_handled_ticket, co_department_user):
    event = services.ticket_comment(ticket=co_handled_ticket, by=co_department_user, text="已调取审批档案")
    assert event.kind == EventKind.COMMENT


def test_co_handler_cannot_resolve_or_sign_the_ticket(co_handled_ticket, co_department_user):
    with pytest.raises(ActionRefused):
        services.ticket_sign(ticket=co_handled_ticket, by=co_department_user)
    assert reload(co_handled_ticket).status == "assigned"


def test_co_handler_sees_the_ticket_and_an_unrelated_department_does_not(co_handled_ticket, co_department_user, other_department_user):
    assert Ticket.objects.visible_to(co_department_user).filter(pk=co_handled_ticket.pk).exists()
    assert not Ticket.objects.visible_to(other_department_user).filter(pk=co_handled_ticket.pk).exists()


def test_a_released_co_handler_still_sees_the_ticket_it_co_handled(co_handled_ticket, dispatcher, co_department, co_department_user):
    services.assignment_end(assignment=co_of(co_handled_ticket, co_department), by=dispatcher, reason="不涉及")
    assert Ticket.objects.visible_to(co_department_user).filter(pk=co_handled_ticket.pk).exists()


def test_available_actions_of_a_co_handler(co_handled_ticket, co_department_user):
    ticket = Ticket.objects.prefetch_related("assignments", "extension_requests").get(pk=co_handled_ticket.pk)
    assert {"co_sign", "comment", "request_extension"} <= rules.available_actions(ticket, co_department_user)
    assert not {"sign", "resolve", "co_feedback", "contact"} & rules.available_actions(ticket, co_department_user)


# --- resolving with co-handlers ---------------------------------------------------------------


def test_lead_resolves_when_every_co_handler_gave_feedback(
    co_handled_ticket, department_user, co_department_user, second_co_department_user
):
    ticket = services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    for user in (co_department_user, second_co_department_user):
        services.assignment_co_sign(ticket=ticket, by=user)
        services.assignment_co_feedback(ticket=ticket, by=user, text="同意")
    ticket = services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已解决")
    assert ticket.status == "resolved" and ticket.resolve_overrides == 0
    assert "override" not in ticket.events.get(kind=EventKind.RESOLVE).data


def test_resolving_with_missing_feedback_and_no_reason_is_refused_and_names_who_is_missing(
    co_handled_ticket, department_user, co_department_user, second_co_department
):
    ticket = services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    services.assignment_co_sign(ticket=ticket, by=co_department_user)
    services.assignment_co_feedback(ticket=ticket, by=co_department_user, text="同意")
    with pytest.raises(ActionRefused, match=second_co_department.name) as refused:
        services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已解决")
    assert refused.value.code == "co_feedback_missing"
    assert reload(ticket).status == "in_progress"


def test_resolving_with_a_reason_records_the_override_and_ends_the_missing_co_assignment(
    co_handled_ticket, department_user, second_co_department
):
    ticket = services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    ticket = services.ticket_resolve(
        outcome="solved", ticket=ticket, by=department_user, result="已解决", override_reason="企业急需，城区意见不影响结果"
    )
    assert ticket.status == "resolved" and ticket.resolve_overrides == 1
    event = ticket.events.get(kind=EventKind.RESOLVE)
    assert event.data["override"] == "企业急需，城区意见不影响结果"
    assert second_co_department.name in event.data["missing"]
    co = co_of(ticket, second_co_department)
    assert co.state == "ended" and co.end_reason == "resolved"


# --- returns and re-dispatch -------------------------------------------------------------------


def test_a_return_keeps_the_co_assignments_until_dispatch_assigns_again(co_handled_ticket, department_user, co_department):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")
    assert co_of(co_handled_ticket, co_department).ended_at is None


def test_reassigning_ends_the_co_assignments_dispatch_does_not_keep(
    co_handled_ticket, department_user, dispatcher, other_department, co_department, second_co_department
):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")
    services.ticket_assign(ticket=co_handled_ticket, by=dispatcher, department=other_department, keep_co=[co_department.pk])
    assert co_of(co_handled_ticket, co_department).ended_at is None
    ended = co_of(co_handled_ticket, second_co_department)
    assert ended.state == "ended" and ended.end_reason == "lead_changed"
    assert co_handled_ticket.events.filter(kind=EventKind.CO_END).count() == 1


def test_a_co_handler_made_lead_ends_its_co_assignment(co_handled_ticket, department_user, dispatcher, co_department):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="应由审批局牵头")
    ticket = services.ticket_assign(ticket=co_handled_ticket, by=dispatcher, department=co_department)
    assert ticket.department == co_department
    assert co_of(ticket, co_department).end_reason == "became_lead"


# --- first contact --------------------------------------------------------------------------------


def test_contact_records_the_first_contact_once(in_progress_ticket, department_user):
    services.ticket_contact(ticket=in_progress_ticket, by=department_user, method="phone", note="电话联系王经理，约定周三上门")
    services.ticket_contact(ticket=in_progress_ticket, by=department_user, method="visit", note="上门查看")
    ticket = reload(in_progress_ticket)
    assert ticket.contacted_at is not None and ticket.contacts_on_time == 1
    assert Assignment.objects.get(ticket=ticket, role="lead").contacted_at == ticket.contacted_at
    events = list(ticket.events.filter(kind=EventKind.CONTACT))
    assert [e.data["first"] for e in events] == [True, False] and events[0].data["method"] == "phone"


def test_contact_after_its_due_date_is_not_in_time(submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department, at=local_datetime(2026, 11, 2))
    services.ticket_sign(ticket=ticket, by=department_user, at=local_datetime(2026, 11, 2, 11))
    services.ticket_contact(ticket=ticket, by=department_user, method="phone", note="电话", at=local_datetime(2026, 11, 10))
    ticket = reload(ticket)
    assert ticket.contacted_at is not None and ticket.contacts_on_time == 0 and ticket.lead_assignments == 1


def test_contact_without_a_note_is_refused(in_progress_ticket, department_user):
    with pytest.raises(ActionRefused):
        services.ticket_contact(ticket=in_progress_ticket, by=department_user, method="phone", note="")
    assert reload(in_progress_ticket).contacted_at is None


def test_contact_by_a_co_handler_is_refused(co_handled_ticket, department_user, co_department_user):
    ticket = services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    with pytest.raises(ActionRefused) as refused:
        services.ticket_contact(ticket=ticket, by=co_department_user, method="phone", note="电话")
    assert refused.value.code == "forbidden"


def test_the_company_sees_the_contact_on_its_timeline(in_progress_ticket, department_user, company_user):
    services.ticket_contact(ticket=in_progress_ticket, by=department_user, method="visit", note="上门走访")
    from tickets import selectors

    ticket = selectors.ticket_detail(company_user, in_progress_ticket.reference)
    assert EventKind.CONTACT in [e.kind for e in ticket.events.all()]


# --- extensions per assignment -------------------------------------------------------------------


def test_co_handler_asks_for_more_time_for_its_feedback_and_dispatch_approves(
    co_handled_ticket, co_department_user, dispatcher, co_department
):
    co = co_of(co_handled_ticket, co_department)
    request = services.extension_request(
        ticket=co_handled_ticket, by=co_department_user, requested_due_date=co_handled_ticket.due_date, reason="需调取档案"
    )
    assert request.assignment == co
    services.extension_decide(request=request, by=dispatcher, approve=True)
    assert co_of(co_handled_ticket, co_department).due_date == co_handled_ticket.due_date
    assert reload(co_handled_ticket).due_date == co_handled_ticket.due_date  # the lead's due date does not move
    assert co_handled_ticket.events.filter(kind=EventKind.CO_EXTENSION_APPROVED).exists()


def test_co_handler_cannot_ask_for_feedback_after_the_leads_due_date(co_handled_ticket, co_department_user):
    later = co_handled_ticket.due_date + datetime.timedelta(days=7)
    with pytest.raises(ActionRefused, match="不能晚于主办单位的办结期限"):
        services.extension_request(ticket=co_handled_ticket, by=co_department_user, requested_due_date=later, reason="需调取档案")
    assert not ExtensionRequest.objects.exists()


def test_lead_and_co_handler_may_each_have_a_pending_request(co_handled_ticket, department_user, co_department_user):
    services.extension_request(
        ticket=co_handled_ticket,
        by=department_user,
        requested_due_date=co_handled_ticket.due_date + datetime.timedelta(days=7),
        reason="会商",
    )
    services.extension_request(
        ticket=co_handled_ticket, by=co_department_user, requested_due_date=co_handled_ticket.due_date, reason="调档"
    )
    assert ExtensionRequest.objects.filter(state="pending").count() == 2


# --- deadline profiles --------------------------------------------------------------------------


def test_a_profile_with_co_feedback_longer_than_resolution_is_invalid(category):
    profile = DeadlineProfile(
        name="错",
        category=category,
        priority="urgent",
        response_days=1,
        contact_days=1,
        co_feedback_days=9,
        resolution_days=5,
        complex_resolution_days=20,
    )
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "co_feedback_days" in error.value.message_dict


def test_the_database_refuses_a_profile_with_co_feedback_longer_than_resolution(category):
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineProfile.objects.create(
            name="错",
            category=category,
            priority="urgent",
            response_days=1,
            contact_days=1,
            co_feedback_days=9,
            resolution_days=5,
            complex_resolution_days=20,
        )


def test_a_category_without_a_profile_uses_the_city_default(db):
    from ..factories import CategoryFactory

    category = CategoryFactory(profile=False)
    assert category.deadlines("normal").name == "13710"
    DeadlineProfile.objects.create(
        name="本市",
        category=None,
        priority="",
        response_days=2,
        contact_days=2,
        co_feedback_days=4,
        resolution_days=9,
        complex_resolution_days=30,
    )
    assert category.deadlines("normal").resolution_days == 9


def test_reopen_uses_the_resolution_time_again(resolved_ticket, company_user):
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="没解决", at=local_datetime(2026, 11, 2))
    assert ticket.due_date == workdays.add_working_days(datetime.date(2026, 11, 2), ticket.deadlines().resolution_days)


def test_a_contact_on_an_assignment_without_a_contact_date_is_not_counted_in_time(in_progress_ticket, department_user):
    # An assignment made before the contact stage existed (migrated) owes no first contact.
    Ticket.objects.filter(pk=in_progress_ticket.pk).update(contact_due_date=None)
    services.ticket_contact(ticket=in_progress_ticket, by=department_user, method="phone", note="电话")
    assert reload(in_progress_ticket).contacts_on_time == 0


def test_rejecting_a_returned_ticket_ends_the_co_assignments_it_kept(co_handled_ticket, department_user, dispatcher, co_department):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")
    services.ticket_reject(ticket=co_handled_ticket, by=dispatcher, reason="不属于涉企诉求")
    co = co_of(co_handled_ticket, co_department)
    assert co.state == "ended" and co.end_reason == "rejected"


def test_ending_a_co_assignment_of_a_finished_ticket_is_refused(co_handled_ticket, department_user, dispatcher, co_department):
    ticket = services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    Assignment.objects.filter(ticket=ticket, role="co").update(state="fed_back")
    ticket = services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已解决")
    with pytest.raises(ActionRefused) as refused:
        services.assignment_end(assignment=co_of(ticket, co_department), by=dispatcher, reason="不需要")
    assert refused.value.code == "invalid_state"
    assert co_of(ticket, co_department).ended_at is None


def test_each_more_co_handler_costs_its_own_rows_only_not_another_count_of_the_deadlines(submit, dispatcher, department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import UserFactory

    cos = [DepartmentFactory(name=f"协办{n}") for n in range(3)]
    for co in cos:
        UserFactory(role="department", department=co)

    def queries(co_departments):
        with CaptureQueriesContext(connection) as captured:
            services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=co_departments)
        return len(captured)

    one, three = queries(cos[:1]), queries(cos)
    # Per co-handler: its assignment, its event, its staff, and their notification and its
    # delivery: two INSERTs, or on PostgreSQL one id draw and two COPYs the capture does not list.
    per_co = 4 if connection.vendor == "postgresql" else 5
    assert three - one == 2 * per_co
