"""The public page of the monthly assessment (DESIGN.md §10, tickets.web.public): no login, the
city's frozen figures and the ranking per group, and nothing of a company, a ticket or a person.

September 2026 is the hand-built month of tests/reports/test_reports.py (its `story`); the page's
ranking is the bulletin's (tickets.selectors.bulletin)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import translation

from enterprises.models import User
from tests.conftest import at, day
from tests.factories import CategoryFactory, DepartmentFactory, EnterpriseFactory, UserFactory, assessment_scheme, returned_to_dispatch
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets import services
from tickets.models import Ticket
from tickets.reports import format_rate
from tickets.selectors.assessment import figures, monthly_assessment
from tickets.selectors.bulletin import bulletin
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month

SEPTEMBER = datetime.date(2026, 9, 1)
AUGUST = datetime.date(2026, 8, 1)


@pytest.fixture
def frozen_september(story, cast):  # noqa: F811
    """September frozen with 市发改委 (D1) and 市人社局 (D2) in 市直部门."""
    assessment_scheme(valid_from=datetime.date(2026, 6, 1), groups={"市直部门": [cast.d1, cast.d2]})
    assessment_freeze_month(month=SEPTEMBER, by=None)
    return bulletin(SEPTEMBER)


def html(response):
    return response.content.decode()


def text(response):
    """The page's text without its tags, spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def test_an_anonymous_visitor_sees_the_city_figures_and_the_ranking(client, frozen_september):
    response = client.get("/public/monthly/")
    assert response.status_code == 200
    page = text(response)
    city = frozen_september.city
    assert "2026-09" in page
    assert f" {city['accepted']} " in page and format_rate(city["closure_rate"]) in page and format_rate(city["on_time_rate"]) in page
    assert "市直部门" in page
    [ranking] = frozen_september.groups
    assert sorted(line.label for line in ranking.lines) == ["市人社局", "市发改委"]
    for line in ranking.lines:
        assert line.label in page and str(line.score) in page
    first, second = ranking.lines
    assert page.index(first.label) < page.index(second.label)  # in rank order


def test_the_page_is_the_latest_frozen_month_by_default_and_a_month_by_its_url(client, frozen_september):
    assert client.get("/public/monthly/2026-09/").content == client.get("/public/monthly/").content


def test_a_signed_in_visitor_sees_the_same_page_without_menus(client, frozen_september, leader):
    anonymous = html(client.get("/public/monthly/"))
    client.force_login(leader)
    response = client.get("/public/monthly/")
    assert response.status_code == 200
    assert html(response) == anonymous
    assert "mainnav" not in anonymous and "logout" not in anonymous and "csrfmiddlewaretoken" not in anonymous


def test_staff_waiting_for_their_second_factor_still_open_the_public_page(client, frozen_september, dispatcher, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    client.force_login(dispatcher)
    assert client.get("/tickets/").status_code == 302  # the rest of the site sends them to the second factor
    assert client.get("/public/monthly/").status_code == 200


def test_a_month_that_is_not_frozen_is_a_404_saying_so_in_the_visitors_language(client, frozen_september):
    response = client.get("/public/monthly/2026-08/")
    assert response.status_code == 404
    assert "2026-08" in text(response) and "未冻结" in text(response)
    response = client.get("/public/monthly/2026-08/?lang=en")
    assert response.status_code == 404 and "2026-08 is not a frozen month" in text(response)
    response = client.get("/public/monthly/2026-08/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and "2026-08 is not a frozen month" in text(response)
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    ["/public/monthly/2026-13/", "/public/monthly/0000-01/", "/public/monthly/9999-12/", "/public/monthly/2026-9/", "/public/monthly/x/"],
)
def test_no_input_is_a_server_error(client, frozen_september, path):
    assert client.get(path).status_code == 404
    for query in ("?lang=xx", "?lang=", "?edition=abc", "?edition=1", "?lang=en&lang=zh-hans"):
        assert client.get(f"/public/monthly/{query}").status_code == 200


def test_the_page_is_read_only(client, frozen_september):
    assert client.get("/public/monthly/").status_code == client.head("/public/monthly/").status_code == 200
    assert client.post("/public/monthly/").status_code in (403, 405)  # CSRF, or the method refused
    assert Client(enforce_csrf_checks=False).post("/public/monthly/").status_code == 405


def test_with_no_frozen_month_the_page_says_so(client, db):
    response = client.get("/public/monthly/")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert "尚无" in text(response)


def test_the_page_reads_a_bounded_number_of_queries(client, frozen_september, cast, django_assert_num_queries):  # noqa: F811
    with django_assert_num_queries(3):
        assert client.get("/public/monthly/").status_code == 200
    # More months and departments: still the same number of queries.
    for month in (6, 7):
        assessment_freeze_month(month=datetime.date(2026, month, 1), by=None)
    for n in range(3):
        ticket_for_new_department(cast, n)
    assessment_correct_month(month=SEPTEMBER, by=None, reason="新增部门")
    with django_assert_num_queries(3):
        response = client.get("/public/monthly/2026-09/")
    assert response.status_code == 200 and "2026-06" in text(response) and "测试新部门2" in text(response)


def ticket_for_new_department(cast, n):  # noqa: F811
    department = DepartmentFactory(name=f"测试新部门{n}")
    company = next(iter(cast.desk.companies.values()))
    ticket = services.ticket_submit(
        by=company, enterprise=company.enterprise, category=cast.finance, title="标题", description="描述", priority="normal",
        at=at(day(9, 15)),
    )  # fmt: skip
    services.ticket_assign(ticket=ticket, by=cast.desk.dispatcher, department=department, due_date=day(9, 25), at=at(day(9, 15), 11))
    return ticket


def test_a_corrected_month_shows_its_latest_edition_only(client, frozen_september, cast):  # noqa: F811
    """Edition 2 (after a new ticket of 市发改委) is what the public sees; the earlier edition is
    never shown (?edition= is not read), and the reason (an administrator's free text) neither."""
    before = frozen_september.city["accepted"]
    ticket_for_new_department(cast, 0)
    assessment_correct_month(month=SEPTEMBER, by=None, reason="补录一件漏统计的诉求：QY-内部说明")
    latest = bulletin(SEPTEMBER)
    assert latest.edition == 2 and latest.city["accepted"] == before + 1
    for path in ("/public/monthly/", "/public/monthly/2026-09/", "/public/monthly/2026-09/?edition=1"):
        page = text(client.get(path))
        assert "测试新部门0" in page, path
        assert "QY-内部说明" not in page and "补录" not in page, path
        row = re.search(r"2026-09 \(2\) (\d+) ", page)
        assert row and int(row.group(1)) == before + 1, path
    assert "更正版 2" in text(client.get("/public/monthly/"))


def test_an_anonymous_page_is_publicly_cacheable_and_sets_no_cookie(client, frozen_september):
    response = client.get("/public/monthly/")
    assert response["Cache-Control"] == "public, max-age=300"
    assert {"Accept-Language", "Cookie"} <= {name.strip() for name in response["Vary"].split(",")}
    assert not response.cookies  # nothing a shared cache could hand to someone else
    assert response["Content-Language"] == "zh-hans"


def test_a_signed_in_visitors_page_is_private(client, frozen_september, leader):
    client.force_login(leader)
    response = client.get("/public/monthly/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_the_language_switch_is_a_link_and_english_is_complete(client, frozen_september):
    response = client.get("/public/monthly/?lang=en")
    assert response["Content-Language"] == "en"
    page = html(response)
    assert '<html lang="en">' in page
    assert 'href="?lang=zh-hans"' in page
    assert "Department ranking, 2026-09" in text(response) and "City figures by month" in text(response)
    assert 'href="/public/monthly/2026-09/?lang=en"' in page  # the months keep the language asked for
    untranslated = text(response)
    for name in ("简体中文", "市直部门", "市发改委", "市人社局"):  # the switch's own name, and the data's
        untranslated = untranslated.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", untranslated)


def test_the_heading_is_the_citys_name_and_the_title_in_both_languages(client, frozen_september, settings):
    settings.CITY_NAME = "晋城市"
    assert "<h1>晋城市月度考核公开结果</h1>" in html(client.get("/public/monthly/"))
    assert "<h1>晋城市 Monthly assessment: public figures</h1>" in html(client.get("/public/monthly/?lang=en"))
    settings.CITY_NAME = ""
    assert "<h1>Monthly assessment: public figures</h1>" in html(client.get("/public/monthly/?lang=en"))


def test_the_chinese_page_is_all_chinese(client, frozen_september):
    page = text(client.get("/public/monthly/"))
    assert "月度考核公开结果" in page and "部门排名" in page
    assert not re.findall(r"[A-Za-z]{3,}", page.replace("English", "")), "untranslated words"


def test_the_bulletin_list_links_to_the_public_page(client, frozen_september, leader):
    client.force_login(leader)
    assert 'href="/public/monthly/"' in html(client.get("/assessment/"))


# --------------------------------------------------------------------------------------------
# nothing of a company, a ticket or a person
# --------------------------------------------------------------------------------------------

SECRETS = {
    "company": "晋城市保密测试钢铁集团有限公司",
    "contact": "欧阳秘密",
    "contact_phone": "13912345678",
    "contact_email": "ouyang.secret@steel.example",
    "title": "厂区东门变压器频繁跳闸",
    "description": "二号高炉停产三天，损失约四百万元",
    "note": "已约谈供电所所长慕容复",
    "result": "更换了东门箱变的熔断器",
    "return_reason": "应由开发区管委会办理的事项",
    "supervision_notice": "请于本周五前汇报进展情况",
    "company_user": "钢铁 诸葛经理",
    "company_phone": "13698765432",
    "company_email": "zhuge@steel.example",
    "staff": "供电所 司马经办",
    "staff_phone": "15811112222",
    "staff_email": "sima@grid.example",
    "dispatcher": "营商办 上官交办",
    "department_phone": "0356-9998877",
    "department_email": "desk@grid.example",
}


@pytest.fixture
def secret_month(db, dispatcher, supervisor):
    """August 2026: a company, its people, two tickets with texts, notes, a return and a red card,
    frozen. Returns the two tickets."""
    grid = DepartmentFactory(name="国网晋城供电公司", phone=SECRETS["department_phone"], email=SECRETS["department_email"])
    other = DepartmentFactory(name="市发改委")
    dispatcher.display_name = SECRETS["dispatcher"]
    dispatcher.save()
    company = EnterpriseFactory(
        name=SECRETS["company"],
        contact_name=SECRETS["contact"],
        contact_phone=SECRETS["contact_phone"],
        contact_email=SECRETS["contact_email"],
    )
    person = UserFactory(
        role=User.Role.COMPANY, enterprise=company,
        display_name=SECRETS["company_user"], phone=SECRETS["company_phone"], email=SECRETS["company_email"],
    )  # fmt: skip
    staff = UserFactory(
        role=User.Role.DEPARTMENT, department=grid,
        display_name=SECRETS["staff"], phone=SECRETS["staff_phone"], email=SECRETS["staff_email"],
    )  # fmt: skip
    power = CategoryFactory(name="水电气暖", default_department=grid)
    one = services.ticket_submit(
        by=person, enterprise=company, category=power, title=SECRETS["title"], description=SECRETS["description"], priority="normal",
        contact_name=SECRETS["contact"], contact_phone=SECRETS["contact_phone"], at=at(day(8, 3)),
    )  # fmt: skip
    services.ticket_assign(ticket=one, by=dispatcher, department=grid, due_date=day(8, 12), at=at(day(8, 3), 11))
    services.ticket_sign(ticket=one, by=staff, at=at(day(8, 3), 14))
    services.ticket_comment(ticket=one, by=staff, text=SECRETS["note"], at=at(day(8, 4)))
    services.ticket_raise_supervision(ticket=one, by=supervisor, level="red", notice=SECRETS["supervision_notice"], at=at(day(8, 14)))
    services.ticket_resolve(ticket=one, by=staff, outcome="solved", result=SECRETS["result"], at=at(day(8, 17)))
    two = services.ticket_submit(
        by=person, enterprise=company, category=power, title=SECRETS["title"] + "二", description=SECRETS["description"], priority="normal",
        at=at(day(8, 5)),
    )  # fmt: skip
    services.ticket_assign(ticket=two, by=dispatcher, department=other, due_date=day(8, 14), at=at(day(8, 5), 11))
    other_staff = UserFactory(role=User.Role.DEPARTMENT, department=other)
    returned_to_dispatch(ticket=two, by=other_staff, reason=SECRETS["return_reason"], at=at(day(8, 6)))
    services.ticket_assign(ticket=two, by=dispatcher, department=grid, due_date=day(8, 20), at=at(day(8, 6), 15))
    three = services.ticket_submit(
        by=person, enterprise=company, category=power, title=SECRETS["title"] + "三", description=SECRETS["description"], priority="normal",
        at=at(day(8, 7)),
    )  # fmt: skip
    services.ticket_assign(ticket=three, by=dispatcher, department=other, due_date=day(8, 14), at=at(day(8, 7), 11))
    services.ticket_comment(ticket=three, by=other_staff, text=SECRETS["note"], at=at(day(8, 10)))
    assessment_scheme(valid_from=day(7, 1), groups={"公用事业单位": [grid], "市直部门": [other]})
    assessment_freeze_month(month=AUGUST, by=None)
    return list(Ticket.objects.filter(pk__in=[one.pk, two.pk, three.pk]))


def test_the_page_shows_no_company_no_ticket_and_no_personal_data(client, secret_month):
    found = bulletin(AUGUST)
    assert found.red_tickets  # the bulletin lists a red-carded ticket: the page must not
    assert [line.label for line in found.lines] == ["国网晋城供电公司", "市发改委"]  # the page has something to show
    secrets = [*SECRETS.values(), *(ticket.reference for ticket in secret_month)]
    for path in ("/public/monthly/", "/public/monthly/2026-08/", "/public/monthly/?lang=en", "/public/monthly/2026-08/?lang=zh-hans"):
        response = client.get(path)
        assert response.status_code == 200
        page = html(response)
        assert "国网晋城供电公司" in page
        leaked = [secret for secret in secrets if secret in page]
        assert leaked == [], f"{path}: {leaked}"
        assert "QY-" not in page  # no ticket reference at all


def test_the_frozen_rows_behind_the_page_hold_the_figures_it_shows(client, secret_month):
    [city] = monthly_assessment(AUGUST, kind="city")
    page = text(client.get("/public/monthly/"))
    assert format_rate(figures(city)["on_time_rate"]) in page
