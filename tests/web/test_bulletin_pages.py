"""The monthly bulletin's pages (DESIGN.md §10) as people use them: the list of frozen months, a
month's bulletin and its xlsx, for each role; a month not frozen and a bad edition refused;
bounded queries. On the hand-built September of tests/reports/test_reports.py (T6, 市人社局: red)."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import DepartmentFactory, assessment_scheme
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets.models import AccessLog, AssessmentMonth, MonthlyAssessment
from tickets.selectors.assessment import frozen_month
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month

SEPTEMBER = datetime.date(2026, 9, 1)
PAGE = "/assessment/2026-09/"


@pytest.fixture
def frozen(story, cast):  # noqa: F811
    assessment_scheme(
        valid_from=datetime.date(2026, 8, 1),
        groups={"市直部门": [cast.d1, cast.d2], "县区": [DepartmentFactory(name="泽州县政府")]},
        red_list_size=1,
        honour_list_size=1,
    )
    assessment_freeze_month(month=SEPTEMBER, by=None)
    return story


def test_the_bulletin_url_is_the_month(db):
    assert reverse("bulletin", kwargs={"month": SEPTEMBER}) == reverse("bulletin", kwargs={"month": "2026-09"}) == PAGE


def test_leadership_reads_the_whole_bulletin(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    page = client.get(PAGE).content.decode()
    assert "企业诉求办理情况月度通报" in page and "2026-09 · 第1版" in page
    assert "分组排名" in page and "市直部门" in page and cast.d1.name in page and cast.d2.name in page
    assert "红榜" in page and "黑榜" in page
    assert f'href="/tickets/{frozen.T6.reference}/"' in page


def test_the_city_name_heads_the_bulletin(client, leader, frozen, settings):
    settings.CITY_NAME = "晋城市"
    client.force_login(leader)
    assert "<h1>晋城市企业诉求办理情况月度通报</h1>" in client.get(PAGE).content.decode()


def test_a_department_reads_the_city_figures_and_its_own_line_only(client, department_user, frozen, cast):  # noqa: F811
    client.force_login(department_user)  # 市发改委 (D1)
    page = client.get(PAGE).content.decode()
    assert "全市指标" in page and "您看到的是全市指标和本部门的一行。" in page
    assert cast.d1.name in page and cast.d2.name not in page
    assert "分组排名" not in page and cast.d2.name not in page and frozen.T6.reference not in page
    assert "本部门列入本月红榜。" in page


def test_the_other_department_sees_its_own_red_card(client, other_department_user, frozen, cast):  # noqa: F811
    client.force_login(other_department_user)  # 市人社局 (D2), T6 red
    page = client.get(PAGE).content.decode()
    assert cast.d2.name in page and cast.d1.name not in page and frozen.T6.reference in page
    assert "本部门列入本月黑榜。" in page


@pytest.mark.parametrize("who", ["company_user", "liaison"])
def test_companies_and_liaisons_may_not_open_the_bulletin(client, frozen, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("bulletin_list"), PAGE, PAGE + "xlsx/"):
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_sign_in(client, frozen):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_menu_shows_the_assessment_to_its_readers_only(client, leader, department_user, company_user, frozen):
    for user, shown in ((leader, True), (department_user, True), (company_user, False)):
        client.force_login(user)
        assert ('href="/assessment/"' in client.get("/tickets/").content.decode()) is shown, user.role


def test_a_month_not_frozen_is_a_404_that_says_so(client, leader, frozen):
    client.force_login(leader)
    response = client.get("/assessment/2026-08/")
    assert response.status_code == 404 and "2026-08尚未冻结或没有该版次" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/assessment/2026-13/", "/assessment/0000-01/", PAGE + "?edition=2", PAGE + "?edition=x", PAGE + "?edition=-1"]
)
def test_a_bad_month_or_edition_is_a_404(client, leader, frozen, url):
    client.force_login(leader)
    assert client.get(url).status_code == 404


def test_an_earlier_edition_stays_readable_and_says_it_was_replaced(client, leader, admin_user, frozen, cast):  # noqa: F811
    cast.desk.resolve(frozen.T6, datetime.datetime.now(datetime.UTC))
    assessment_correct_month(month=SEPTEMBER, by=admin_user, reason="T6办结信息补录")
    client.force_login(leader)
    latest = client.get(PAGE).content.decode()
    assert "第2版" in latest and "更正原因： T6办结信息补录" in latest
    first = client.get(PAGE + "?edition=1").content.decode()
    assert "这是较早的版本，已由更正版第2版取代。" in first and "T6办结信息补录" not in first


def test_the_list_shows_every_frozen_month(client, leader, frozen):
    client.force_login(leader)
    page = client.get(reverse("bulletin_list")).content.decode()
    assert f'href="{PAGE}"' in page and f'href="{PAGE}xlsx/"' in page


def test_the_list_says_when_nothing_is_frozen(client, leader):
    client.force_login(leader)
    assert "尚无已冻结的月份" in client.get(reverse("bulletin_list")).content.decode()


def test_the_xlsx_has_the_city_the_ranking_the_lists_and_the_red_tickets(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    response = client.get(PAGE + "xlsx/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["全市指标", "排名", "红黑榜", "红牌督办诉求"]
    ranking = [[cell.value for cell in row] for row in book["排名"].iter_rows(min_row=2)]
    assert {(row[0], row[2]) for row in ranking} == {("市直部门", cast.d1.name), ("市直部门", cast.d2.name)}
    assert sorted(row[1] for row in ranking) == [1, 2]
    lists = [[cell.value for cell in row][:4] for row in book["红黑榜"].iter_rows(min_row=2)]
    assert [(row[0], row[3]) for row in lists] == [("红榜", cast.d1.name), ("黑榜", cast.d2.name)]
    assert [[c.value for c in row] for row in book["红牌督办诉求"].iter_rows(min_row=2)] == [[frozen.T6.reference, cast.d2.name]]
    assert AccessLog.objects.filter(detail="bulletin 2026-09 #1").exists()


def test_a_departments_xlsx_has_its_own_line_only(client, department_user, frozen, cast):  # noqa: F811
    client.force_login(department_user)
    book = load_workbook(io.BytesIO(client.get(PAGE + "xlsx/").content))
    assert [row[2].value for row in book["排名"].iter_rows(min_row=2)] == [cast.d1.name]
    assert [(row[0].value, row[3].value) for row in book["红黑榜"].iter_rows(min_row=2)] == [("红榜", cast.d1.name)]
    assert list(book["红牌督办诉求"].iter_rows(min_row=2)) == []


def test_the_bulletin_page_reads_a_bounded_number_of_queries(client, leader, frozen):
    client.force_login(leader)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    # session, user, second factor, the month and its rows (2), unread count, the session write (3)
    assert len(captured) <= 9, "\n".join(q["sql"][:120] for q in captured.captured_queries)


# --------------------------------------------------------------------------------------------
# an administrator freezes or corrects by hand
# --------------------------------------------------------------------------------------------


@pytest.fixture
def scheme_only(story, cast):  # noqa: F811
    return assessment_scheme(valid_from=datetime.date(2026, 8, 1), groups={"市直部门": [cast.d1, cast.d2]})


def test_an_administrator_freezes_a_month_from_the_list(client, admin_user, scheme_only):
    client.force_login(admin_user)
    assert 'action="/assessment/freeze/"' in client.get("/assessment/").content.decode()
    response = client.post("/assessment/freeze/", {"month": "2026-09"}, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert "2026-09已冻结：第1版" in response.content.decode()
    assert frozen_month(SEPTEMBER).frozen_by == admin_user


def test_freezing_a_frozen_month_again_says_so_and_changes_nothing(client, admin_user, frozen):
    client.force_login(admin_user)
    rows = MonthlyAssessment.objects.count()
    page = client.post("/assessment/freeze/", {"month": "2026-09"}, follow=True).content.decode()
    assert "2026-09已冻结（第1版），未作任何改动。" in page and MonthlyAssessment.objects.count() == rows


@pytest.mark.parametrize(
    ("month", "message"), [("", "该字段是必填项。"), ("2026-9x", "输入一个有效的日期。"), ("this", "只能冻结已结束的月份；")]
)
def test_a_bad_month_to_freeze_is_refused_and_nothing_is_frozen(client, admin_user, scheme_only, month, message):
    client.force_login(admin_user)
    if month == "this":
        month = f"{timezone.localdate():%Y-%m}"
    page = client.post("/assessment/freeze/", {"month": month}, follow=True).content.decode()
    assert message in page and not AssessmentMonth.objects.exists()


def test_only_an_administrator_sees_and_uses_the_freeze_and_correct_forms(client, leader, dispatcher, frozen):
    for user in (leader, dispatcher):
        client.force_login(user)
        assert "/assessment/freeze/" not in client.get("/assessment/").content.decode()
        assert "/correct/" not in client.get(PAGE).content.decode()
        assert client.post("/assessment/freeze/", {"month": "2026-08"}).status_code == 403
        assert client.post(PAGE + "correct/", {"reason": "更正"}).status_code == 403
    assert frozen_month(SEPTEMBER).edition == 1


def test_an_administrator_issues_a_corrected_edition_with_its_reason(client, admin_user, frozen):
    client.force_login(admin_user)
    page = client.post(PAGE + "correct/", {"reason": "T6办结信息补录"}, follow=True).content.decode()
    assert "2026-09已冻结：第2版" in page and "更正原因： T6办结信息补录" in page
    assert frozen_month(SEPTEMBER).edition == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_without_a_reason_is_refused_and_nothing_changes(client, admin_user, frozen, reason):
    client.force_login(admin_user)
    page = client.post(PAGE + "correct/", {"reason": reason}, follow=True).content.decode()
    assert ("该字段是必填项。" in page or "请填写发布更正版的原因。" in page) and frozen_month(SEPTEMBER).edition == 1


def test_correcting_a_month_that_is_not_frozen_is_refused(client, admin_user, scheme_only):
    client.force_login(admin_user)
    response = client.post(PAGE + "correct/", {"reason": "更正"}, follow=True)
    assert "2026-09尚未冻结：请先冻结。" in response.content.decode() and not AssessmentMonth.objects.exists()
