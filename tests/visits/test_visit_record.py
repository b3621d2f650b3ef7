"""Recording a liaison's visit (走访记录): the visit and the tickets raised on it, in one step."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import CategoryFactory
from tickets import services
from tickets.models import Attachment, Channel, Ticket, TicketEvent, Visit, VisitAttachment
from tickets.services import ActionRefused, Problem

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _record(liaison, enterprise, **overrides):
    fields = dict(
        by=liaison,
        enterprise=enterprise,
        visited_on=timezone.localdate(),
        people_met="王经理、李会计",
        discussion="了解企业技改项目进展，企业反映贷款审批慢。",
    )
    fields.update(overrides)
    return services.visit_record(**fields)


def _problem(category, **overrides):
    fields = dict(category=category, title="技改贷款审批慢", description="3月申请的500万元贷款至今没有答复。")
    fields.update(overrides)
    return Problem(**fields)


def test_a_liaison_records_a_visit_to_their_company(liaison, enterprise):
    visit = _record(liaison, enterprise)
    assert (visit.enterprise, visit.liaison, visit.people_met) == (enterprise, liaison, "王经理、李会计")
    assert Visit.objects.count() == 1


def test_each_problem_becomes_a_liaison_ticket_linked_to_the_visit(liaison, enterprise, category):
    visit = _record(liaison, enterprise, problems=[_problem(category), _problem(category, title="用工招聘难")])
    tickets = list(Ticket.objects.order_by("id"))
    assert [t.title for t in tickets] == ["技改贷款审批慢", "用工招聘难"]
    assert all(t.channel == Channel.LIAISON and t.visit == visit and t.enterprise == enterprise for t in tickets)
    assert all(t.submitted_by == liaison and t.status == "submitted" for t in tickets)


def test_the_submission_event_names_the_visit(liaison, enterprise, category):
    visit = _record(liaison, enterprise, problems=[_problem(category)])
    assert TicketEvent.objects.get().data == {"visit": visit.pk}


def test_a_visit_s_photos_are_stored_with_the_server_s_content_type(liaison, enterprise):
    visit = _record(liaison, enterprise, files=[SimpleUploadedFile("现场.png", PNG, content_type="text/html")])
    (photo,) = visit.attachments.all()
    assert (photo.original_name, photo.content_type, photo.uploaded_by) == ("现场.png", "image/png", liaison)


def test_a_company_the_liaison_does_not_look_after_is_refused(liaison, other_enterprise, category):
    with pytest.raises(ActionRefused) as refused:
        _record(liaison, other_enterprise, problems=[_problem(category)])
    assert refused.value.code == "forbidden"
    assert not Visit.objects.exists() and not Ticket.objects.exists()


@pytest.mark.parametrize("role", ["company_user", "dispatcher", "supervisor", "department_user"])
def test_only_a_liaison_records_a_visit(request, role, enterprise):
    with pytest.raises(ActionRefused):
        _record(request.getfixturevalue(role), enterprise)
    assert not Visit.objects.exists()


def test_a_future_date_is_refused(liaison, enterprise, category):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ActionRefused) as refused:
        _record(liaison, enterprise, visited_on=tomorrow, problems=[_problem(category)])
    assert refused.value.code == "future_date"
    assert not Visit.objects.exists() and not Ticket.objects.exists()


def test_an_empty_discussion_is_refused(liaison, enterprise):
    with pytest.raises(ActionRefused) as refused:
        _record(liaison, enterprise, discussion="  \n ")
    assert refused.value.code == "no_discussion"
    assert not Visit.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_refused(liaison, enterprise, category):
    with pytest.raises(ActionRefused) as refused:
        _record(
            liaison, enterprise, files=[SimpleUploadedFile("现场.jpg", b"<html><script>x</script></html>")], problems=[_problem(category)]
        )
    assert refused.value.code == "files" and "现场.jpg" in refused.value.message
    assert not Visit.objects.exists() and not Ticket.objects.exists() and not VisitAttachment.objects.exists()


def test_a_refused_problem_refuses_the_whole_visit(liaison, enterprise, category):
    closed = CategoryFactory(name="已停用", is_active=False)
    with pytest.raises(ActionRefused) as refused:
        _record(
            liaison,
            enterprise,
            files=[SimpleUploadedFile("现场.png", PNG)],
            problems=[_problem(category), _problem(closed, title="第二个问题")],
        )
    assert refused.value.code == "problem" and "2" in refused.value.message
    assert not Visit.objects.exists() and not Ticket.objects.exists()
    assert not VisitAttachment.objects.exists() and not Attachment.objects.exists()


def test_a_problem_without_a_title_is_refused_with_its_number(liaison, enterprise, category):
    with pytest.raises(ActionRefused) as refused:
        _record(liaison, enterprise, problems=[_problem(category, title=" ")])
    assert refused.value.code == "problem" and "1" in refused.value.message
    assert not Visit.objects.exists() and not Ticket.objects.exists()


def test_dispatch_is_told_of_each_ticket_raised_on_a_visit(liaison, enterprise, category, dispatcher):
    _record(liaison, enterprise, problems=[_problem(category)])
    assert dispatcher.notifications.filter(kind="submitted").count() == 1
