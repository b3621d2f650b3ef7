"""Migrations 0009–0011: every category's service levels (and its SLA policies per priority) become
its deadline profiles with the same sign and resolution times; assignments get their state, and
extension requests the assignment they were about. Run on the real migration graph: the old rows
are written with the models as they were at 0008."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tickets", "0008_remove_notification_email_columns")]
AFTER = [("tickets", "0011_remove_category_service_levels")]

T0 = datetime.datetime(2026, 9, 30, 2, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def at_0008(transactional_db):
    """The database at 0008: two categories with their service levels, an urgent SLA policy, and
    a ticket with a signed, an ended and an unsigned assignment and an extension request."""
    apps = _migrate(BEFORE)
    try:
        Department = apps.get_model("enterprises", "Department")
        User = apps.get_model("enterprises", "User")
        Enterprise = apps.get_model("enterprises", "Enterprise")
        Category = apps.get_model("tickets", "Category")
        Ticket = apps.get_model("tickets", "Ticket")
        Assignment = apps.get_model("tickets", "Assignment")
        department = Department.objects.create(name="市发改委")
        other = Department.objects.create(name="市人社局")
        dispatcher = User.objects.create(username="jiaoban", role="dispatcher")
        company = Enterprise.objects.create(
            name="凤凰机械", credit_code="91140500MA0GRXXX1X",
            district=apps.get_model("enterprises", "District").objects.create(name="城区"),
            industry=apps.get_model("enterprises", "Industry").objects.create(name="装备制造"),
        )
        user = User.objects.create(username="qiye", role="company", enterprise=company)
        loans = Category.objects.create(name="融资信贷", response_days=1, resolution_days=10)
        Category.objects.create(name="用地用房", response_days=2, resolution_days=20)
        apps.get_model("tickets", "SLAPolicy").objects.create(category=loans, priority="urgent", response_days=1, resolution_days=5)
        ticket = Ticket.objects.create(
            reference="QY-2026-000001", enterprise=company, category=loans, title="贷款", description="…", submitted_by=user,
            status="in_progress", department=department, due_date=datetime.date(2026, 10, 20),
        )
        ended = Assignment.objects.create(
            ticket=ticket, department=other, assigned_by=dispatcher, assigned_at=T0, response_due_date=datetime.date(2026, 10, 1),
            due_date=datetime.date(2026, 10, 14), ended_at=T0 + DAY, end_reason="returned",
        )
        signed = Assignment.objects.create(
            ticket=ticket, department=department, assigned_by=dispatcher, assigned_at=T0 + 2 * DAY,
            response_due_date=datetime.date(2026, 10, 9), due_date=datetime.date(2026, 10, 20), signed_at=T0 + 3 * DAY,
        )
        request = apps.get_model("tickets", "ExtensionRequest").objects.create(
            ticket=ticket, department=department, requested_by=user, current_due_date=datetime.date(2026, 10, 20),
            requested_due_date=datetime.date(2026, 10, 30), reason="会商", created_at=T0 + 4 * DAY,
        )
        yield {"ended": ended.pk, "signed": signed.pk, "request": request.pk}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_each_category_gets_a_profile_with_its_sign_and_resolution_times(at_0008):
    apps = _migrate(AFTER)

    profiles = apps.get_model("tickets", "DeadlineProfile").objects.values_list(
        "category__name", "priority", "response_days", "contact_days", "co_feedback_days", "resolution_days", "complex_resolution_days"
    )
    assert sorted(profiles) == [
        ("用地用房", "", 2, 2, 20, 20, 22),
        ("融资信贷", "", 1, 1, 10, 10, 22),
        ("融资信贷", "urgent", 1, 1, 5, 5, 22),
    ]


def test_assignments_get_their_state_and_first_due_date(at_0008):
    apps = _migrate(AFTER)

    Assignment = apps.get_model("tickets", "Assignment")
    ended, signed = Assignment.objects.get(pk=at_0008["ended"]), Assignment.objects.get(pk=at_0008["signed"])
    assert (ended.role, ended.state, ended.first_due_date) == ("lead", "ended", datetime.date(2026, 10, 14))
    assert (signed.role, signed.state, signed.first_due_date) == ("lead", "signed", datetime.date(2026, 10, 20))
    assert signed.contact_due_date is None  # no contact stage before 0009: the contact rate does not count it


def test_an_extension_request_is_linked_to_the_assignment_it_was_about(at_0008):
    apps = _migrate(AFTER)

    request = apps.get_model("tickets", "ExtensionRequest").objects.get(pk=at_0008["request"])
    assert request.assignment_id == at_0008["signed"]
