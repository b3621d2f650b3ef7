"""In a real browser (issue 18 item 7): a text box with a length limit counts what is typed, red near
the limit; a refused action's panel is brought into view with the reason in it. Screenshots at
1366 and 390 px go to test-artifacts/forms/."""

import pytest

from tests.conftest import at, day
from tests.web.test_browser import (  # noqa: F401 - the browser fixtures
    ARTIFACTS,
    allow_async_unsafe,
    browser,
    csp_violations,
    log_in,
    new_page,
)
from tickets import services
from tickets.models import ReturnRequest

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "forms"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_limited_text_box_counts_what_is_typed_and_turns_red_near_the_limit(live_server, new_page, company_user, category):  # noqa: F811
    from playwright.sync_api import expect

    page = new_page(viewport=WIDE)
    log_in(page, live_server.url, "company", "/tickets/")
    page.goto(f"{live_server.url}/tickets/new/")
    title_count = page.locator("#id_title-count")
    expect(title_count).to_have_text("0/100")
    expect(page.locator("#id_description-count")).to_have_text("0/5000")
    page.locator("input[name=title]").fill("用电报装")
    expect(title_count).to_have_text("4/100")
    expect(title_count).not_to_have_class("char-count near-limit")
    page.locator("input[name=title]").fill("长" * 95)
    expect(title_count).to_have_text("95/100")
    expect(title_count).to_have_class("char-count near-limit")
    assert page.locator("input[name=title]").get_attribute("aria-describedby") == "id_title-count"
    _shoot(page, "counter-1366")


def test_a_refused_action_is_brought_into_view_with_its_reason(live_server, new_page, submit, dispatcher, department, department_user):  # noqa: F811
    from playwright.sync_api import expect

    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    for viewport, name in ((WIDE, "1366"), (PHONE, "390")):
        page = new_page(viewport=viewport)
        log_in(page, live_server.url, "dept", "/inbox/")
        page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
        panel = page.locator("#action-return_to_dispatch")
        panel.locator("summary").click()
        panel.locator("textarea[name=reason]").fill("应由市人社局办理")
        panel.locator("button[type=submit]").click()
        refused = page.locator("#action-return_to_dispatch[data-refused]")
        expect(refused).to_have_attribute("open", "")
        expect(refused.locator("[role=alert]")).to_contain_text("2026-03-04")
        expect(refused).to_be_in_viewport()
        expect(refused.locator("[role=alert]").first).to_be_focused()
        _shoot(page, f"refused-{name}")
    assert not ReturnRequest.objects.exists()
