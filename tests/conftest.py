"""The cast: one named user per role, and helpers to walk a ticket through the loop."""

import datetime
import os
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from enterprises.models import User
from tickets import services
from tickets.services import ActionRefused

from .factories import PASSWORD as PASSWORD  # re-exported: the tests sign in with it
from .factories import CategoryFactory, DepartmentFactory, EnterpriseFactory, UserFactory

# The named users of every role (fixtures below), by role.
ROLE_FIXTURES = {
    "company": "company_user",
    "other_company": "other_company_user",
    "liaison": "liaison",  # liaison of the ticket's company
    "other_liaison": "other_liaison",
    "dispatcher": "dispatcher",
    "department": "department_user",  # staff of the department the ticket is (or will be) assigned to
    "other_department": "other_department_user",
    "co_department": "co_department_user",  # staff of a department that co-handles the ticket (协办)
    "supervisor": "supervisor",
    "leader": "leader",
    "admin": "admin_user",
    "callback": "callback_user",  # 回访员: sees what dispatch sees, records follow-up and verification calls only
}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite for a newcomer, but never in CI."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if on_postgres:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI must run the tests on PostgreSQL: set DATABASE_URL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Test users need no real key stretching; the production hasher stays PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
    }


@pytest.fixture
def department(db):
    return DepartmentFactory(name="市发改委")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="市人社局")


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="晋城市凤凰机械有限公司")


@pytest.fixture
def other_enterprise(db):
    return EnterpriseFactory(name="高平市金桥煤化有限公司")


@pytest.fixture
def category(department):
    return CategoryFactory(name="融资信贷", default_department=department, response_days=1, resolution_days=5)


@pytest.fixture
def company_user(enterprise):
    return UserFactory(username="company", role=User.Role.COMPANY, enterprise=enterprise, display_name="凤凰机械 王经理")


@pytest.fixture
def other_company_user(other_enterprise):
    return UserFactory(username="company2", role=User.Role.COMPANY, enterprise=other_enterprise)


@pytest.fixture
def liaison(enterprise):
    user = UserFactory(username="liaison", role=User.Role.LIAISON, display_name="包联干部 李")
    enterprise.liaisons.add(user)
    return user


@pytest.fixture
def other_liaison(db):
    return UserFactory(username="liaison2", role=User.Role.LIAISON)


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="dispatcher", role=User.Role.DISPATCHER, display_name="营商办 交办员")


@pytest.fixture
def department_user(department):
    return UserFactory(username="dept", role=User.Role.DEPARTMENT, department=department, display_name="发改委 经办人")


@pytest.fixture
def other_department_user(other_department):
    return UserFactory(username="dept2", role=User.Role.DEPARTMENT, department=other_department)


@pytest.fixture
def co_department(db):
    return DepartmentFactory(name="市行政审批局")


@pytest.fixture
def second_co_department(db):
    return DepartmentFactory(name="城区人民政府")


@pytest.fixture
def co_department_user(co_department):
    return UserFactory(username="codept", role=User.Role.DEPARTMENT, department=co_department, display_name="审批局 协办人")


@pytest.fixture
def second_co_department_user(second_co_department):
    return UserFactory(username="codept2", role=User.Role.DEPARTMENT, department=second_co_department, display_name="城区 协办人")


@pytest.fixture
def co_handled_ticket(ticket, dispatcher, department, department_user, co_department_user, second_co_department_user):
    """Assigned to `department` as lead, with two co-handlers (审批局, 城区); their staff exist first,
    so that they are told."""
    return services.ticket_assign(
        ticket=ticket, by=dispatcher, department=department,
        co_departments=[co_department_user.department, second_co_department_user.department],
    )  # fmt: skip


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", role=User.Role.SUPERVISOR, display_name="督查室 督办员")


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", role=User.Role.LEADER, display_name="市领导")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def callback_user(db):
    return UserFactory(username="callback", role=User.Role.CALLBACK, display_name="回访中心 回访员")


@pytest.fixture
def submit(company_user, category):
    """Submit a ticket as the company; keyword arguments override the defaults."""

    def _submit(**overrides):
        fields = dict(
            by=company_user,
            enterprise=company_user.enterprise,
            category=category,
            title="贷款审批迟迟没有结果",
            description="我公司3月向银行申请技改贷款500万元，至今没有答复，请协调。",
            priority="normal",
        )
        fields.update(overrides)
        return services.ticket_submit(**fields)

    return _submit


@pytest.fixture
def ticket(submit):
    return submit()


@pytest.fixture
def assigned_ticket(ticket, dispatcher, department):
    return services.ticket_assign(ticket=ticket, by=dispatcher, department=department)


@pytest.fixture
def in_progress_ticket(assigned_ticket, department_user):
    return services.ticket_sign(ticket=assigned_ticket, by=department_user)


@pytest.fixture
def resolved_ticket(in_progress_ticket, department_user):
    return services.ticket_resolve(
        outcome="solved", ticket=in_progress_ticket, by=department_user, result="已协调银行完成审批，贷款已发放。"
    )


@pytest.fixture
def closed_ticket(resolved_ticket, company_user):
    return services.ticket_confirm(ticket=resolved_ticket, by=company_user, rating="satisfied")


@pytest.fixture
def reopened_ticket(resolved_ticket, company_user):
    """Resolved, then sent back by the company: a 不满意 the lead department may ask to review (评价复核)."""
    return services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="贷款仍未到账")


@pytest.fixture
def rating_review(reopened_ticket, department_user):
    """A pending review of that 不满意, asked for by the lead department."""
    return services.rating_review_request(ticket=reopened_ticket, by=department_user, reason="企业诉求超出政策范围，已充分解释")


@pytest.fixture
def rejected_ticket(ticket, dispatcher):
    return services.ticket_reject(ticket=ticket, by=dispatcher, reason="不属于涉企诉求范围")


@pytest.fixture
def six_of_eleven_closed(dispatcher, department_user, company_user, department, submit):
    """Eleven accepted tickets this year, six of them closed: a closure rate of 54.5454…%."""
    for index in range(11):
        ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
        if index < 6:
            services.ticket_sign(ticket=ticket, by=department_user)
            services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已解决")
            services.ticket_confirm(ticket=ticket, by=company_user, rating="satisfied")


def local_datetime(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute), timezone.get_default_timezone())


def day(month, dom, year=2026):
    """A date of the story a test tells (2026 unless said)."""
    return datetime.date(year, month, dom)


def at(date, hour=10, minute=0):
    """That date at hh:mm Asia/Shanghai."""
    return local_datetime(date.year, date.month, date.day, hour, minute)


def race(*actions, timeout=60):
    """Run each action in its own thread, all released at the same moment.

    Returns one outcome per action: ("ok", result) or ("refused", ActionRefused). Any other
    exception fails the test. Each thread closes its database connection.
    """
    barrier = threading.Barrier(len(actions), timeout=timeout)
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = ("ok", action())
        except ActionRefused as refused:
            outcomes[index] = ("refused", refused)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread below
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing thread hung"
    errors = [outcome[1] for outcome in outcomes if outcome[0] == "error"]
    if errors:
        raise errors[0]
    return outcomes


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tests run tasks in-process even when REDIS_URL is set (as in CI); the tests that need a
    real worker on the real broker switch this off themselves."""
    from config.celery import app
    from tickets import background

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    background._down_until.clear()  # a broker that failed in another test is tried again at once
    yield
    app.conf.task_always_eager = previous


def api_as(user):
    """An API client signed in as `user` (tokens are tested on their own in test_api.py)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _api_rate_counters_per_test(settings):
    # The API's rate counters live in the cache (Redis when REDIS_URL is set, shared with Celery's
    # broker database): each test gets its own in-process cache so counts never leak between tests.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}}


@pytest.fixture(autouse=True)
def _unread_badge_counted_on_every_page(settings):
    # The header's badge is cached per person in production (UNREAD_BADGE_SECONDS); the tests that
    # compare a page's queries before and after adding rows would see the second page read it from
    # the cache. Counted on every page here; tests/notifications/test_unread_badge.py turns it on.
    settings.UNREAD_BADGE_SECONDS = 0
