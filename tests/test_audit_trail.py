"""The audit trail of administration (config/audit.py, enterprises/admin.py): a change made in the
admin to people, departments, categories, company profiles, deadline profiles or the calendar is
recorded with who, when and each field's before and after; a password only as changed; the
operational records are not tracked; only administrators read it."""

import datetime

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.audit import HIDDEN
from enterprises.models import Department, District, Enterprise, Industry, User
from tests.factories import PASSWORD, CategoryFactory, DepartmentFactory, UserFactory
from tickets.models import CalendarDay, CalendarYear, Category, DeadlineProfile, Notification, Ticket, TicketEvent


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def dispatcher_to_promote(db):
    return UserFactory(username="jiaoban", role=User.Role.DISPATCHER, display_name="交办员 赵")


def _user_form(user, **changes):
    """The admin's change form for `user`, as the page would post it, with `changes`."""
    form = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
        "is_active": "on", "role": user.role, "display_name": user.display_name, "phone": user.phone,
        "enterprise": user.enterprise_id or "", "department": user.department_id or "",
    }  # fmt: skip
    form.update(changes)
    return form


def _updates(obj):
    return LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.UPDATE)


def test_a_role_changed_in_the_admin_is_recorded_with_the_administrator_and_both_values(as_admin, admin_user, dispatcher_to_promote):
    url = reverse("admin:enterprises_user_change", args=[dispatcher_to_promote.pk])

    response = as_admin.post(url, _user_form(dispatcher_to_promote, role=User.Role.SUPERVISOR))

    assert response.status_code == 302
    (entry,) = _updates(dispatcher_to_promote)
    assert entry.actor == admin_user and entry.timestamp is not None
    assert entry.changes_dict == {"role": ["dispatcher", "supervisor"]}


def test_a_password_change_is_recorded_as_changed_and_no_hash_is_ever_stored(as_admin, dispatcher_to_promote):
    old_hash = dispatcher_to_promote.password
    url = reverse("admin:auth_user_password_change", args=[dispatcher_to_promote.pk])

    response = as_admin.post(url, {"password1": "Xin-mima-2026!", "password2": "Xin-mima-2026!", "usable_password": "true"})

    assert response.status_code == 302
    dispatcher_to_promote.refresh_from_db()
    (entry,) = _updates(dispatcher_to_promote)
    assert entry.changes_dict == {"password": [HIDDEN, HIDDEN]}
    stored = " ".join(str(e.changes) + e.changes_text for e in LogEntry.objects.all())
    assert old_hash not in stored and dispatcher_to_promote.password not in stored and "md5$" not in stored


def test_signing_in_records_nothing(client, dispatcher_to_promote):
    response = client.post(reverse("login"), {"username": "jiaoban", "password": PASSWORD})

    assert response.status_code == 302

    assert not _updates(dispatcher_to_promote).exists()  # last_login is not an administrator's change


def test_a_new_record_is_recorded_with_its_own_fields_not_its_relations(db):
    department = DepartmentFactory(name="市发改委")

    entry = LogEntry.objects.get_for_object(department).get()

    assert entry.action == LogEntry.Action.CREATE
    assert set(entry.changes_dict) == {"id", "name", "email", "phone", "is_active", "sort_order"}  # no staff, tickets…


def test_a_department_changed_in_the_admin_is_recorded(as_admin, admin_user):
    department = DepartmentFactory(name="市发改委", phone="0356-2020000")
    url = reverse("admin:enterprises_department_change", args=[department.pk])

    as_admin.post(url, {"name": "市发展和改革委员会", "email": "", "phone": "0356-2020000", "is_active": "on", "sort_order": 0})

    (entry,) = _updates(department)
    assert entry.actor == admin_user and entry.changes_dict == {"name": ["市发改委", "市发展和改革委员会"]}


def test_a_categorys_co_handling_departments_changed_in_the_admin_are_recorded(as_admin, admin_user, co_department):
    category = CategoryFactory(name="融资信贷", profile=False)
    url = reverse("admin:tickets_category_change", args=[category.pk])
    inline = {"deadline_profiles-TOTAL_FORMS": 0, "deadline_profiles-INITIAL_FORMS": 0}

    as_admin.post(url, {"name": "融资信贷", "default_department": category.default_department_id, "co_departments": [co_department.pk],
                        "is_active": "on", "sort_order": 0, **inline})  # fmt: skip

    (entry,) = _updates(category)
    assert entry.actor == admin_user
    assert entry.changes_dict["co_departments"] == {"type": "m2m", "operation": "add", "objects": ["市行政审批局"]}


def test_a_deadline_profile_changed_in_the_admin_is_recorded(as_admin, category):
    profile = DeadlineProfile.objects.get(category=category)
    url = reverse("admin:tickets_deadlineprofile_change", args=[profile.pk])
    form = {"name": profile.name, "category": category.pk, "priority": "", "response_days": 1, "contact_days": 1,
            "co_feedback_days": 3, "resolution_days": 7, "complex_resolution_days": 20}  # fmt: skip

    as_admin.post(url, form)

    (entry,) = _updates(profile)
    assert entry.changes_dict == {"resolution_days": ["5", "7"]}


def test_a_holiday_added_in_the_admin_is_recorded(as_admin, admin_user):
    response = as_admin.post(reverse("admin:tickets_calendarday_add"), {"date": "2031-10-08", "name": "国庆节"})

    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(CalendarDay.objects.get(date=datetime.date(2031, 10, 8))).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == admin_user
    assert entry.changes_dict["is_working_day"] == ["None", "False"] and entry.changes_dict["name"] == ["None", "国庆节"]


def test_a_calendar_years_own_timestamp_is_not_a_change(as_admin):
    year = CalendarYear.objects.create(year=2040, source=CalendarYear.Source.PACKAGE)

    as_admin.post(reverse("admin:tickets_calendaryear_change", args=[year.pk]), {"year": 2040, "source": "manual"})

    (entry,) = _updates(year)
    assert entry.changes_dict == {"source": ["package", "manual"]}


def test_tickets_their_events_and_notifications_are_not_tracked(ticket):
    kinds = ContentType.objects.get_for_models(Ticket, TicketEvent, Notification).values()

    assert not any(auditlog.contains(model) for model in (Ticket, TicketEvent, Notification))
    assert not LogEntry.objects.filter(content_type__in=kinds).exists()


def test_the_reference_data_and_the_people_are_tracked():
    tracked = (User, Group, Department, District, Industry, Enterprise, Category, DeadlineProfile, CalendarDay, CalendarYear)

    assert all(auditlog.contains(model) for model in tracked)


def test_the_address_recorded_is_the_connections_not_a_forwarded_for_a_client_sent(as_admin, dispatcher_to_promote):
    url = reverse("admin:enterprises_user_change", args=[dispatcher_to_promote.pk])

    as_admin.post(url, _user_form(dispatcher_to_promote, display_name="交办员 钱"), HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert _updates(dispatcher_to_promote).get().remote_addr == "127.0.0.1"


def test_an_administrator_reads_a_change_in_the_admin_in_chinese(as_admin, dispatcher_to_promote):
    as_admin.post(reverse("admin:enterprises_user_change", args=[dispatcher_to_promote.pk]),
                  _user_form(dispatcher_to_promote, role=User.Role.SUPERVISOR))  # fmt: skip
    entry = _updates(dispatcher_to_promote).get()

    listing = as_admin.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    page = as_admin.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()

    assert "审计日志" in listing and "交办员 赵" in listing
    assert "修改前" in page and "修改后" in page and "交办部门" in page and "督办部门" in page  # the roles by their names
    assert timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S") in page


def test_a_staff_member_who_is_not_an_administrator_cannot_read_the_audit_trail(client, dispatcher_to_promote):
    staff = UserFactory(username="staff", role=User.Role.SUPERVISOR, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog"))
    client.force_login(staff)

    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403


def test_an_administrator_who_is_not_a_superuser_reads_it_with_the_permission_to_view_it(client, db):
    administrator = UserFactory(username="guanli", role=User.Role.ADMIN, is_staff=True)
    administrator.user_permissions.add(Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog"))
    client.force_login(administrator)

    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200


def test_the_audit_trails_list_takes_as_many_queries_for_many_entries_as_for_few(as_admin):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert as_admin.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
        return len(ctx)

    UserFactory.create_batch(2, role=User.Role.DEPARTMENT)
    few = queries()
    UserFactory.create_batch(10, role=User.Role.DEPARTMENT)

    assert queries() == few
