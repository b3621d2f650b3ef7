"""manage.py demo_data: the demo data set is complete, realistic, built through the services,
and loaded once; its co-handling and first contacts show every stage (enterprises.demo_cohandling)."""

import io
import random
from collections import Counter

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from stdnum.cn import uscc

from enterprises import demo, demo_assessment, demo_cohandling
from enterprises.models import Department, District, Enterprise, Industry, User
from enterprises.validators import validate_credit_code
from tests.factories import EnterpriseFactory
from tickets import reports, workdays
from tickets.models import (
    HANDLING_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Category,
    DeadlineProfile,
    Delivery,
    EventKind,
    ExtensionRequest,
    Notification,
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
    "callback": User.Role.CALLBACK,
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
    tickets = Ticket.objects.filter(visit__isnull=True)  # the stories' (the problems raised on visits: below)
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


def test_loading_the_demo_records_nothing_in_the_audit_trail(db):
    before = LogEntry.objects.count()

    run()

    assert LogEntry.objects.count() == before  # a setting-up, not an administrator's changes


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


# --- co-handling and first contacts (DESIGN.md §8) -------------------------------------------------


def story_tickets():
    """The demo's tickets by story key (the stories' titles are distinct)."""
    tickets = {ticket.title: ticket for ticket in Ticket.objects.filter(visit__isnull=True)}  # not those raised on visits
    assert len(tickets) == len(demo.STORIES)
    return {story.key: tickets[story.title] for story in demo.STORIES}


def test_co_handled_tickets_in_every_stage(loaded):
    today = timezone.localdate()
    by_key = story_tickets()
    co = Assignment.objects.filter(role=AssignmentRole.CO).select_related("ticket")
    assert {key for key, ticket in by_key.items() if ticket.pk in set(co.values_list("ticket_id", flat=True))} == set(
        demo_cohandling.COHANDLED
    )
    assert 12 <= len(demo_cohandling.COHANDLED) <= 18
    working = co.filter(ticket__status__in=HANDLING_STATUSES, ended_at__isnull=True)
    # not signed yet: in time, and past its sign date
    unsigned = working.filter(state=AssignmentState.ASSIGNED)
    assert unsigned.filter(response_due_date__gte=today).exists() and unsigned.filter(response_due_date__lt=today).exists()
    # signed and working on its feedback: in time, and past its feedback date
    signed = working.filter(state=AssignmentState.SIGNED)
    assert signed.filter(due_date__gte=today).exists() and signed.filter(due_date__lt=today).exists()
    # feedback given, mostly in time, some late; always written
    fed_back = co.filter(feedback_at__isnull=False)
    assert fed_back.filter(feedback_on_time=True).count() > fed_back.filter(feedback_on_time=False).count() >= 2
    assert all(a.feedback and a.signed_at <= a.feedback_at for a in fed_back)
    assert co.filter(state=AssignmentState.FED_BACK, ticket__status__in=HANDLING_STATUSES).exists()  # the lead still working
    # released by dispatch, saying why
    (released,) = co.filter(end_reason=Assignment.EndReason.RELEASED)
    event = released.ticket.events.get(kind=EventKind.CO_END)
    assert event.note and event.actor.role == User.Role.DISPATCHER
    # a co-handler asked for more time: granted (and fed back within it), and one not decided yet
    requests = ExtensionRequest.objects.filter(assignment__role=AssignmentRole.CO)
    assert sorted(requests.values_list("state", flat=True)) == [ExtensionRequest.State.APPROVED, ExtensionRequest.State.PENDING]
    granted = requests.get(state=ExtensionRequest.State.APPROVED).assignment
    assert granted.first_due_date < timezone.localdate(granted.feedback_at) <= granted.due_date and granted.feedback_on_time
    assert granted.ticket.events.filter(kind=EventKind.CO_EXTENSION_APPROVED).exists()
    # added by dispatch after the assignment (the co-handlers named at it share its moment)
    lead_at = {a.ticket_id: a.assigned_at for a in Assignment.objects.filter(role=AssignmentRole.LEAD)}
    added = {a.ticket_id for a in co if a.assigned_at > lead_at[a.ticket_id]}
    planned = {key for key, handling in demo_cohandling.COHANDLED.items() if any(c.added_after for c in handling.co)}
    assert added == {by_key[key].pk for key in planned} and planned
    # co-handled and finished: resolved (the company to confirm), and closed with a rating
    finished = Ticket.objects.filter(pk__in={a.ticket_id for a in co})
    assert finished.filter(status=Status.RESOLVED).count() >= 2
    assert finished.filter(status=Status.CLOSED, rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED]).count() >= 3
    # more than one co-handler on a ticket
    assert max(Counter(co.values_list("ticket_id", flat=True)).values()) >= 3


def test_exactly_the_planned_overrides(loaded):
    planned = {key: handling.override for key, handling in demo_cohandling.COHANDLED.items() if handling.override}
    assert 1 <= len(planned) <= 2
    by_key = story_tickets()
    assert {key: ticket.resolve_overrides for key, ticket in by_key.items() if ticket.resolve_overrides} == dict.fromkeys(planned, 1)
    for key, reason in planned.items():
        (event,) = [e for e in by_key[key].events.filter(kind=EventKind.RESOLVE) if "override" in e.data]
        assert event.data["override"] == reason and event.data["missing"]
    assert Assignment.objects.filter(end_reason=Assignment.EndReason.RESOLVED).count() == len(planned)
    assert TicketEvent.objects.filter(kind=EventKind.RESOLVE, data__has_key="override").count() == len(planned)


def test_one_complex_ticket_with_the_longer_resolution_time(loaded):
    (ticket,) = Ticket.objects.filter(is_complex=True)
    profile = ticket.deadlines()
    assert profile.complex_resolution_days == 22
    assigned = ticket.events.filter(kind=EventKind.ASSIGN).latest("created_at")
    assert assigned.data["complex"] is True
    assert ticket.due_date == workdays.add_working_days(timezone.localdate(assigned.created_at), 22)
    # longer than an ordinary ticket's resolution time, and still in time
    assert ticket.first_resolved_on_time and ticket.handling_working_days > profile.resolution_days
    assert ticket.assignments.filter(role=AssignmentRole.CO).count() >= 2


def test_first_contacts_in_time_late_and_not_yet(loaded):
    today = timezone.localdate()
    signed = Ticket.objects.filter(events__kind=EventKind.SIGN).distinct()
    assert signed.filter(contacted_at__isnull=False).count() >= 0.8 * signed.count()
    contacts = list(TicketEvent.objects.filter(kind=EventKind.CONTACT).select_related("ticket", "actor"))
    assert all(e.data["first"] for e in contacts)  # one each
    in_time = [e for e in contacts if e.data["on_time"]]
    late = [e for e in contacts if not e.data["on_time"]]
    assert len(in_time) > len(late) >= 3
    assert all(timezone.localdate(e.created_at) > e.ticket.contact_due_date for e in late)
    assert {e.data["method"] for e in contacts} >= {"phone", "visit", "meeting"}
    assert all(e.note and e.actor.department_id == e.ticket.department_id for e in contacts)  # the lead department's staff
    assert sum(signed.values_list("contacts_on_time", flat=True)) == len(in_time)
    # open, no contact yet: not due yet, and past its contact date though signed
    waiting = Ticket.objects.filter(status__in=HANDLING_STATUSES, contacted_at__isnull=True)
    assert waiting.filter(contact_due_date__gte=today).exists()
    assert waiting.filter(status=Status.IN_PROGRESS, contact_due_date__lt=today).exists()


def test_report_facts_agree_with_the_timelines(loaded):
    assert not reports.current_facts_disagreeing().exists()


def test_the_history_sends_no_message(loaded):
    """The demo's history is in the app (its notifications, read but for the last days'); none
    of it is e-mailed or queued for any channel, co-handling's included."""
    assert mail.outbox == []
    assert not Delivery.objects.exclude(status=Delivery.Status.NOT_SENT).exists()
    assert Notification.objects.filter(kind=Notification.Kind.CO_ASSIGNED).exists()
    assert not Notification.objects.filter(read_at__isnull=True, created_at__lt=timezone.now() - demo.UNREAD_HISTORY).exists()


def test_every_co_handler_logs_in_and_sees_its_tickets(loaded):
    request = RequestFactory().post("/accounts/login/")
    login_table = "\n".join(demo.login_table())
    co = Assignment.objects.filter(role=AssignmentRole.CO)
    departments = Department.objects.filter(assignments__in=co).distinct()
    assert departments.count() >= 6
    for department in departments:
        (user,) = department.staff.all()
        assert authenticate(request, username=user.username, password=demo.DEMO_PASSWORD) == user
        assert user.username in login_table
        seen = set(Ticket.objects.visible_to(user).values_list("pk", flat=True))
        assert set(co.filter(department=department).values_list("ticket_id", flat=True)) <= seen
    # the dept login (市发改委) co-handles several
    assert co.filter(department__staff__username="dept").count() >= 5


def test_return_requests_upheld_overruled_pending_and_a_release(loaded):
    """退单审核 (DESIGN.md §9): every return of the stories is an upheld request; one overruled, one
    waiting for dispatch (the queue's top section), and one co-handler's release request."""
    from tickets.models import ReturnRequest

    requests = ReturnRequest.objects.select_related("assignment", "ticket")
    upheld = requests.filter(state="upheld", assignment__role="lead")
    assert upheld.exists()
    assert all(r.ticket.was_returned for r in upheld)
    assert upheld.filter(suggested_department__isnull=False).exists()  # the assign form proposes it
    assert Ticket.objects.filter(was_returned=True).count() == upheld.count()  # no return without a ruling
    [overruled] = requests.filter(state="overruled", assignment__role="lead")
    assert overruled.decision_reason and overruled.ticket.status in ("assigned", "in_progress")
    [pending] = requests.filter(state="pending")
    assert pending.assignment.role == "lead" and pending.ticket.department_id == pending.department_id
    [release] = requests.filter(assignment__role="co")
    assert release.state == "overruled" and release.assignment.ended_at is None


def test_the_callback_login_recorded_a_confirming_and_a_reopening_call(loaded):
    caller = User.objects.get(username="callback")
    calls = TicketEvent.objects.filter(actor=caller, data__channel="phone").exclude(data__has_key="verification_call")
    assert sorted(calls.values_list("kind", "from_state")) == [("confirm", "resolved"), ("reopen", "resolved")]
    reopened = calls.get(kind="reopen").ticket
    assert reopened.status == Status.IN_PROGRESS and reopened.supervision_level != "none"


def test_last_months_verification_list_has_calls_done_and_pending(loaded):
    from tickets.models import VerificationCall
    from tickets.services.calls import previous_month

    calls = VerificationCall.objects.filter(month=previous_month(timezone.localdate()))
    states = sorted(calls.values_list("state", flat=True))
    assert states.count("confirmed") == 1 and states.count("disagreed") == 1 and states.count("pending") >= 2, states
    disagreed = calls.get(state="disagreed")
    assert disagreed.caller.username == "callback" and disagreed.ticket.status == Status.IN_PROGRESS
    assert disagreed.ticket.events.filter(kind="reopen", from_state="closed").exists()


# --- outcome kinds and rating reviews (DESIGN.md §9; enterprises.demo_outcomes) ---------------


def test_every_outcome_kind_and_a_not_feasible_ticket_the_sweep_reminds(loaded):
    from tickets.jobs.sweep import run_sweep

    outcomes = Counter(Ticket.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert outcomes["solved"] > 20 and outcomes["explained"] == 2 and outcomes["not_feasible"] == 2
    today = timezone.localdate()
    due = Ticket.objects.get(outcome="not_feasible", outcome_review_date__lte=today)
    assert Ticket.objects.get(outcome="not_feasible", outcome_review_date__gt=today).outcome_condition
    assert run_sweep()["outcome_review"] == 1
    assert Notification.objects.filter(kind="outcome_review_due", ticket=due, recipient__department=due.department).exists()


def test_one_upheld_one_refused_and_one_pending_rating_review(loaded):
    from tickets.models import RatingReview

    reviews = {review.state: review for review in RatingReview.objects.select_related("ticket")}
    assert set(reviews) == {"upheld", "refused", "pending"} and RatingReview.objects.count() == 3
    upheld = reviews["upheld"].ticket
    assert upheld.latest_rating == Rating.DISSATISFIED and upheld.rating_review_upheld
    assert reports.is_rated(upheld) is False  # left out of the satisfaction rate
    assert not reports.current_facts_disagreeing().exists()


def test_one_demo_login_has_the_second_factor_on_with_the_printed_secret(loaded, client):
    """The demo runs without REQUIRE_2FA_FOR_STAFF; admin2fa shows the second factor, its app's
    secret fixed and printed with the logins (README "Signing in safely")."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tickets import rules

    user = User.objects.get(username=demo.TWO_FACTOR_USERNAME)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.config_url.split("secret=")[1].startswith(demo.TWO_FACTOR_SECRET)
    assert rules.must_verify(user) and not rules.must_verify(User.objects.get(username="admin"))
    assert demo.TWO_FACTOR_SECRET in loaded and demo.TWO_FACTOR_USERNAME in loaded

    client.post("/accounts/login/", {"username": user.username, "password": demo.DEMO_PASSWORD})
    assert client.get("/tickets/")["Location"].startswith("/accounts/two-factor/")
    code = f"{totp(device.bin_key):06d}"
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    assert client.get("/tickets/").status_code == 200


# --- the monthly assessment (DESIGN.md §10): enterprises.demo_assessment ------------------------


def test_three_frozen_months_the_last_three_before_today_the_oldest_corrected(loaded):
    import datetime

    from tickets.models import AssessmentMonth
    from tickets.selectors.assessment import month_start

    def following(month):
        return month_start(month + datetime.timedelta(days=32))

    months = list(AssessmentMonth.objects.order_by("month"))
    assert [m.month for m in months[1:]] == [following(m.month) for m in months[:-1]]
    assert len(months) == 3 and following(months[-1].month) == month_start(timezone.localdate())
    assert [m.edition for m in months] == [2, 1, 1]
    for month in months[1:]:  # frozen by the system on the first working day of the next month at 08:00, as the beat does
        day = following(month.month)
        while not workdays.is_working_day(day):
            day += datetime.timedelta(days=1)
        beat = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
        assert month.frozen_at == beat or (beat > timezone.now() - datetime.timedelta(minutes=5) and month.frozen_at <= timezone.now())
        assert month.frozen_by is None


def test_the_corrected_month_keeps_both_editions_with_the_reason(loaded):
    from tickets.models import AssessmentMonth, MonthlyAssessment

    corrected = AssessmentMonth.objects.get(edition=2)
    editions = MonthlyAssessment.objects.filter(month=corrected.month, kind=MonthlyAssessment.Kind.CITY)
    assert sorted(editions.values_list("edition", flat=True)) == [1, 2]
    first, second = editions.get(edition=1), editions.get(edition=2)
    assert first.reason == "" and second.reason == demo_assessment.CORRECTION_REASON
    assert first.frozen_at < second.frozen_at and second.frozen_by.username == "admin"


def test_two_scheme_versions_and_every_department_in_one_group(loaded):
    from tickets.models import AssessmentMonth, AssessmentScheme, SchemeMembership

    first_ticket = timezone.localdate(Ticket.objects.order_by("submitted_at").first().submitted_at)
    first, second = AssessmentScheme.objects.order_by("valid_from")
    assert first.valid_from.day == second.valid_from.day == 1 and first.valid_from < first_ticket.replace(day=1)
    for scheme in (first, second):
        assert sum(scheme.weights().values()) == 100 and all(scheme.deductions().values())
        assert scheme.problems() == []
        groups = dict(SchemeMembership.objects.filter(scheme=scheme).values_list("department__name", "group__name"))
        assert set(groups) == set(Department.objects.values_list("name", flat=True))
        assert set(groups.values()) == {name for name, _members in demo_assessment.GROUPS}
    assert first.weights() != second.weights()
    oldest, *later = AssessmentMonth.objects.order_by("month")
    assert oldest.scheme == first and {month.scheme for month in later} == {second}


def test_every_frozen_months_bulletin_has_a_ranking_an_honour_list_and_a_red_list(loaded):
    from tickets.models import AssessmentMonth
    from tickets.selectors.bulletin import bulletin

    for month in AssessmentMonth.objects.all():
        found = bulletin(month.month)
        assert found.edition == month.edition and not found.ungrouped
        assert found.groups and all(line.rank and line.score is not None for ranking in found.groups for line in ranking.lines)
        assert found.honour_list and found.red_list, f"{month.month:%Y-%m}"
        sizes = found.scheme.honour_list_size, found.scheme.red_list_size
        assert all(len(ranking.honour) <= sizes[0] for ranking in found.groups)


def test_the_bulletins_were_told_when_frozen_and_only_the_last_days_are_unread(loaded):
    from tickets.models import AssessmentMonth
    from tickets.notifications.recipients import bulletin_readers

    told = Notification.objects.filter(kind=Notification.Kind.BULLETIN)
    readers = bulletin_readers()
    assert told.count() == 4 * len(readers)  # three months frozen, one corrected
    for month in AssessmentMonth.objects.all():
        subjects = set(told.filter(url=f"/assessment/{month.month:%Y-%m}/").values_list("subject", flat=True))
        assert len(subjects) == month.edition and all(f"{month.month:%Y-%m}" in subject for subject in subjects)
        assert all("Monthly" not in subject for subject in subjects)  # in the site's language
    own = told.filter(recipient__username="dept").latest("created_at")
    assert "/assessment/" in own.body and "Your department" not in own.body
    assert not told.filter(read_at__isnull=True, created_at__lt=timezone.now() - demo.UNREAD_HISTORY).exists()


def test_a_newcomer_sees_the_ranking_on_the_bulletin_and_the_public_page(loaded, client):
    from tickets.models import AssessmentMonth

    latest = AssessmentMonth.objects.order_by("-month").first()
    public = client.get("/public/monthly/")
    assert public.status_code == 200 and f"{latest.month:%Y-%m}" in public.content.decode()
    assert "国网晋城供电公司" in public.content.decode()
    client.force_login(User.objects.get(username="leader"))
    page = client.get(f"/assessment/{latest.month:%Y-%m}/")
    assert page.status_code == 200 and "公用事业单位" in page.content.decode()


def test_demo_people_get_channel_addresses_one_company_contact_none(loaded):
    """enterprises.demo_channels: the fakes of scripts/run show deliveries on every channel."""
    from enterprises.validators import normalize_mobile

    staff = User.objects.exclude(role__in=[User.Role.COMPANY, User.Role.CALLBACK])  # the caller is made after
    assert not staff.filter(mobile="").exists() and not staff.filter(wecom_userid="").exists()
    assert not User.objects.filter(role=User.Role.DEPARTMENT, dingtalk_userid="").exists()
    assert User.objects.filter(role=User.Role.COMPANY, mobile="").count() == 1
    assert all(normalize_mobile(mobile) == mobile for mobile in User.objects.exclude(mobile="").values_list("mobile", flat=True))


def test_liaisons_visited_their_companies_and_some_are_behind_this_quarter(loaded):
    from tickets.models import Visit, VisitQuota, quarter_of
    from tickets.selectors.ledger import liaison_ledger, liaison_overview

    start, _end = quarter_of(timezone.localdate())
    assert VisitQuota.in_force(timezone.localdate()) == 1
    assert Visit.objects.filter(visited_on__lt=start).count() > 30
    assert all(visit.visited_on < timezone.localdate() for visit in Visit.objects.all())
    ledger = liaison_ledger(User.objects.get(username="liaison"))
    assert 0 < ledger.behind < len(ledger.rows)
    assert liaison_overview(User.objects.get(username="leader")).behind_total > 0


def test_problems_raised_on_visits_are_liaison_tickets_waiting_for_dispatch(loaded):
    raised = Ticket.objects.filter(visit__isnull=False).select_related("visit", "enterprise")
    assert raised.count() == 3
    assert all(t.channel == "liaison" and t.status == Status.SUBMITTED and t.submitted_by == t.visit.liaison for t in raised)
    demo_company = User.objects.get(username="company").enterprise
    assert raised.filter(enterprise=demo_company, visit__liaison__username="liaison").count() == 2
