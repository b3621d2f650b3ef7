"""The co-handling pages (DESIGN.md §8): the assign form with co-handlers, complex cases and the
co-handlers kept after a return; dispatch adding and releasing a co-handler; a co-handler's own
part (sign, feedback with files, more time); the lead's first contact and its resolve without a
co-handler's feedback; the inbox's co-handling section; and every role's view of all of it."""

import datetime
import html as html_text

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.models import User
from tests.conftest import ROLE_FIXTURES
from tests.factories import DepartmentFactory, UserFactory, returned_to_dispatch
from tickets import services, workdays
from tickets.models import Assignment, EventKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="审批意见.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def detail_url(ticket):
    return reverse("ticket_detail", args=[ticket.reference])


def action_url(ticket, action):
    return reverse("ticket_action", args=[ticket.reference, action])


def co_of(ticket, department):
    return Assignment.objects.get(ticket=ticket, department=department, role="co")


def text(response):
    return html_text.unescape(response.content.decode())


def english(client, user, url):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return text(response)


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def signed_by_lead(co_handled_ticket, department_user):
    return services.ticket_sign(ticket=co_handled_ticket, by=department_user)


@pytest.fixture
def fed_back(signed_by_lead, co_department_user):
    """The lead signed; 审批局 signed and gave its feedback with a file; 城区 has done nothing."""
    services.assignment_co_sign(ticket=signed_by_lead, by=co_department_user)
    services.assignment_co_feedback(ticket=signed_by_lead, by=co_department_user, text="审批手续齐全，可以办理。", files=[pdf()])
    return signed_by_lead


# --- the assign form ---------------------------------------------------------------------------


def test_assign_with_co_handlers_and_complex(client, dispatcher, ticket, department, co_department, second_co_department):
    response = post(
        client, dispatcher, action_url(ticket, "assign"),
        {"department": department.pk, "co_departments": [co_department.pk, second_co_department.pk], "is_complex": "on", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.ASSIGNED and ticket.department == department and ticket.is_complex
    assert {a.department for a in ticket.assignments.filter(role="co")} == {co_department, second_co_department}
    start = timezone.localdate(ticket.assigned_at)  # the day in Shanghai, as the deadline counts it
    assert ticket.due_date == workdays.add_working_days(start, ticket.deadlines().complex_resolution_days)


def test_assign_form_preselects_the_categorys_usual_co_handlers_and_shows_both_due_dates(
    client, dispatcher, ticket, category, co_department
):
    category.co_departments.add(co_department)
    client.force_login(dispatcher)
    response = client.get(detail_url(ticket), HTTP_ACCEPT_LANGUAGE="en")
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "assign")
    assert list(form.initial["co_departments"]) == [co_department]
    html = text(response)
    assert f'value="{co_department.pk}"' in html and 'name="co_departments"' in html and "checked" in html
    info = next(p["info"] for p in response.context["panels"] if p["action"].name == "assign")
    assert info["suggested_due"].isoformat() in html and info["complex_due"].isoformat() in html
    assert 'name="is_complex"' in html and "longer resolution time" in html
    assert 'name="keep_co"' not in html  # nothing from before a return


def test_assign_refuses_the_lead_also_as_co_handler_next_to_the_form(client, dispatcher, ticket, department, co_department):
    response = post(
        client, dispatcher, action_url(ticket, "assign"), {"department": department.pk, "co_departments": [co_department.pk, department.pk]}
    )
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "assign")
    assert "lead department" in " ".join(form.non_field_errors())
    assert "lead department; it cannot also be a co-handler" in text(response)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SUBMITTED and not Assignment.objects.exists()
    assert TicketEvent.objects.count() == 1


def test_assign_refuses_an_inactive_co_department_next_to_the_field(client, dispatcher, ticket, department):
    closed = DepartmentFactory(name="已撤销的局", is_active=False)
    response = post(client, dispatcher, action_url(ticket, "assign"), {"department": department.pk, "co_departments": [closed.pk]})
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "assign")
    assert "no longer takes tickets" in form.errors["co_departments"][0]
    assert "已撤销的局" not in text(response)  # it is not offered either
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SUBMITTED and not Assignment.objects.exists()


@pytest.fixture
def returned_with_co_handlers(co_handled_ticket, department_user):
    return returned_to_dispatch(ticket=co_handled_ticket, by=department_user, reason="不属于我局职责")


def test_after_a_return_the_form_offers_to_keep_the_co_handlers_all_ticked(client, dispatcher, returned_with_co_handlers, co_department):
    html = english(client, dispatcher, detail_url(returned_with_co_handlers))
    keep = html[html.index('name="keep_co"') - 300 : html.index('name="keep_co-shown"')]
    assert keep.count("checked") == 2 and co_department.name in keep


def test_unticking_a_co_handler_at_reassignment_ends_it(
    client, dispatcher, returned_with_co_handlers, other_department, co_department, second_co_department
):
    ticket = returned_with_co_handlers
    post(
        client, dispatcher, action_url(ticket, "assign"),
        {"department": other_department.pk, "keep_co": [co_department.pk], "keep_co-shown": "1"},
    )  # fmt: skip
    assert co_of(ticket, co_department).ended_at is None
    assert co_of(ticket, second_co_department).end_reason == "lead_changed"


def test_unticking_every_co_handler_ends_them_all(client, dispatcher, returned_with_co_handlers, other_department):
    ticket = returned_with_co_handlers
    post(client, dispatcher, action_url(ticket, "assign"), {"department": other_department.pk, "keep_co-shown": "1"})
    assert not Assignment.objects.filter(ticket=ticket, role="co", ended_at__isnull=True).exists()


# --- dispatch adds and releases co-handlers ------------------------------------------------------


def test_dispatch_adds_a_co_handler_with_a_note_and_a_due_date(client, dispatcher, in_progress_ticket, co_department):
    due = in_progress_ticket.due_date
    response = post(
        client, dispatcher, action_url(in_progress_ticket, "add_co_department"),
        {"department": co_department.pk, "note": "请出具审批意见", "due_date": due.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    co = co_of(in_progress_ticket, co_department)
    assert (co.note, co.due_date) == ("请出具审批意见", due)


def test_adding_a_co_handler_offers_neither_the_lead_nor_the_co_handlers(client, dispatcher, co_handled_ticket, department, co_department):
    client.force_login(dispatcher)
    response = client.get(detail_url(co_handled_ticket))
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "add_co_department")
    offered = set(form.fields["department"].queryset)
    assert department not in offered and co_department not in offered
    refused = post(client, dispatcher, action_url(co_handled_ticket, "add_co_department"), {"department": co_department.pk})
    assert refused.status_code == 400
    assert Assignment.objects.filter(ticket=co_handled_ticket, department=co_department).count() == 1


def test_adding_a_co_handler_due_after_the_lead_is_refused_on_the_form(client, dispatcher, in_progress_ticket, co_department):
    late = in_progress_ticket.due_date + datetime.timedelta(days=5)
    response = post(
        client,
        dispatcher,
        action_url(in_progress_ticket, "add_co_department"),
        {"department": co_department.pk, "due_date": late.isoformat()},
    )
    assert response.status_code == 400 and "lead department's due date" in text(response)
    assert not Assignment.objects.filter(role="co").exists()


def test_dispatch_ends_a_co_handling_with_a_reason(client, dispatcher, co_handled_ticket, co_department):
    co = co_of(co_handled_ticket, co_department)
    html = english(client, dispatcher, detail_url(co_handled_ticket))
    assert 'name="assignment"' in html
    empty = post(client, dispatcher, action_url(co_handled_ticket, "end_co_assignment"), {"assignment": co.pk, "reason": ""})
    assert empty.status_code == 400 and co_of(co_handled_ticket, co_department).ended_at is None
    post(client, dispatcher, action_url(co_handled_ticket, "end_co_assignment"), {"assignment": co.pk, "reason": "不涉及审批事项"})
    co.refresh_from_db()
    assert co.end_reason == "released"
    html = english(client, dispatcher, detail_url(co_handled_ticket))
    assert "Released by dispatch" in html and "不涉及审批事项" in html


def test_a_co_assignment_of_another_ticket_cannot_be_ended_from_this_one(client, dispatcher, co_handled_ticket, submit, department):
    other = services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=[DepartmentFactory()])
    foreign = Assignment.objects.get(ticket=other, role="co")
    response = post(client, dispatcher, action_url(co_handled_ticket, "end_co_assignment"), {"assignment": foreign.pk, "reason": "x"})
    assert response.status_code == 400
    assert Assignment.objects.get(pk=foreign.pk).ended_at is None


# --- the co-handler's part -------------------------------------------------------------------------


def test_the_co_handler_signs_gives_feedback_with_a_file_and_the_lead_downloads_it(
    client, co_department_user, department_user, signed_by_lead, co_department
):
    ticket = signed_by_lead
    html = english(client, co_department_user, detail_url(ticket))
    assert action_url(ticket, "co_sign") in html and action_url(ticket, "resolve") not in html
    post(client, co_department_user, action_url(ticket, "co_sign"))
    assert co_of(ticket, co_department).state == "signed"
    client.force_login(co_department_user)
    response = client.post(action_url(ticket, "co_feedback"), {"text": "审批手续齐全", "files": [pdf()]})
    assert response.status_code == 302
    co = co_of(ticket, co_department)
    assert co.state == "fed_back" and co.feedback == "审批手续齐全"
    attachment = TicketEvent.objects.get(kind=EventKind.CO_FEEDBACK).attachments.get()
    html = english(client, department_user, detail_url(ticket))
    assert reverse("attachment_download", args=[attachment.pk]) in html and "审批手续齐全" in html
    download = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_feedback_without_text_is_refused_and_saves_nothing(client, co_department_user, signed_by_lead, co_department):
    services.assignment_co_sign(ticket=signed_by_lead, by=co_department_user)
    response = post(client, co_department_user, action_url(signed_by_lead, "co_feedback"), {"text": ""})
    assert response.status_code == 400 and co_of(signed_by_lead, co_department).state == "signed"


def test_the_co_handler_adds_progress_notes(client, co_department_user, co_handled_ticket):
    post(client, co_department_user, action_url(co_handled_ticket, "comment"), {"text": "已调取审批档案"})
    assert co_handled_ticket.events.filter(kind=EventKind.COMMENT, actor=co_department_user).exists()


def test_the_co_handlers_extension_form_shows_its_own_feedback_due_date(client, co_department_user, co_handled_ticket, co_department):
    co = co_of(co_handled_ticket, co_department)
    client.force_login(co_department_user)
    response = client.get(detail_url(co_handled_ticket), HTTP_ACCEPT_LANGUAGE="en")
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "request_extension")
    assert co.due_date.isoformat() in str(form.fields["requested_due_date"].help_text)
    assert co.due_date != co_handled_ticket.due_date
    post(
        client, co_department_user, action_url(co_handled_ticket, "request_extension"),
        {"requested_due_date": co_handled_ticket.due_date.isoformat(), "reason": "需调取档案"},
    )  # fmt: skip
    assert co_handled_ticket.extension_requests.get().assignment == co


def test_the_inbox_lists_the_departments_co_handling_by_its_own_due_date(
    client, co_department_user, submit, dispatcher, department, co_department
):
    later = services.ticket_assign(ticket=submit(title="晚"), by=dispatcher, department=department, co_departments=[co_department])
    sooner = services.ticket_assign(ticket=submit(title="早"), by=dispatcher, department=department, co_departments=[co_department])
    Assignment.objects.filter(ticket=later, role="co").update(due_date=later.due_date)
    done = services.ticket_assign(ticket=submit(title="已反馈"), by=dispatcher, department=department, co_departments=[co_department])
    services.assignment_co_sign(ticket=done, by=co_department_user)
    services.assignment_co_feedback(ticket=done, by=co_department_user, text="意见")
    client.force_login(co_department_user)
    response = client.get(reverse("department_inbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert [a.ticket.reference for a in response.context["co_parts"]] == [sooner.reference, later.reference]
    html = text(response)
    assert "Not signed yet" in html and co_of(sooner, co_department).due_date.isoformat() in html
    assert done.reference not in html


def test_the_inbox_co_section_queries_do_not_grow(client, co_department_user, submit, dispatcher, department, co_department):
    def add(n):
        for _ in range(n):
            services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=[co_department])

    client.force_login(co_department_user)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("department_inbox")).status_code == 200
        return len(ctx)

    add(2)
    few = queries()
    add(10)
    assert queries() == few


def test_the_inbox_reads_co_parts_in_a_fixed_number_of_queries(client, co_department_user, co_department, submit, dispatcher, department):
    def add(n):
        for _ in range(n):
            services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=[co_department])

    def queries():
        client.force_login(co_department_user)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("department_inbox")).content.decode()
        return len(ctx), body.count('class="badge">')

    add(2)
    few, shown = queries()
    add(8)
    assert queries() == (few, shown + 8)


@pytest.mark.postgres
def test_the_co_inbox_reads_its_partial_index(co_department_user, co_handled_ticket, submit, dispatcher, department, second_co_department):
    from tickets import selectors

    # Other departments' co-handling, so that the department's own index is the cheaper read.
    for _ in range(40):
        services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=[second_co_department])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_assignment")
    queryset = selectors.department_co_inbox(co_department_user)[:100]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "assignment_co_open_due" in plan, plan


# --- the lead: contact and resolve -----------------------------------------------------------------


def test_the_lead_records_the_first_contact_and_the_company_sees_it(client, department_user, company_user, in_progress_ticket):
    html = english(client, department_user, detail_url(in_progress_ticket))
    assert in_progress_ticket.contact_due_date.isoformat() in html and "not yet" in html
    post(client, department_user, action_url(in_progress_ticket, "contact"), {"method": "visit", "note": "上门走访，约定下周提交材料"})
    ticket = Ticket.objects.get(pk=in_progress_ticket.pk)
    assert ticket.contacted_at is not None
    html = english(client, company_user, detail_url(ticket))
    assert "First contact with the company: Visit." in html and "上门走访" in html
    assert "contacted" in html


def test_contact_without_a_note_or_method_is_refused(client, department_user, in_progress_ticket):
    response = post(client, department_user, action_url(in_progress_ticket, "contact"), {"method": "fax", "note": ""})
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "contact")
    assert set(form.errors) == {"method", "note"}
    assert Ticket.objects.get(pk=in_progress_ticket.pk).contacted_at is None


def test_resolve_form_names_who_is_missing_and_asks_for_the_reason(client, department_user, fed_back, second_co_department, co_department):
    client.force_login(department_user)
    response = client.get(detail_url(fed_back), HTTP_ACCEPT_LANGUAGE="en")
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "resolve")
    field = form.fields["override_reason"]
    assert second_co_department.name in str(field.help_text) and co_department.name not in str(field.help_text)
    html = text(response)
    assert 'name="override_reason"' in html


def test_resolve_without_the_reason_is_refused_next_to_the_field(client, department_user, fed_back, second_co_department):
    response = post(client, department_user, action_url(fed_back, "resolve"), {"result": "已解决", "outcome": "solved"})
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "resolve")
    assert second_co_department.name in form.errors["override_reason"][0]
    assert Ticket.objects.get(pk=fed_back.pk).status == Status.IN_PROGRESS


def test_resolve_with_the_reason_records_the_override_on_the_timeline(
    client, department_user, company_user, fed_back, second_co_department
):
    post(client, department_user, action_url(fed_back, "resolve"), {"result": "已解决", "outcome": "solved", "override_reason": "企业急需"})
    assert Ticket.objects.get(pk=fed_back.pk).status == Status.RESOLVED
    html = english(client, company_user, detail_url(fed_back))
    assert f"Resolved without the feedback of {second_co_department.name}" in html and "企业急需" in html
    assert "The lead resolved the ticket without this feedback" in html  # the co-handler's part, ended


def test_a_lead_without_co_handlers_is_not_asked_for_a_reason(client, department_user, in_progress_ticket):
    client.force_login(department_user)
    response = client.get(detail_url(in_progress_ticket))
    form = next(p["form"] for p in response.context["panels"] if p["action"].name == "resolve")
    assert "override_reason" not in form.fields


# --- what everyone who sees the ticket is shown ------------------------------------------------------


def test_the_page_shows_every_co_handler_lead_first(client, company_user, fed_back, department, co_department, second_co_department):
    html = english(client, company_user, detail_url(fed_back))
    section = html[html.index('id="departments"') :]
    section = section[: section.index("</section>")]
    positions = [section.index(d.name) for d in (department, co_department, second_co_department)]
    assert positions == sorted(positions)
    assert "Lead department" in section and "Co-handling department" in section
    assert "Feedback given" in section and "Not signed yet" in section and "审批手续齐全" in section
    co = co_of(fed_back, second_co_department)
    assert co.due_date.isoformat() in section and co.response_due_date.isoformat() in section
    assert reverse("attachment_download", args=[TicketEvent.objects.get(kind=EventKind.CO_FEEDBACK).attachments.get().pk]) in section


def test_a_late_co_handler_is_marked(client, dispatcher, co_handled_ticket, second_co_department):
    Assignment.objects.filter(ticket=co_handled_ticket, department=second_co_department).update(due_date=datetime.date(2026, 1, 5))
    html = english(client, dispatcher, detail_url(co_handled_ticket))
    assert "Feedback overdue" in html


def test_the_timeline_tells_the_co_handling_in_plain_words(
    client, dispatcher, fed_back, co_department, co_department_user, second_co_department
):
    co = co_of(fed_back, second_co_department)
    request = services.extension_request(
        ticket=fed_back, by=User.objects.get(department=second_co_department), requested_due_date=fed_back.due_date, reason="需调取档案"
    )
    services.extension_decide(request=request, by=dispatcher, approve=True)
    services.assignment_end(assignment=co, by=dispatcher, reason="不涉及")
    html = english(client, dispatcher, detail_url(fed_back))
    assert f"{co_department.name} co-handles this ticket; its feedback is due" in html
    assert f"{co_department.name} signed for its co-handling part." in html
    assert f"Feedback of {co_department.name} for the lead department." in html
    assert f"Feedback due date of {second_co_department.name}: {co.due_date.isoformat()} → {fed_back.due_date.isoformat()}" in html
    assert f"{second_co_department.name} no longer co-handles this ticket (Released by dispatch)." in html


def test_the_ticket_page_of_a_co_handled_ticket_costs_the_same_queries_however_much_feedback(
    client, dispatcher, submit, department, co_department_user
):
    def queries_for(co_handlers):
        departments = [DepartmentFactory() for _ in range(co_handlers)]
        ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department, co_departments=departments)
        for co_department in departments:
            user = UserFactory(role=User.Role.DEPARTMENT, department=co_department)
            services.assignment_co_sign(ticket=ticket, by=user)
            services.assignment_co_feedback(ticket=ticket, by=user, text="意见", files=[pdf()])
        client.force_login(dispatcher)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail_url(ticket)).status_code == 200
        return len(ctx)

    assert queries_for(1) == queries_for(5)


# --- every role --------------------------------------------------------------------------------------

SEES_A_CO_HANDLED_TICKET = {
    "company": True, "other_company": False, "liaison": True, "other_liaison": False, "dispatcher": True,
    "department": True, "other_department": False, "co_department": True, "supervisor": True, "leader": True, "admin": True,
    "callback": True,  # 回访员: sees what dispatch sees
}  # fmt: skip


def test_the_table_covers_every_role():
    assert set(SEES_A_CO_HANDLED_TICKET) == set(ROLE_FIXTURES)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_sees_the_co_handled_ticket_and_its_feedback_files_as_the_rule_says(request, client, role, fed_back):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    attachment = TicketEvent.objects.get(kind=EventKind.CO_FEEDBACK).attachments.get()
    client.force_login(user)
    detail = client.get(detail_url(fed_back))
    download = client.get(reverse("attachment_download", args=[attachment.pk]))
    expected = 200 if SEES_A_CO_HANDLED_TICKET[role] else 404
    assert (detail.status_code, download.status_code) == (expected, expected)
    if expected == 404:
        assert fed_back.title not in detail.content.decode()


# Who may take each new action on `fed_back` (lead in progress, 审批局 fed back, 城区 nothing yet).
MAY = {
    "co_sign": set(),  # 城区 has no user among the roles; 审批局 signed already
    "co_feedback": set(),  # 审批局 gave it
    "contact": {"department"},
    "add_co_department": {"dispatcher", "admin"},
    "end_co_assignment": {"dispatcher", "admin"},
}


def _valid_body(action, fed_back, extra_department):
    co = Assignment.objects.get(ticket=fed_back, role="co", state="assigned")
    return {
        "co_sign": {},
        "co_feedback": {"text": "意见"},
        "contact": {"method": "phone", "note": "电话联系"},
        "add_co_department": {"department": extra_department.pk, "note": "请出具意见"},
        "end_co_assignment": {"assignment": co.pk, "reason": "不涉及"},
    }[action]


@pytest.mark.parametrize("action", sorted(MAY))
@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_may_take_a_co_handling_action_only_as_the_rules_say(request, client, role, action, fed_back):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    extra = DepartmentFactory(name="市税务局")
    events = TicketEvent.objects.count()
    client.force_login(user)
    response = client.post(action_url(fed_back, action), _valid_body(action, fed_back, extra))
    if not SEES_A_CO_HANDLED_TICKET[role]:
        assert response.status_code == 404 and TicketEvent.objects.count() == events
    elif role in MAY[action]:
        assert response.status_code == 302 and TicketEvent.objects.count() > events
    else:
        assert response.status_code == 302 and TicketEvent.objects.count() == events
        assert action_url(fed_back, action) not in text(client.get(detail_url(fed_back)))
