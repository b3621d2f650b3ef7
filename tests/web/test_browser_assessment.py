"""The monthly assessment in a real browser (tests/web/test_browser.py's Chromium and fixtures): the
public page, signed out, at a desktop's and a phone's width, and the leader's bulletin of the same
frozen month (the hand-built September of tests/reports/test_reports.py). Screenshots go to
test-artifacts/ as the other browser tests' do."""

import pytest

from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tests.web.test_browser import PHONE, WIDE, allow_async_unsafe, browser, csp_violations, log_in, new_page, shoot  # noqa: F401
from tests.web.test_public import SEPTEMBER, frozen_september  # noqa: F401
from tickets.reports import format_rate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page, viewport):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"{page.url} is {width}px wide on a {viewport['width']}px screen"


def test_the_public_page_and_the_bulletin_of_a_frozen_month(live_server, new_page, shoot, frozen_september, leader, settings):  # noqa: F811
    from playwright.sync_api import expect

    settings.CITY_NAME = "晋城市"
    base = live_server.url
    city = frozen_september.city
    [ranking] = frozen_september.groups
    for viewport, width in ((WIDE, 1366), (PHONE, 390)):
        page = new_page(viewport)
        response = page.goto(f"{base}/public/monthly/")
        assert response is not None and response.status == 200
        assert response.headers["cache-control"] == "public, max-age=300"
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        # A plain header: the city and the product, a language switch, no menu, no login box.
        expect(page.locator("header.topbar .brand")).to_contain_text("晋城市")
        expect(page.locator("header nav.mainnav")).to_have_count(0)
        expect(page.locator("header .whoami")).to_have_count(0)
        # The month's ranking, in rank order, and the city's figures of the month.
        expect(page.locator(".public-ranking h3")).to_contain_text("市直部门")
        rows = page.locator(".public-ranking table tbody tr")
        expect(rows).to_have_count(len(ranking.lines))
        for row, line in zip(rows.all(), ranking.lines, strict=True):
            expect(row.locator("td").nth(1)).to_have_text(line.label)
            expect(row.locator("td").nth(2)).to_have_text(str(line.score))
        month_row = page.locator(".public-months tr.current")
        expect(month_row).to_contain_text("2026-09")
        expect(month_row).to_contain_text(format_rate(city["closure_rate"]))
        expect(page.locator("body")).not_to_contain_text("QY-")
        fits(page, viewport)
        shoot(page, f"public-monthly-{width}")

    # The language switch, a link: the same page in English.
    page.locator(".public-lang a[hreflang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".public-ranking h2")).to_contain_text("Department ranking, 2026-09")
    shoot(page, "public-monthly-390-en")

    # A month that is not frozen: the same page, a 404 saying so.
    response = page.goto(f"{base}/public/monthly/2026-08/")
    assert response is not None and response.status == 404
    expect(page.locator(".msg-warning")).to_contain_text("2026-08")

    # The leader's bulletin of the month: the same ranking, and what the public page leaves out.
    for viewport, width in ((WIDE, 1366), (PHONE, 390)):
        page = new_page(viewport)
        log_in(page, base, "leader", "/reports/")
        page.goto(f"{base}/assessment/")
        page.locator("main a[href='/public/monthly/']").wait_for()
        page.goto(f"{base}/assessment/2026-09/")
        expect(page.locator(".bulletin-head h1")).to_contain_text("晋城市")
        lines = page.locator(".bulletin-table tbody tr")
        expect(lines).to_have_count(len(ranking.lines))
        expect(lines.first.locator("td").nth(1)).to_have_text(ranking.lines[0].label)
        expect(page.locator(".honour-list li").first).to_be_visible()
        expect(page.locator(".bulletin-red tbody tr")).to_have_count(len(frozen_september.red_tickets))
        fits(page, viewport)
        shoot(page, f"bulletin-{width}")
