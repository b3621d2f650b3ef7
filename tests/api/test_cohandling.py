"""Co-handling through the API (DESIGN.md §8): the same forms, services and refusals as the
pages, for every role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ROLE_FIXTURES, api_as
from tests.factories import DepartmentFactory, returned_to_dispatch
from tickets import services
from tickets.models import Assignment, EventKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="审批意见.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def transition(user, ticket, name, body=None, format="json"):
    return api_as(user).post(f"/api/tickets/{ticket.reference}/transitions/{name}/", body or {}, format=format)


def co_of(ticket, department):
    return Assignment.objects.get(ticket=ticket, department=department, role="co")


@pytest.fixture
def signed_by_lead(co_handled_ticket, department_user):
    return services.ticket_sign(ticket=co_handled_ticket, by=department_user)


@pytest.fixture
def fed_back(signed_by_lead, co_department_user):
    services.assignment_co_sign(ticket=signed_by_lead, by=co_department_user)
    services.assignment_co_feedback(ticket=signed_by_lead, by=co_department_user, text="审批手续齐全", files=[pdf()])
    return signed_by_lead


# --- assign ------------------------------------------------------------------------------------------


def test_assign_with_co_handlers_and_complex(dispatcher, ticket, department, co_department, second_co_department):
    response = transition(
        dispatcher,
        ticket,
        "assign",
        {"department": department.pk, "co_departments": [co_department.pk, second_co_department.pk], "is_complex": True},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_complex"] is True and body["contact_due_date"] and body["contacted_at"] is None
    lead, *cos = body["assignments"]
    assert (lead["role"], lead["department"]["id"]) == ("lead", department.pk)
    assert {(a["role"], a["department"]["id"]) for a in cos} == {("co", co_department.pk), ("co", second_co_department.pk)}
    assert {a["state"] for a in body["assignments"]} == {"assigned"}


def test_assign_refuses_the_lead_also_as_co_handler(dispatcher, ticket, department, co_department):
    response = transition(dispatcher, ticket, "assign", {"department": department.pk, "co_departments": [department.pk]})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert department.name in response.json()["message"]
    assert Ticket.objects.get(pk=ticket.pk).status == "submitted" and not Assignment.objects.exists()


def test_assign_refuses_an_inactive_co_department(dispatcher, ticket, department):
    closed = DepartmentFactory(name="已撤销的局", is_active=False)
    response = transition(dispatcher, ticket, "assign", {"department": department.pk, "co_departments": [closed.pk]})
    assert response.status_code == 400 and "co_departments" in response.json()["errors"]
    assert Ticket.objects.get(pk=ticket.pk).status == "submitted" and not Assignment.objects.exists()


def test_reassigning_keeps_every_co_handler_unless_told(dispatcher, department_user, co_handled_ticket, other_department, co_department):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")
    response = transition(dispatcher, co_handled_ticket, "assign", {"department": other_department.pk})
    assert response.status_code == 200
    assert Assignment.objects.filter(ticket=co_handled_ticket, role="co", ended_at__isnull=True).count() == 2


def test_reassigning_keeps_only_the_co_handlers_named(dispatcher, department_user, co_handled_ticket, other_department, co_department):
    returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")
    response = transition(dispatcher, co_handled_ticket, "assign", {"department": other_department.pk, "keep_co": [co_department.pk]})
    assert response.status_code == 200
    assert [a.department for a in Assignment.objects.filter(ticket=co_handled_ticket, role="co", ended_at__isnull=True)] == [co_department]


# --- dispatch adds and releases ---------------------------------------------------------------------------


def test_dispatch_adds_a_co_department(dispatcher, in_progress_ticket, co_department):
    response = transition(dispatcher, in_progress_ticket, "add_co_department", {"department": co_department.pk, "note": "请出具意见"})
    assert response.status_code == 200
    assert [a["department"]["name"] for a in response.json()["assignments"] if a["role"] == "co"] == [co_department.name]


@pytest.mark.parametrize("who", ["lead", "co"])
def test_adding_the_lead_or_a_co_department_again_is_refused(dispatcher, co_handled_ticket, department, co_department, who):
    chosen = department if who == "lead" else co_department
    response = transition(dispatcher, co_handled_ticket, "add_co_department", {"department": chosen.pk})
    assert response.status_code == 400 and "department" in response.json()["errors"]
    assert Assignment.objects.filter(ticket=co_handled_ticket, department=chosen).count() == 1


def test_dispatch_ends_a_co_assignment_with_a_reason(dispatcher, co_handled_ticket, co_department):
    co = co_of(co_handled_ticket, co_department)
    assert transition(dispatcher, co_handled_ticket, "end_co_assignment", {"assignment": co.pk}).status_code == 400
    response = transition(dispatcher, co_handled_ticket, "end_co_assignment", {"assignment": co.pk, "reason": "不涉及审批事项"})
    assert response.status_code == 200
    ended = next(a for a in response.json()["assignments"] if a["id"] == co.pk)
    assert (ended["state"], ended["end_reason"], ended["end_note"]) == ("ended", "released", "不涉及审批事项") and ended["ended_at"]


# --- the co-handler --------------------------------------------------------------------------------------


def test_co_sign_then_co_feedback_with_files(co_department_user, department_user, signed_by_lead, co_department):
    assert transition(co_department_user, signed_by_lead, "co_feedback", {"text": "意见"}).status_code == 409  # sign first
    assert transition(co_department_user, signed_by_lead, "co_sign").status_code == 200
    response = transition(co_department_user, signed_by_lead, "co_feedback", {"text": "审批手续齐全", "files": [pdf()]}, format="multipart")
    assert response.status_code == 200, response.json()
    part = next(a for a in response.json()["assignments"] if a["department"]["id"] == co_department.pk)
    assert part["state"] == "fed_back" and part["feedback"] == "审批手续齐全" and part["feedback_on_time"] is True
    assert [f["name"] for f in part["feedback_attachments"]] == ["审批意见.pdf"]
    download = api_as(department_user).get(part["feedback_attachments"][0]["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_co_feedback_of_a_refused_file_type_saves_nothing(co_department_user, signed_by_lead, co_department):
    services.assignment_co_sign(ticket=signed_by_lead, by=co_department_user)
    upload = SimpleUploadedFile("脚本.exe", b"MZ", content_type="application/octet-stream")
    response = transition(co_department_user, signed_by_lead, "co_feedback", {"text": "意见", "files": [upload]}, format="multipart")
    assert response.status_code == 400 and "files" in response.json()["errors"]
    assert co_of(signed_by_lead, co_department).state == "signed"


def test_the_co_handler_asks_for_more_time_for_its_feedback(co_department_user, co_handled_ticket, co_department):
    response = api_as(co_department_user).post(
        f"/api/tickets/{co_handled_ticket.reference}/extension-requests/",
        {"requested_due_date": co_handled_ticket.due_date.isoformat(), "reason": "需调取档案"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["assignment"] == co_of(co_handled_ticket, co_department).pk


# --- the lead ------------------------------------------------------------------------------------------------


def test_contact(department_user, in_progress_ticket):
    response = transition(department_user, in_progress_ticket, "contact", {"method": "phone", "note": "电话联系王经理"})
    assert response.status_code == 200 and response.json()["contacted_at"]
    assert response.json()["timeline"][-1]["kind"] == "contact"


def test_contact_with_an_unknown_method_is_refused(department_user, in_progress_ticket):
    response = transition(department_user, in_progress_ticket, "contact", {"method": "fax", "note": "传真"})
    assert response.status_code == 400 and "method" in response.json()["errors"]


def test_resolve_with_missing_feedback_needs_the_reason(department_user, fed_back, second_co_department):
    response = transition(department_user, fed_back, "resolve", {"result": "已解决", "outcome": "solved"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "co_feedback_missing" and second_co_department.name in body["message"]
    assert second_co_department.name in body["errors"]["override_reason"][0]
    assert Ticket.objects.get(pk=fed_back.pk).status == "in_progress"
    response = transition(department_user, fed_back, "resolve", {"result": "已解决", "outcome": "solved", "override_reason": "企业急需"})
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert TicketEvent.objects.get(kind=EventKind.RESOLVE).data["override"] == "企业急需"


def test_the_detail_lists_the_co_handling_transitions(co_department_user, dispatcher, co_handled_ticket):
    allowed_to_co = api_as(co_department_user).get(f"/api/tickets/{co_handled_ticket.reference}/").json()["allowed_transitions"]
    assert allowed_to_co == ["co_sign", "request_release"]
    allowed = api_as(dispatcher).get(f"/api/tickets/{co_handled_ticket.reference}/").json()["allowed_transitions"]
    assert {"add_co_department", "end_co_assignment"} <= set(allowed)


def test_the_schema_documents_the_co_handling_transitions(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/tickets/{reference}/transitions/{name}/"]["post"]
    names = next(p for p in operation["parameters"] if p["name"] == "name")["schema"]["enum"]
    assert {"co_sign", "co_feedback", "contact", "add_co_department", "end_co_assignment"} <= set(names)
    components = schema["components"]["schemas"]
    assert {"text", "files"} <= set(components["CoFeedbackArguments"]["properties"])
    assert {"co_departments", "is_complex", "keep_co"} <= set(components["AssignArguments"]["properties"])
    assert "override_reason" in components["ResolveArguments"]["properties"]
    assert "assignments" in components["TicketDetail"]["properties"]


# --- every role ------------------------------------------------------------------------------------------------

SEES = {
    "company": True, "other_company": False, "liaison": True, "other_liaison": False, "dispatcher": True,
    "department": True, "other_department": False, "co_department": True, "supervisor": True, "leader": True, "admin": True,
    "callback": True,  # 回访员: sees what dispatch sees
}  # fmt: skip

MAY = {
    "co_sign": set(),
    "co_feedback": set(),
    "contact": {"department"},
    "add_co_department": {"dispatcher", "admin"},
    "end_co_assignment": {"dispatcher", "admin"},
}


def test_the_tables_cover_every_role():
    assert set(SEES) == set(ROLE_FIXTURES)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_sees_the_co_handled_ticket_and_its_feedback_files_as_the_rule_says(request, role, fed_back):
    client = api_as(request.getfixturevalue(ROLE_FIXTURES[role]))
    attachment = TicketEvent.objects.get(kind=EventKind.CO_FEEDBACK).attachments.get()
    listed = [row["reference"] for row in client.get("/api/tickets/").json()["results"]]
    expected = 200 if SEES[role] else 404
    assert (fed_back.reference in listed, client.get(f"/api/tickets/{fed_back.reference}/").status_code) == (SEES[role], expected)
    assert client.get(f"/api/attachments/{attachment.pk}/").status_code == expected


@pytest.mark.parametrize("action", sorted(MAY))
@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_may_take_a_co_handling_transition_only_as_the_rules_say(request, role, action, fed_back):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    extra = DepartmentFactory(name="市税务局")
    co = Assignment.objects.get(ticket=fed_back, role="co", state="assigned")
    body = {
        "co_sign": {},
        "co_feedback": {"text": "意见"},
        "contact": {"method": "phone", "note": "电话联系"},
        "add_co_department": {"department": extra.pk, "note": "请出具意见"},
        "end_co_assignment": {"assignment": co.pk, "reason": "不涉及"},
    }[action]
    events = TicketEvent.objects.count()
    response = transition(user, fed_back, action, body)
    if not SEES[role]:
        assert response.status_code == 404 and TicketEvent.objects.count() == events
    elif role in MAY[action]:
        assert response.status_code == 200 and TicketEvent.objects.count() > events
    else:
        assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
        assert TicketEvent.objects.count() == events


def test_a_co_handler_after_the_lead_resolved_cannot_give_feedback(fed_back, department_user, co_department_user, dispatcher):
    services.ticket_resolve(outcome="solved", ticket=fed_back, by=department_user, result="已解决", override_reason="企业急需")
    response = transition(co_department_user, fed_back, "co_feedback", {"text": "迟到的意见"})
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
