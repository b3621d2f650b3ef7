"""The admin speaks the product's language (issue 18 item 6): every app and model it lists is named
in Chinese, every page reachable from its index opens, and a ticket's timeline shows the states'
labels and the time in Asia/Shanghai."""

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.text import capfirst

from config import admin_names
from tests.conftest import at, day
from tests.factories import authenticator_app
from tickets import services
from tickets.models import TicketEvent
from tickets.models.states import state_label

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


@pytest.fixture
def assigned_on_march_2nd(submit, dispatcher, department):
    """Submitted at 09:30 and assigned at 10:05 on 2026-03-02, Beijing time (01:30 and 02:05 UTC)."""
    ticket = submit(at=at(day(3, 2), 9, 30))
    return services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=at(day(3, 2), 10, 5))


@pytest.fixture
def a_row_of_everything(leader, assigned_on_march_2nd):
    """A ticket with its timeline, the administrator's second factor, a lockout's records: so that
    the walk opens a change page of most models, not only their lists (the second factor is the
    leader's: the administrator signed in here has none to pass)."""
    authenticator_app(leader, recovery_codes=("12345678",))
    AccessAttempt.objects.create(username="somebody", ip_address="10.0.0.9", user_agent="test", failures_since_start=1)
    AccessFailureLog.objects.create(username="somebody", ip_address="10.0.0.9", user_agent="test")
    AccessLog.objects.create(username="admin", ip_address="10.0.0.1", user_agent="test")


def _walk(client):
    """(app name, model name, url, response) of the index's every model: its list, its add page
    when it has one, and the change page of its first row when it has rows."""
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    for app in index.context["app_list"]:
        for model in app["models"]:
            changelist = client.get(model["admin_url"])
            yield app["name"], model["name"], model["admin_url"], changelist
            if model.get("add_url"):
                yield app["name"], model["name"], model["add_url"], client.get(model["add_url"])
            rows = changelist.context["cl"].result_list if changelist.context and "cl" in changelist.context else []
            if len(rows):
                opts = model["model"]._meta
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(rows[0].pk)])
                yield app["name"], model["name"], url, client.get(url)


def test_every_app_and_model_in_the_admin_index_is_named_in_chinese(as_admin, a_row_of_everything):
    index = as_admin.get(reverse("admin:index"))
    names = [app["name"] for app in index.context["app_list"]]
    names += [model["name"] for app in index.context["app_list"] for model in app["models"]]
    assert names and [name for name in names if not CHINESE.search(str(name))] == []


def test_every_page_reachable_from_the_admin_index_opens_and_is_headed_in_chinese(as_admin, a_row_of_everything):
    """Each list, add and change page opens, and says its app's and model's Chinese names (in its
    title and breadcrumbs); the rows shown under a record (inlines) are named in Chinese too."""
    walked = list(_walk(as_admin))
    assert len(walked) > 40  # the walk went through the whole index
    refused = [(url, response.status_code) for _app, _model, url, response in walked if response.status_code != 200]
    assert refused == []
    for app_name, model_name, url, response in walked:
        page = response.content.decode()
        assert str(app_name) in page, url
        opts = response.context["opts"]
        assert CHINESE.search(str(opts.verbose_name)) and CHINESE.search(str(opts.verbose_name_plural)), url
        assert str(model_name) in page or str(capfirst(opts.verbose_name)) in page, url
        for inline in response.context.get("inline_admin_formsets") or []:
            assert CHINESE.search(str(inline.opts.verbose_name_plural)), f"{url}: {inline.opts.verbose_name_plural}"


def test_the_index_reads_the_lockout_and_second_factor_apps_by_their_chinese_names(as_admin):
    page = as_admin.get(reverse("admin:index")).content.decode()
    for name in ("登录锁定", "双重验证：身份验证器", "双重验证：恢复码"):
        assert name in page
    assert "Otp_Totp" not in page and "TOTP devices" not in page and ">Axes<" not in page


def test_the_index_tables_headers_for_screen_readers_are_in_chinese(as_admin):
    """Django 5.2's index has column headers read out by screen readers that its own catalog leaves English."""
    page = as_admin.get(reverse("admin:index")).content.decode()
    assert '<th scope="col">名称</th>' in page
    assert "Model name" not in page and "Add link" not in page and "Change or view list link" not in page


def test_naming_third_party_models_asks_for_no_migration():
    """The migration state reads a model's Meta as declared: the names set for the admin change
    nothing that makemigrations compares."""
    from django.apps import apps

    for (label, model_name), _names in admin_names.MODEL_NAMES.items():
        declared = apps.get_model(label, model_name)._meta.original_attrs
        assert not CHINESE.search(str(declared.get("verbose_name", "")))


def test_a_tickets_timeline_in_the_admin_shows_state_labels_and_beijing_time(as_admin, assigned_on_march_2nd):
    page = as_admin.get(reverse("admin:tickets_ticket_change", args=[assigned_on_march_2nd.pk])).content.decode()
    when = re.findall(r'<td class="field-when">\s*<p>([^<]*)</p>', page)
    to = re.findall(r'<td class="field-to_label">\s*<p>([^<]*)</p>', page)
    assert when == ["2026-03-02 09:30", "2026-03-02 10:05"]
    assert to == ["已提交", "已交办"]
    assert "02:05" not in page


def test_the_timeline_list_in_the_admin_shows_state_labels_and_beijing_time(as_admin, assigned_on_march_2nd):
    page = as_admin.get(reverse("admin:tickets_ticketevent_changelist")).content.decode()
    row = r'<td class="field-from_label">已提交</td><td class="field-to_label">已交办</td><td class="field-when">2026-03-02 10:05</td>'
    assert re.search(row, page)


def test_a_timeline_entrys_admin_page_shows_state_labels_and_beijing_time(as_admin, assigned_on_march_2nd):
    event = TicketEvent.objects.get(ticket=assigned_on_march_2nd, kind="assign")
    page = as_admin.get(reverse("admin:tickets_ticketevent_change", args=[event.pk])).content.decode()
    assert re.search(r'<div class="readonly">2026-03-02 10:05</div>', page)
    assert re.search(r'<div class="readonly">已交办</div>', page)


@pytest.mark.parametrize(
    ("value", "label"), [("in_progress", "办理中"), ("red", "红牌督办"), ("", ""), ("something_else", "something_else")]
)
def test_a_recorded_state_is_shown_by_its_label(value, label):
    assert state_label(value) == label


def test_the_timeline_keeps_its_short_cells_on_one_line_and_scrolls_on_a_phone(as_admin, assigned_on_march_2nd):
    page = as_admin.get(reverse("admin:tickets_ticket_change", args=[assigned_on_march_2nd.pk])).content.decode()
    assert "css/admin.css" in page
    css = (Path(settings.BASE_DIR) / "static" / "css" / "admin.css").read_text()
    assert re.search(r"td\.field-to_label \{ white-space: nowrap; \}", css)
    assert re.search(r"\.inline-group \.tabular \{ overflow-x: auto; \}", css)
