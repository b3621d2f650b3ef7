"""manage.py demo_data: the demo data set is complete, realistic, built through the services,
and loaded once."""

import io
import random

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from stdnum.cn import uscc

from enterprises import demo
from enterprises.models import Department, District, Enterprise, Industry, User
from enterprises.validators import validate_credit_code
from tests.factories import EnterpriseFactory
from tickets.models import (
    Assignment,
    Category,
    DeadlineProfile,
    EventKind,
    ExtensionRequest,
    Rating,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)

LOGIN_ROLES = {
    "company": User.Role.COMPANY,
    "liaison": User.Role.LIAISON,
    "dept": User.Role.DEPARTMENT,
    "dispatcher": User.Role.DISPATCHER,
    "supervisor": User.Role.SUPERVISOR,
    "leader": User.Role.LEADER,
    "admin": User.Role.ADMIN,
}


def run(*args):
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts():
    models = [
        District, Industry, Department, Category, DeadlineProfile, Enterprise, User, Ticket, TicketEvent, Assignment, ExtensionRequest,
    ]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def loaded(db):
    return run()


def test_reference_data(loaded):
    assert list(District.objects.values_list("name", flat=True)) == ["城区", "泽州县", "高平市", "阳城县", "陵川县", "沁水县", "开发区"]
    assert Industry.objects.count() == 8
    assert Department.objects.count() >= 12
    categories = {c.name: c for c in Category.objects.select_related("default_department")}
    assert set(categories) == {"融资信贷", "用工招聘", "用地用房", "审批手续", "政策兑现", "水电气暖", "产供销对接", "产学研合作", "其他"}
    assert categories["融资信贷"].default_department.name == "市发展和改革委员会"
    city = DeadlineProfile.city_default()
    assert (city.name, city.response_days, city.contact_days, city.co_feedback_days, city.resolution_days) == ("13710", 1, 1, 3, 7)
    assert city.complex_resolution_days == 22
    for name, category in categories.items():
        profile = category.deadlines("normal")
        assert profile.resolution_days >= profile.co_feedback_days >= 1 and profile.response_days >= 1
        if name != "其他":
            assert category.default_department is not None
    assert categories["融资信贷"].deadlines("normal") == city  # the demo's default is 13710
    urgent = DeadlineProfile.objects.filter(priority="urgent").select_related("category")
    assert urgent.count() >= 2
    for policy in urgent:
        assert policy.resolution_days < policy.category.deadlines("normal").resolution_days


def test_59_companies_with_valid_credit_codes(loaded):
    companies = list(Enterprise.objects.all())
    assert len(companies) == 59
    codes = [c.credit_code for c in companies]
    assert len(set(codes)) == 59
    for code in codes:
        assert len(code) == 18 and uscc.is_valid(code), code
        validate_credit_code(code)
    assert {c.district.name for c in companies} == set(District.objects.values_list("name", flat=True))
    assert {c.industry.name for c in companies} == set(Industry.objects.values_list("name", flat=True))
    assert all(c.contact_phone.startswith("0356-") and c.contact_name for c in companies)


def test_credit_code_generator_always_valid():
    rng = random.Random(0)
    for _ in range(2000):
        code = demo.credit_code(rng, "140525")
        assert code.startswith("91140525") and uscc.is_valid(code)
        assert not set(code) & set("IOSVZ")


def test_liaisons_each_look_after_six_to_eight_companies(loaded):
    liaisons = User.objects.filter(role=User.Role.LIAISON)
    assert liaisons.count() == 8
    for liaison in liaisons:
        assert 6 <= liaison.liaison_enterprises.count() <= 8
    assert Enterprise.objects.filter(liaisons__isnull=True).count() == 0
    company = User.objects.get(username="company")
    assert company.enterprise.liaisons.filter(username="liaison").exists()


def test_75_tickets_in_every_state(loaded):
    tickets = Ticket.objects.all()
    assert tickets.count() == 75
    by_status = {status: tickets.filter(status=status).count() for status in Status.values}
    assert all(by_status.values()), by_status
    assert 30 <= by_status[Status.CLOSED] <= 40
    closed = tickets.filter(status=Status.CLOSED)
    assert closed.filter(rating=Rating.SATISFIED).count() > closed.filter(rating=Rating.BASICALLY_SATISFIED).count() > 0
    assert closed.filter(rating=Rating.NO_ANSWER).exists()
    assert tickets.filter(status=Status.REJECTED, duplicate_of__isnull=False).exists()
    # returned by a department, waiting for dispatch again
    assert tickets.filter(status=Status.SUBMITTED, events__kind=EventKind.RETURN).exists()


def test_overdue_late_and_supervised_tickets(loaded):
    today = timezone.localdate()
    assert Ticket.objects.overdue(today).exists()
    assert any(t.is_unsigned_late(today) for t in Ticket.objects.filter(status=Status.ASSIGNED))
    open_tickets = Ticket.objects.filter(status__in=[Status.ASSIGNED, Status.IN_PROGRESS])
    assert open_tickets.filter(supervision_level=SupervisionLevel.YELLOW).exists()
    assert open_tickets.filter(supervision_level=SupervisionLevel.RED).exists()
    assert TicketEvent.objects.filter(kind=EventKind.SUPERVISION, actor__role=User.Role.SUPERVISOR).exists()


def test_the_first_sweep_keeps_the_demo_story(loaded):
    """scripts/run sweeps right after loading: it may card the plainly overdue tickets yellow, as
    it would have done in real life, but must not turn the demo's yellow cards red."""
    from tickets.jobs.sweep import run_sweep

    yellow_before = set(Ticket.objects.filter(supervision_level=SupervisionLevel.YELLOW).values_list("pk", flat=True))
    report = run_sweep()
    assert report["raised_red"] == 0 and report["auto_closed"] == 0
    assert yellow_before <= set(Ticket.objects.filter(supervision_level=SupervisionLevel.YELLOW).values_list("pk", flat=True))


def test_reopened_and_extensions(loaded):
    reopened = Ticket.objects.filter(events__kind=EventKind.REOPEN).distinct()
    assert reopened.exists()
    # reopened, then resolved again
    assert reopened.filter(status__in=[Status.RESOLVED, Status.CLOSED]).exists()
    states = set(ExtensionRequest.objects.values_list("state", flat=True))
    assert states == {ExtensionRequest.State.APPROVED, ExtensionRequest.State.PENDING, ExtensionRequest.State.REFUSED}
    assert TicketEvent.objects.filter(kind=EventKind.COMMENT).exists()


def test_timelines_start_with_submission_and_never_reach_the_future(loaded):
    now = timezone.now()
    oldest = now - timezone.timedelta(days=320)
    for ticket in Ticket.objects.prefetch_related("events"):
        events = sorted(ticket.events.all(), key=lambda e: (e.created_at, e.id))
        assert events[0].kind == EventKind.SUBMITTED, ticket.reference
        assert events[0].created_at == ticket.submitted_at
        assert [e.id for e in events] == sorted(e.id for e in events), ticket.reference  # recorded in time order
        assert all(oldest < e.created_at < now for e in events), ticket.reference
        if ticket.status == Status.CLOSED:
            assert ticket.closed_at <= now
    # reference numbers follow the submission dates
    references = list(Ticket.objects.order_by("submitted_at").values_list("reference", flat=True))
    assert references == sorted(references)


def test_one_login_per_role_authenticates(loaded):
    request = RequestFactory().post("/accounts/login/")
    for username, role in LOGIN_ROLES.items():
        user = User.objects.get(username=username)
        assert user.role == role
        validate_password(demo.DEMO_PASSWORD, user)
        assert authenticate(request, username=username, password=demo.DEMO_PASSWORD) == user
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="company").enterprise.name == demo.MARKER_COMPANY
    assert User.objects.get(username="dept").department.name == "市发展和改革委员会"
    # every department has a login to act with
    assert not Department.objects.filter(staff__isnull=True).exists()


def test_demo_logins_see_their_tickets(loaded):
    for username in ("company", "liaison", "dept"):
        assert Ticket.objects.visible_to(User.objects.get(username=username)).exists(), username
    company_tickets = Ticket.objects.visible_to(User.objects.get(username="company"))
    assert company_tickets.filter(status=Status.RESOLVED).exists()  # one to confirm


def test_output_is_the_login_table(loaded):
    assert "演示数据已创建" in loaded
    for username in LOGIN_ROLES:
        assert username in loaded
    assert demo.DEMO_PASSWORD in loaded


def test_running_twice_creates_nothing(loaded):
    before = counts()
    output = run()
    assert counts() == before
    assert "已经载入" in output and "dispatcher" in output


def test_check_exit_status(db):
    with pytest.raises(SystemExit) as exit_info:
        run("--check")
    assert exit_info.value.code == 1
    run()
    assert run("--check") == ""  # returns normally: exit status 0


def test_logins_only_prints(db):
    output = run("--logins")
    assert "dispatcher" in output and demo.DEMO_PASSWORD in output
    assert Ticket.objects.count() == 0 and Enterprise.objects.count() == 0


def test_refuses_a_database_with_other_data(db):
    EnterpriseFactory()
    with pytest.raises(CommandError):
        run()
    assert Ticket.objects.count() == 0 and not User.objects.filter(username="dispatcher").exists()


def test_only_the_last_days_notifications_are_unread(db):
    from django.utils import timezone

    from enterprises import demo
    from tickets.models import Notification

    demo.build()
    unread = Notification.objects.filter(read_at__isnull=True)
    assert Notification.objects.filter(read_at__isnull=False).exists()
    assert not unread.filter(created_at__lt=timezone.now() - demo.UNREAD_HISTORY).exists()
