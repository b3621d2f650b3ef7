"""In a real browser at 360 px: a liaison official records a visit on a phone and the problem
found becomes a ticket linked to the visit; the visit form, the ledger, the overview and the
company's submission page fit a phone. Screenshots at 360 and 1366 px go to test-artifacts/visits/."""

import re

import pytest
from django.utils import timezone

from tests.web.test_browser import (  # noqa: F401 - the browser fixtures
    ARTIFACTS,
    allow_async_unsafe,
    browser,
    csp_violations,
    log_in,
    new_page,
)
from tickets import services
from tickets.models import Channel, Ticket, Visit

PHONE = {"width": 360, "height": 780}
WIDE = {"width": 1366, "height": 900}
SHOTS = ARTIFACTS / "visits"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fits(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def test_a_liaison_records_a_visit_on_a_phone_that_raises_a_ticket(live_server, new_page, liaison, enterprise, category, dispatcher):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    phone = new_page(viewport=PHONE)
    log_in(phone, base, "liaison", "/ledger/")
    phone.goto(f"{base}/visits/new/?enterprise={enterprise.pk}")
    expect(phone.locator("select[name=enterprise]")).to_have_value(str(enterprise.pk))
    expect(phone.locator("input[name=visited_on]")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    _fits(phone, PHONE["width"])
    _shoot(phone, "visit-form-360")
    phone.locator("input[name=people_met]").fill("王经理、李会计")
    phone.locator("textarea[name=discussion]").fill("了解新厂房建设进展，企业反映用电报装慢。")
    phone.locator("input[name=files]").set_input_files([{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    phone.locator("select[name=problem-0-category]").select_option(str(category.pk))
    phone.locator("input[name=problem-0-title]").fill("新厂房用电报装两个月未通电")
    phone.locator("textarea[name=problem-0-description]").fill("4月提交报装申请，至今未安排施工。")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(rf"^{re.escape(base)}/visits/\d+/$"))
    visit = Visit.objects.get()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.visit_id, ticket.enterprise_id, ticket.submitted_by_id) == (
        Channel.LIAISON,
        visit.pk,
        enterprise.pk,
        liaison.pk,
    )
    assert [a.original_name for a in visit.attachments.all()] == ["现场.png"]
    expect(phone.locator("main table a", has_text=ticket.reference).first).to_be_visible()
    _fits(phone, PHONE["width"])
    _shoot(phone, "visit-detail-360")

    # The ticket's page shows the visit it came from.
    phone.goto(f"{base}/tickets/{ticket.reference}/")
    expect(phone.locator(f"a[href='/visits/{visit.pk}/']")).to_be_visible()

    # The ledger: the company visited this quarter, the problem open.
    phone.goto(f"{base}/ledger/")
    expect(phone.locator("table.ledger .badge.quota-met")).to_have_text("1 / 1")
    expect(phone.locator("table.ledger a", has_text=ticket.reference)).to_be_visible()
    _fits(phone, PHONE["width"])
    _shoot(phone, "ledger-360")


def test_the_liaison_pages_fit_a_phone_and_a_desktop(
    live_server, new_page, liaison, enterprise, other_enterprise, other_liaison, leader, company_user, category  # noqa: F811
):
    other_enterprise.liaisons.add(other_liaison)
    services.visit_record(
        by=liaison,
        enterprise=enterprise,
        visited_on=timezone.localdate(),
        people_met="王经理",
        discussion="了解企业生产经营情况。",
        problems=[services.Problem(category=category, title="融资难", description="技改贷款审批慢")],
    )
    base = live_server.url
    for viewport, suffix in ((PHONE, "360"), (WIDE, "1366")):
        page = new_page(viewport=viewport)
        log_in(page, base, "liaison", "/ledger/")
        for path, name in (("/visits/new/", "visit-form"), ("/ledger/", "ledger"), (f"/enterprises/{enterprise.pk}/", "case-file")):
            page.goto(f"{base}{path}")
            _fits(page, viewport["width"])
            _shoot(page, f"{name}-{suffix}")
        page.goto(f"{base}/enterprises/{enterprise.pk}/qr/")
        _shoot(page, f"qr-code-{suffix}")
        boss = new_page(viewport=viewport)
        log_in(boss, base, "leader", "/reports/")
        for path, name in (("/ledger/overview/", "overview"), ("/visits/", "visit-list")):
            boss.goto(f"{base}{path}")
            _fits(boss, viewport["width"])
            _shoot(boss, f"{name}-{suffix}")
        company = new_page(viewport=viewport)
        log_in(company, base, "company", "/tickets/")
        company.goto(f"{base}/tickets/new/?enterprise={enterprise.pk}")
        _fits(company, viewport["width"])
        _shoot(company, f"company-submission-{suffix}")
