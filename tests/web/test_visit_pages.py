"""The visit pages: the phone form that records a visit and raises its problems as tickets, the
list of visits, one visit, its files; who may open which."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ROLE_FIXTURES
from tickets import services
from tickets.models import Channel, Ticket, Visit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _post(enterprise, category=None, **overrides):
    data = {
        "enterprise": enterprise.pk,
        "visited_on": f"{timezone.localdate():%Y-%m-%d}",
        "people_met": "王经理",
        "discussion": "了解企业生产经营情况。",
        "problem-TOTAL_FORMS": "3",
        "problem-INITIAL_FORMS": "0",
        "problem-MIN_NUM_FORMS": "0",
        "problem-MAX_NUM_FORMS": "3",
    }
    for i in range(3):
        data[f"problem-{i}-priority"] = "normal"
    if category is not None:
        data.update(
            {"problem-0-category": category.pk, "problem-0-title": "用电报装慢", "problem-0-description": "新厂房报装两个月未通电。"}
        )
    data.update(overrides)
    return data


@pytest.fixture
def visit(liaison, enterprise, category):
    return services.visit_record(
        by=liaison,
        enterprise=enterprise,
        visited_on=timezone.localdate(),
        people_met="王经理、李会计",
        discussion="企业反映用电报装慢。",
        files=[SimpleUploadedFile("现场.png", PNG)],
        problems=[services.Problem(category=category, title="用电报装慢", description="两个月未通电")],
    )


def test_the_visit_form_raises_a_liaison_ticket_linked_to_the_visit(client, liaison, enterprise, category):
    client.force_login(liaison)
    response = client.post(reverse("visit_new"), _post(enterprise, category))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("visit_detail", args=[visit.pk])
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.visit_id, ticket.title) == (Channel.LIAISON, visit.pk, "用电报装慢")


def test_empty_problem_forms_raise_no_ticket(client, liaison, enterprise):
    client.force_login(liaison)
    client.post(reverse("visit_new"), _post(enterprise))
    assert Visit.objects.count() == 1 and not Ticket.objects.exists()


def test_the_form_offers_only_the_liaison_s_companies(client, liaison, enterprise, other_enterprise):
    client.force_login(liaison)
    page = client.get(reverse("visit_new")).content.decode()
    assert enterprise.name in page and other_enterprise.name not in page


def test_the_second_and_third_problems_are_folded_until_used(client, liaison):
    client.force_login(liaison)
    assert '<details class="more-problems">' in client.get(reverse("visit_new")).content.decode()


def test_the_form_preselects_the_company_of_the_link(client, liaison, enterprise):
    client.force_login(liaison)
    response = client.get(reverse("visit_new") + f"?enterprise={enterprise.pk}")
    assert response.context["form"]["enterprise"].value() == str(enterprise.pk)


def test_another_company_is_refused_with_a_message(client, liaison, other_enterprise, category):
    client.force_login(liaison)
    response = client.post(reverse("visit_new"), _post(other_enterprise, category))
    assert response.status_code == 400
    assert "只能记录您包联企业的走访" in response.content.decode()
    assert not Visit.objects.exists() and not Ticket.objects.exists()


def test_a_future_date_is_refused_with_a_message(client, liaison, enterprise, category):
    client.force_login(liaison)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("visit_new"), _post(enterprise, category, visited_on=f"{tomorrow:%Y-%m-%d}"))
    assert response.status_code == 400
    assert "走访日期不能晚于今天" in response.content.decode()
    assert not Visit.objects.exists() and not Ticket.objects.exists()


def test_an_empty_discussion_is_refused_with_a_message(client, liaison, enterprise):
    client.force_login(liaison)
    response = client.post(reverse("visit_new"), _post(enterprise, discussion=""))
    assert response.status_code == 400 and "请填写走访中交流的内容" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_bad_file_is_refused_with_a_message_and_keeps_nothing(client, liaison, enterprise, category):
    client.force_login(liaison)
    data = _post(enterprise, category, files=SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 not a photo"))
    response = client.post(reverse("visit_new"), data)
    assert response.status_code == 400 and "现场.jpg" in response.content.decode()
    assert not Visit.objects.exists() and not Ticket.objects.exists()


def test_a_half_filled_problem_is_refused_with_a_message(client, liaison, enterprise, category):
    client.force_login(liaison)
    response = client.post(reverse("visit_new"), _post(enterprise, **{"problem-1-title": "只有标题"}))
    assert response.status_code == 400
    assert '<details class="more-problems" open>' in response.content.decode()  # the second problem's errors are in view
    assert not Visit.objects.exists() and not Ticket.objects.exists()


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_only_liaisons_open_the_visit_form(request, client, role):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("visit_new"))
    assert response.status_code == (200 if role in ("liaison", "other_liaison") else 403)


# Who sees the visit of the liaison's company: tickets.visibility.visible_visits.
SEES_THE_VISIT = {
    "company": True, "other_company": False, "liaison": True, "other_liaison": False, "dispatcher": True, "department": False,
    "other_department": False, "co_department": False, "supervisor": True, "leader": True, "admin": True, "callback": True,
}  # fmt: skip
OPENS_THE_LIST = {"company", "other_company", "liaison", "other_liaison", "dispatcher", "supervisor", "leader", "admin", "callback"}


def test_the_visit_table_covers_every_role():
    assert set(SEES_THE_VISIT) == set(ROLE_FIXTURES)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_the_visit_page_only_if_it_sees_the_visit(request, client, role, visit):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("visit_detail", args=[visit.pk]))
    assert response.status_code == (200 if SEES_THE_VISIT[role] else 404)
    if not SEES_THE_VISIT[role]:
        assert visit.discussion not in response.content.decode()


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_downloads_a_visit_file_only_if_it_sees_the_visit(request, client, role, visit):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("visit_attachment", args=[visit.attachments.get().pk]))
    assert response.status_code == (200 if SEES_THE_VISIT[role] else 404)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_lists_only_the_visits_it_sees(request, client, role, visit):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("visit_list"))
    assert response.status_code == (200 if role in OPENS_THE_LIST else 403)
    if response.status_code == 200:
        assert (visit.discussion in response.content.decode()) is SEES_THE_VISIT[role]


def test_supervision_sees_the_people_met_masked(client, supervisor, visit):
    client.force_login(supervisor)
    page = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert "王**" in page and "李**" in page and "王经理" not in page


def test_the_company_sees_the_people_met_in_full(client, company_user, visit):
    client.force_login(company_user)
    assert "王经理、李会计" in client.get(reverse("visit_detail", args=[visit.pk])).content.decode()


def test_the_list_filters_by_company(client, supervisor, visit, other_enterprise):
    client.force_login(supervisor)
    response = client.get(reverse("visit_list"), {"enterprise": other_enterprise.pk})
    assert visit.discussion not in response.content.decode()


def test_the_ticket_page_links_its_visit(client, company_user, visit):
    client.force_login(company_user)
    ticket = visit.tickets.get()
    page = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert reverse("visit_detail", args=[visit.pk]) in page


def test_a_department_sees_the_visit_date_on_the_ticket_but_no_link(client, dispatcher, department, department_user, visit):
    ticket = services.ticket_assign(ticket=visit.tickets.get(), by=dispatcher, department=department)
    client.force_login(department_user)
    page = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert f"{visit.visited_on:%Y-%m-%d}" in page and reverse("visit_detail", args=[visit.pk]) not in page


def _queries_of_list(client, liaison, enterprise, visits):
    for _ in range(visits):
        services.visit_record(by=liaison, enterprise=enterprise, visited_on=timezone.localdate(), discussion="走访")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("visit_list")).status_code == 200
    return len(queries)


def test_the_visit_list_reads_as_many_queries_for_twelve_visits_as_for_two(client, supervisor, liaison, enterprise):
    client.force_login(supervisor)
    two = _queries_of_list(client, liaison, enterprise, 2)
    assert _queries_of_list(client, liaison, enterprise, 10) == two
