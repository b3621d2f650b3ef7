"""End to end, in a real browser: one problem walked through the whole loop by real users
logging in through the login form, in Chinese (the default language).

Headless Chromium from Debian (/usr/bin/chromium), driven by Playwright's sync API. Screenshots
of every step go to test-artifacts/ (git-ignored). Labels may still be untranslated, so the test
matches on stable things (URLs, field names, badge classes), not on wording.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from tests.conftest import PASSWORD
from tickets import workdays
from tickets.models import Attachment, Status, Ticket, TicketEvent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This network is closed: without these Chromium's own background connections are refused
    # and slow everything down.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REFERENCE = re.compile(r"^QY-\d{4}-\d{6}$")
# A tiny but well-formed PDF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def allow_async_unsafe():
    """Playwright's sync API keeps an event loop running in this thread; let the ORM run anyway."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser(allow_async_unsafe):
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, Django keeps this thread's ORM connections in
            # per-context storage (asgiref), apart from the usual ones: close them while it still
            # runs, or on PostgreSQL the open session stops the test database from being dropped.
            connections.close_all()


# Every page reports its Content-Security-Policy violations on its console (an init script is not
# itself under the page's policy), where new_page collects them.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI || "an inline one"} on ${event.documentURI}`);
});
"""


@pytest.fixture
def csp_violations():
    """What the pages of new_page met of the Content-Security-Policy; none, or the test fails."""
    return []


@pytest.fixture
def new_page(browser, csp_violations):
    """A fresh browser context (its own cookies) asking for Chinese, as a Chinese user's browser does.
    Each page's CSP violations are collected: a test whose pages met any fails at its end."""
    contexts = []

    def _collect(message):
        if message.text.startswith("CSP violation:") or "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    def _new_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=False)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_REPORTER)
        context.on("console", _collect)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()
    assert not csp_violations, "the pages broke their Content-Security-Policy:\n" + "\n".join(csp_violations)


@pytest.fixture
def shoot():
    ARTIFACTS.mkdir(exist_ok=True)

    def _shoot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return _shoot


def log_in(page, base_url, username, expected_path):
    from playwright.sync_api import expect

    page.goto(f"{base_url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}{expected_path}")
    # The header says who is logged in, and offers the logout button.
    expect(page.locator("header .whoami")).to_be_visible()


def log_out(page, base_url):
    from playwright.sync_api import expect

    page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/accounts/login/")
    expect(page.locator("header .whoami")).to_have_count(0)


def open_ticket(page, base_url, reference):
    from playwright.sync_api import expect

    page.locator("main table a", has_text=reference).first.click()
    expect(page).to_have_url(f"{base_url}/tickets/{reference}/")
    expect(page.locator(".page-head .ref")).to_have_text(reference)


def action_form(page, action):
    return page.locator(f"#actions form[action$='/{action}/']")


def opened_action_form(page, action):
    """The action's form, its folded panel (<details>) opened first if it is closed."""
    form = action_form(page, action)
    panel = page.locator("#actions details", has=page.locator(f"form[action$='/{action}/']"))
    if panel.count() and panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return form


def test_one_problem_walks_the_whole_loop(live_server, new_page, shoot, company_user, dispatcher, department_user, department, category):
    from playwright.sync_api import expect

    base = live_server.url
    page = new_page()

    # 1. The company submits a problem, with a PDF.
    log_in(page, base, "company", "/tickets/")
    page.locator("header nav a[href='/tickets/new/']").click()
    expect(page).to_have_url(f"{base}/tickets/new/")
    page.locator("select[name=category]").select_option(str(category.pk))
    page.locator("input[name=title]").fill("技改贷款审批三个月没有答复")
    page.locator("textarea[name=description]").fill("我公司3月向银行申请技改贷款500万元，至今没有答复，请协调。")
    page.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": "贷款申请材料.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shoot(page, "01-company-new-ticket-filled")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/tickets/QY-\d{4}-\d{6}/$"))
    reference = page.locator(".page-head .ref").inner_text().strip()
    assert REFERENCE.match(reference), reference
    assert reference.startswith(f"QY-{timezone.localdate().year}-")
    expect(page.locator(".page-head .badge.st-submitted")).to_be_visible()
    expect(page.locator(".msg-success")).to_contain_text(reference)
    expect(page.locator("li.ev ul.files a")).to_contain_text("贷款申请材料.pdf")
    shoot(page, "02-company-ticket-submitted")
    ticket = Ticket.objects.get(reference=reference)
    assert ticket.status == Status.SUBMITTED and ticket.enterprise_id == company_user.enterprise_id
    assert list(Attachment.objects.filter(ticket=ticket).values_list("original_name", "size")) == [("贷款申请材料.pdf", len(PDF))]
    log_out(page, base)

    # 2. The dispatcher assigns it: the department comes prefilled, the due date is proposed.
    log_in(page, base, "dispatcher", "/dispatch/")
    shoot(page, "03-dispatcher-queue")
    open_ticket(page, base, reference)
    assign = action_form(page, "assign")
    expect(assign).to_be_visible()
    expect(assign.locator("select[name=department]")).to_have_value(str(department.pk))
    suggested_due = workdays.add_working_days(timezone.localdate(), category.deadlines(ticket.priority).resolution_days)
    # The date stays empty (the deadline profile decides, complex or not); the panel says which it will be.
    expect(assign.locator("input[name=due_date]")).to_have_value("")
    expect(page.locator("#actions details", has=page.locator("form[action$='/assign/']"))).to_contain_text(suggested_due.isoformat())
    shoot(page, "04-dispatcher-assign-form")
    assign.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-assigned")).to_be_visible()
    expect(page.locator(".msg-success")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.department_id == department.pk
    assert ticket.due_date == suggested_due
    log_out(page, base)

    # 3. The department signs for it, then reports the result with a file.
    log_in(page, base, "dept", "/inbox/")
    shoot(page, "05-department-inbox")
    open_ticket(page, base, reference)
    action_form(page, "sign").locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-in_progress")).to_be_visible()
    resolve = action_form(page, "resolve")
    expect(resolve).to_be_visible()
    resolve.locator("textarea[name=result]").fill("已协调银行完成审批，500万元贷款已于本周发放。")
    resolve.locator("input[name=outcome][value=solved]").check()
    resolve.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": "办结报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shoot(page, "06-department-resolve-form")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-resolved")).to_be_visible()
    expect(page.locator("section.result")).to_contain_text("500万元贷款已于本周发放")
    expect(page.locator("li.ev ul.files a", has_text="办结报告.pdf")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.signed_at is not None
    log_out(page, base)

    # 4. The company confirms, satisfied: the ticket is closed (销号).
    log_in(page, base, "company", "/tickets/")
    open_ticket(page, base, reference)
    confirm = action_form(page, "confirm")
    expect(confirm).to_be_visible()
    confirm.locator("input[name=rating][value=satisfied]").check()
    shoot(page, "07-company-confirm-form")
    confirm.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-closed")).to_be_visible()
    expect(page.locator("section.result .badge.rt-satisfied")).to_be_visible()
    expect(page.locator("#actions")).to_have_count(0)
    expect(page.locator("ol.timeline li.ev")).to_have_count(5)
    shoot(page, "08-company-ticket-closed")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.rating == "satisfied" and ticket.closed_at is not None
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "pk").values_list("kind", flat=True))
    assert len(kinds) == 5, kinds
    assert Attachment.objects.filter(ticket=ticket).count() == 2


def test_form_errors_show_and_the_list_fits_a_phone(live_server, new_page, shoot, company_user, category, submit):
    from playwright.sync_api import expect

    base = live_server.url
    page = new_page()

    # An empty submission: the errors are shown next to the fields and nothing is created.
    log_in(page, base, "company", "/tickets/")
    page.goto(f"{base}/tickets/new/")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/tickets/new/")
    for name in ("category", "title", "description"):
        field = page.locator(f".field.has-error:has([name={name}])")
        expect(field).to_be_visible()
        expect(field.locator("p.error")).to_be_visible()
    shoot(page, "09-new-ticket-errors")
    assert Ticket.objects.count() == 0

    # A phone: the ticket list (a wide table scrolls sideways in its wrap) is no wider than the screen.
    submit(title="园区道路年久失修，大货车进出困难，影响企业正常生产经营，请尽快协调有关部门维修")
    submit(title="用电增容申请")
    phone = new_page(viewport=PHONE)
    log_in(phone, base, "company", "/tickets/")
    expect(phone.locator("table.tickets tbody tr")).to_have_count(2)
    expect(phone.locator(".nav-toggle-label")).to_be_visible()
    expect(phone.locator("header nav.mainnav")).to_be_hidden()
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    shoot(phone, "10-phone-ticket-list")
    assert scroll_width <= PHONE["width"] + 1, f"the ticket list is {scroll_width}px wide on a {PHONE['width']}px phone"


def test_the_api_docs_page_tries_the_api_with_the_session(live_server, new_page, shoot, department_user, assigned_ticket):
    """/api/docs/ renders from the site's own files and its "Try it out" calls the API as the
    signed-in person, under the same rule as the pages."""
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, live_server.url, "dept", "/inbox/")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock", has_text="/api/tickets/{reference}/transitions/{name}/")).to_be_visible()
    listing = page.locator(".opblock-get", has_text="Tickets you may see")
    listing.locator(".opblock-summary").click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    live = listing.locator(".live-responses-table tbody .response-col_status")
    expect(live).to_contain_text("200")
    expect(listing.locator(".live-responses-table")).to_contain_text(assigned_ticket.reference)
    shoot(page, "api-docs")


WIDE = {"width": 1366, "height": 900}


def test_a_co_handled_ticket_walks_the_loop(
    live_server, new_page, shoot, company_user, dispatcher, department_user, department, co_department_user,
    second_co_department_user, ticket,
):  # fmt: skip
    """Dispatch assigns a lead and two co-handlers; both co-handlers sign and give their feedback;
    the lead contacts the company and resolves; the company confirms (DESIGN.md §8)."""
    from playwright.sync_api import expect

    base = live_server.url
    reference = ticket.reference
    co, co2 = co_department_user.department, second_co_department_user.department
    page = new_page(WIDE)

    # 1. Dispatch: the lead comes prefilled; it ticks two co-handling departments.
    log_in(page, base, "dispatcher", "/dispatch/")
    page.goto(f"{base}/tickets/{reference}/")
    assign = action_form(page, "assign")
    expect(assign.locator("select[name=department]")).to_have_value(str(department.pk))
    assign.locator(f"input[name=co_departments][value='{co.pk}']").check()
    assign.locator(f"input[name=co_departments][value='{co2.pk}']").check()
    shoot(page, "co-01-dispatcher-assign-with-co-handlers")
    assign.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-assigned")).to_be_visible()
    expect(page.locator("#departments")).to_contain_text(co.name)
    expect(page.locator("#departments")).to_contain_text(co2.name)
    log_out(page, base)

    # 2. Each co-handler finds it in its 协办 section, signs its part and gives its feedback.
    for username, text, shot in (("codept", "审批手续齐全，同意办理。", "co-02"), ("codept2", "城区已协调用地，无异议。", "co-03")):
        log_in(page, base, username, "/inbox/")
        expect(page.locator("#co-handling")).to_contain_text(reference)
        shoot(page, f"{shot}-co-handler-inbox")
        page.locator("#co-handling a", has_text=reference).first.click()
        expect(page).to_have_url(f"{base}/tickets/{reference}/")
        action_form(page, "co_sign").locator("button[type=submit]").click()
        expect(page.locator(".msg-success")).to_be_visible()
        feedback = opened_action_form(page, "co_feedback")
        feedback.locator("textarea[name=text]").fill(text)
        feedback.locator("input[type=file][name=files]").set_input_files(
            files=[{"name": "协办意见.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        feedback.locator("button[type=submit]").click()
        expect(page.locator(".msg-success")).to_be_visible()
        expect(page.locator("#departments")).to_contain_text(text)
        shoot(page, f"{shot}-co-handler-feedback-given")
        log_out(page, base)

    # 3. The lead signs, records its first contact, sees both feedbacks, and resolves.
    log_in(page, base, "dept", "/inbox/")
    page.goto(f"{base}/tickets/{reference}/")
    action_form(page, "sign").locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-in_progress")).to_be_visible()
    contact = opened_action_form(page, "contact")
    contact.locator("input[name=method][value=visit]").check()
    contact.locator("textarea[name=note]").fill("上门走访王经理，了解贷款审批进展。")
    contact.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("#departments")).to_contain_text("审批手续齐全")
    resolve = opened_action_form(page, "resolve")
    expect(resolve.locator("textarea[name=override_reason]")).to_have_count(0)  # nobody's feedback is missing
    resolve.locator("textarea[name=result]").fill("会同审批局、城区完成审批，贷款已发放。")
    resolve.locator("input[name=outcome][value=solved]").check()
    shoot(page, "co-04-lead-resolve-with-feedback")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-resolved")).to_be_visible()
    shoot(page, "co-05-lead-ticket-resolved")
    phone = new_page(PHONE)
    log_in(phone, base, "dept", "/inbox/")
    phone.goto(f"{base}/tickets/{reference}/")
    expect(phone.locator("#departments")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "co-06-lead-ticket-phone")
    log_out(page, base)

    # 4. The company sees the contact on its timeline and confirms: closed.
    log_in(page, base, "company", "/tickets/")
    page.goto(f"{base}/tickets/{reference}/")
    expect(page.locator("ol.timeline")).to_contain_text("上门走访王经理")
    confirm = action_form(page, "confirm")
    confirm.locator("input[name=rating][value=satisfied]").check()
    confirm.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-closed")).to_be_visible()
    shoot(page, "co-07-company-closed")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.resolve_overrides == 0 and ticket.contacts_on_time == 1
    parts = {a.department_id: a for a in ticket.assignments.filter(role="co")}
    assert {parts[co.pk].state, parts[co2.pk].state} == {"fed_back"}
    assert all(a.feedback_on_time for a in parts.values())


def test_an_overruled_return_walks_the_loop(live_server, new_page, shoot, dispatcher, department_user, other_department, assigned_ticket):
    """退单审核 (DESIGN.md §9): the department asks to return its ticket, suggesting another
    department; dispatch sees the request at the top of its queue (a count in the menu) and
    overrules it with a reason; the department sees the ruling, and the ticket is still its own."""
    from playwright.sync_api import expect

    base = live_server.url
    reference = assigned_ticket.reference
    page = new_page(WIDE)

    # 1. The department asks to return it, within the window the form names.
    log_in(page, base, "dept", "/inbox/")
    page.goto(f"{base}/tickets/{reference}/")
    ask = opened_action_form(page, "return_to_dispatch")
    ask.locator("textarea[name=reason]").fill("融资担保事项不属于我委职责，建议交办市人社局。")
    ask.locator("select[name=suggested_department]").select_option(str(other_department.pk))
    shoot(page, "rr-01-department-asks-to-return")
    ask.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("#return-requests .badge.rr-pending")).to_be_visible()
    expect(action_form(page, "return_to_dispatch")).to_have_count(0)  # one pending request at a time
    log_out(page, base)

    # 2. Dispatch: the request is on top of its queue, counted in the menu; it overrules with a reason.
    log_in(page, base, "dispatcher", "/dispatch/")
    expect(page.locator("nav.mainnav .count")).to_have_text("1")
    section = page.locator("main #return-requests")
    expect(section).to_contain_text(reference)
    expect(section).to_contain_text(other_department.name)
    shoot(page, "rr-02-dispatch-queue-section-1366")
    phone = new_page(PHONE)
    log_in(phone, base, "dispatcher", "/dispatch/")
    expect(phone.locator("main #return-requests")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "rr-03-dispatch-queue-section-390")
    section.locator("button[value=overruled]").click()  # without a reason: refused, nothing changes
    expect(page.locator(".msg-error")).to_be_visible()
    page.locator("main #return-requests textarea[name=reason]").fill("担保贷款贴息属于贵委牵头的政策，请继续办理。")
    page.locator("main #return-requests button[value=overruled]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("main #return-requests")).to_have_count(0)
    expect(page.locator("nav.mainnav .count")).to_have_count(0)
    log_out(page, base)

    # 3. The department sees the ruling with its reason; the ticket is still its own, due as before.
    log_in(page, base, "dept", "/inbox/")
    page.goto(f"{base}/tickets/{reference}/")
    expect(page.locator("#return-requests .badge.rr-overruled")).to_be_visible()
    expect(page.locator("#return-requests")).to_contain_text("请继续办理")
    expect(page.locator("ol.timeline")).to_contain_text("请继续办理")
    expect(page.locator(".page-head .badge.st-assigned")).to_be_visible()
    shoot(page, "rr-04-department-sees-the-ruling-1366")
    phone_dept = new_page(PHONE)
    log_in(phone_dept, base, "dept", "/inbox/")
    phone_dept.goto(f"{base}/tickets/{reference}/")
    expect(phone_dept.locator("#return-requests")).to_be_visible()
    assert phone_dept.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone_dept, "rr-05-department-sees-the-ruling-390")
    ticket = Ticket.objects.get(pk=assigned_ticket.pk)
    assert (ticket.status, ticket.department_id, ticket.due_date) == ("assigned", assigned_ticket.department_id, assigned_ticket.due_date)


def test_a_verification_call_reopens_a_ticket_and_the_department_sees_it(
    live_server, new_page, shoot, callback_user, department_user, dispatcher, department, submit, closed_ticket
):
    """The follow-up caller records a call on a resolved ticket (the call form), then opens the
    verification list, records "company disagrees" on a closed ticket drawn for it: the ticket is
    reopened, and its department finds it back in its inbox (DESIGN.md §9)."""
    from playwright.sync_api import expect

    from tickets import services
    from tickets.models import VerificationCall

    base = live_server.url
    other = services.ticket_assign(ticket=submit(title="第二件诉求"), by=dispatcher, department=department)
    services.ticket_sign(ticket=other, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=other, by=department_user, result="已办结")
    call = VerificationCall.objects.create(ticket=closed_ticket, month=timezone.localdate().replace(day=1))
    page = new_page(WIDE)

    # 1. The caller lands on the verification list, with its count in the menu.
    log_in(page, base, "callback", "/verification/")
    expect(page.locator("nav.mainnav a[href='/verification/'] .count")).to_have_text("1")
    expect(page.locator(f"#call-{call.pk}")).to_contain_text(closed_ticket.reference)
    shoot(page, "vc-01-verification-list-1366")
    phone = new_page(PHONE)
    log_in(phone, base, "callback", "/verification/")
    shoot(phone, "vc-01-verification-list-390")

    # 2. The call form on a resolved ticket (screenshots only: the service tests walk it).
    page.goto(f"{base}/tickets/{other.reference}/")
    form = opened_action_form(page, "record_call")
    expect(form.locator("textarea[name=said]")).to_be_visible()
    shoot(page, "vc-02-call-form-1366")
    phone.goto(f"{base}/tickets/{other.reference}/")
    opened_action_form(phone, "record_call")
    shoot(phone, "vc-02-call-form-390")

    # 3. "Company disagrees" without what it said: refused, nothing saved.
    page.goto(f"{base}/verification/")
    card = page.locator(f"#call-{call.pk}")
    card.locator("button[value=disagreed]").click()
    expect(page.locator(f"#call-{call.pk} .error")).to_be_visible()
    assert Ticket.objects.get(pk=closed_ticket.pk).status == Status.CLOSED

    # 4. With what it said: the ticket is reopened.
    card = page.locator(f"#call-{call.pk}")
    card.locator("textarea[name=said]").fill("企业表示问题并没有解决，不认可销号。")
    card.locator("button[value=disagreed]").click()
    expect(page.locator(f"#call-{call.pk} .badge.vc-disagreed")).to_be_visible()
    shoot(page, "vc-03-verification-recorded-1366")
    assert Ticket.objects.get(pk=closed_ticket.pk).status == Status.IN_PROGRESS
    log_out(page, base)

    # 5. The department sees it back in its inbox, with the caller's words on the timeline.
    log_in(page, base, "dept", "/inbox/")
    expect(page.locator("main")).to_contain_text(closed_ticket.reference)
    page.goto(f"{base}/tickets/{closed_ticket.reference}/")
    expect(page.locator(".page-head .badge.st-in_progress")).to_be_visible()
    expect(page.locator("main")).to_contain_text("企业表示问题并没有解决，不认可销号。")
    shoot(page, "vc-04-department-sees-the-reopened-ticket")


def test_a_rating_review_is_asked_for_and_upheld(
    live_server, new_page, shoot, leader, supervisor, department_user, company_user, in_progress_ticket
):
    """The department resolves "not feasible for now" (the condition and date appear once it is
    chosen); the company sends it back, 不满意; the department asks for a review with a file;
    supervision finds it in its list (count in the menu) and upholds it; the ticket shows the
    rating reviewed and the report's satisfaction rate leaves it out (DESIGN.md §9)."""
    import datetime

    from playwright.sync_api import expect

    from tickets.models import RatingReview

    base = live_server.url
    reference = in_progress_ticket.reference
    page = new_page(WIDE)

    # 1. The department resolves: "not feasible" shows the condition and the review date.
    log_in(page, base, "dept", "/inbox/")
    page.goto(f"{base}/tickets/{reference}/")
    resolve = opened_action_form(page, "resolve")
    condition = resolve.locator("textarea[name=outcome_condition]")
    expect(condition).to_be_hidden()
    resolve.locator("textarea[name=result]").fill("省级配套政策尚未出台，已向企业说明，先行协调临时措施。")
    resolve.locator("input[name=outcome][value=not_feasible]").check()
    expect(condition).to_be_visible()
    condition.fill("省级配套政策出台")
    review_on = timezone.localdate() + datetime.timedelta(days=30)
    resolve.locator("input[name=outcome_review_date]").fill(review_on.isoformat())
    shoot(page, "review-01-resolve-form-not-feasible-1366")
    phone = new_page(PHONE)
    log_in(phone, base, "dept", "/inbox/")
    phone.goto(f"{base}/tickets/{reference}/")
    phone_resolve = opened_action_form(phone, "resolve")
    phone_resolve.locator("input[name=outcome][value=not_feasible]").check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "review-02-resolve-form-not-feasible-390")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-resolved")).to_be_visible()
    expect(page.locator("section.result")).to_contain_text(review_on.isoformat())
    log_out(page, base)

    # 2. The company reads the outcome in plain words and sends it back: 不满意.
    log_in(page, base, "company", "/tickets/")
    page.goto(f"{base}/tickets/{reference}/")
    expect(page.locator("section.result .badge.outcome-not_feasible")).to_be_visible()
    reopen = opened_action_form(page, "reopen")
    reopen.locator("textarea[name=comment]").fill("希望尽快解决，不接受等待。")
    reopen.locator("button[type=submit]").click()
    expect(page.locator(".page-head .badge.st-in_progress")).to_be_visible()
    log_out(page, base)

    # 3. The department asks for a review of the rating, with a file.
    log_in(page, base, "dept", "/inbox/")
    page.goto(f"{base}/tickets/{reference}/")
    ask = opened_action_form(page, "request_rating_review")
    ask.locator("textarea[name=reason]").fill("政策条件不具备，已如实告知企业，非本部门办理不力。")
    evidence = [{"name": "政策说明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    ask.locator("input[type=file][name=files]").set_input_files(files=evidence)
    ask.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("#rating-review")).to_be_visible()
    expect(action_form(page, "request_rating_review")).to_have_count(0)
    log_out(page, base)

    # 4. Supervision: the menu counts it; the list shows it with its file; upheld.
    log_in(page, base, "supervisor", "/supervision/")
    menu = page.locator("header nav a[href='/rating-reviews/']")
    expect(menu.locator(".count")).to_have_text("1")
    menu.click()
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main ul.files a", has_text="政策说明.pdf")).to_be_visible()
    shoot(page, "review-03-review-list-1366")
    phone = new_page(PHONE)
    log_in(phone, base, "supervisor", "/supervision/")
    phone.goto(f"{base}/rating-reviews/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "review-04-review-list-390")
    review = RatingReview.objects.get()
    decide = page.locator(f"form[action='/rating-reviews/{review.pk}/decide/']")
    decide.locator("input[name=decision][value=uphold]").check()
    decide.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("header nav a[href='/rating-reviews/'] .count")).to_have_count(0)
    page.goto(f"{base}/tickets/{reference}/")
    expect(page.locator("section.result .reviewed-badge")).to_be_visible()
    shoot(page, "review-05-ticket-reviewed")
    log_out(page, base)

    # 5. The report leaves the upheld rating out: no rating counts, the rate is "—".
    log_in(page, base, "leader", "/reports/")
    satisfaction = page.locator(".figure", has=page.locator(".figure-label", has_text="满意率"))
    expect(satisfaction.locator(".figure-value")).to_have_text("—")
    shoot(page, "review-06-report-without-the-upheld-rating")
    assert RatingReview.objects.get().state == "upheld"


def test_the_pages_run_under_their_content_security_policy(
    live_server, new_page, shoot, csp_violations, company_user, leader, admin_user, department_user, closed_ticket
):
    """A strict policy (config/settings.py) on every page, and no page breaks it: their scripts and
    styles come from our own files, the language switch still works, the admin's and the API docs'
    scripts run; the stored print page has its own policy, its inline style applies."""
    from playwright.sync_api import expect

    from tickets.casefile import export as exports
    from tickets.models import CaseFileExport

    base = live_server.url

    def settled(page):
        """The page's console messages so far are in (one round trip), and none was a violation."""
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")
        assert csp_violations == [], f"on {page.url}"

    def visit(page, path, check=None):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.ok, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, f"{path}: {policy!r}"
        assert "camera=()" in response.headers.get("permissions-policy", ""), path
        if check:
            check(page)
        settled(page)

    def styled(page):
        # app.css applies: the top bar is the site's red, not the browser's default.
        assert page.evaluate("getComputedStyle(document.querySelector('header.topbar')).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")

    # The reporter catches what the policy refuses (else "no violation" would prove nothing).
    page = new_page(WIDE)
    visit(page, "/accounts/login/", styled)
    page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
    for _ in range(40):  # Chromium's own console message, then the reporter's
        if any(v.startswith("CSP violation: style-src") for v in csp_violations):
            break
        page.wait_for_timeout(50)
    assert any(v.startswith("CSP violation: style-src") for v in csp_violations), csp_violations
    csp_violations.clear()

    # Signed out: the login page at both widths, and the language switch (static/js/app.js).
    for viewport, width in ((WIDE, 1366), (PHONE, 390)):
        page = new_page(viewport)
        visit(page, "/accounts/login/", styled)
        shoot(page, f"csp-login-{width}")
    page.locator("header select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    settled(page)

    # The company: its list, a ticket (both widths), the form, its file and the stored print page.
    export = CaseFileExport.objects.create(enterprise=company_user.enterprise, requested_by=company_user)
    exports.build_case_file_export(export.pk)
    for viewport, width in ((WIDE, 1366), (PHONE, 390)):
        page = new_page(viewport)
        log_in(page, base, "company", "/tickets/")
        settled(page)
        visit(page, f"/tickets/{closed_ticket.reference}/", styled)
        expect(page.locator(".page-head .ref")).to_have_text(closed_ticket.reference)
        shoot(page, f"csp-ticket-{width}")
    visit(page, "/tickets/new/", styled)
    visit(page, f"/enterprises/{company_user.enterprise_id}/", styled)
    response = page.goto(f"{base}/exports/{export.pk}/print/")
    assert response is not None and "default-src 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle") == "solid"  # its inline style
    settled(page)

    # The leader's report, and its printable page.
    page = new_page(WIDE)
    log_in(page, base, "leader", "/reports/")
    visit(page, "/reports/", styled)
    visit(page, "/reports/?print=1")

    # The admin: its index, a change list and form, and django-celery-beat's form, whose inline
    # script runs with the page's nonce (it hides the crontab's translation row).
    page = new_page(WIDE)
    log_in(page, base, "admin", "/dispatch/")
    visit(page, "/admin/")
    visit(page, "/admin/tickets/ticket/")
    visit(page, f"/admin/tickets/ticket/{closed_ticket.pk}/change/")
    # The admin's own widgets: two-list pickers (filter_horizontal), the calendar, the password form.
    visit(page, "/admin/tickets/category/add/")
    expect(page.locator(".selector-available")).to_be_visible()
    visit(page, "/admin/tickets/calendarday/add/")
    page.locator(".datetimeshortcuts a").last.click()
    expect(page.locator(".calendarbox")).to_be_visible()
    settled(page)
    visit(page, f"/admin/enterprises/user/{company_user.pk}/change/")
    visit(page, "/admin/django_celery_beat/periodictask/add/")
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
    settled(page)

    # The API docs: Swagger UI's scripts (its init script from ?script) render the operations.
    page = new_page(WIDE)
    log_in(page, base, "dept", "/inbox/")
    visit(page, "/api/docs/")
    expect(page.locator(".opblock", has_text="/api/tickets/").first).to_be_visible()
    settled(page)


def test_staff_enrol_a_second_factor_and_sign_in_with_it(live_server, new_page, shoot, settings, dispatcher, leader):
    """REQUIRE_2FA_FOR_STAFF: dispatch's first login goes to the set-up page (QR code and key),
    the code an app would compute from the key turns it on and shows the recovery codes; a person
    with an app already (as the demo's admin2fa) enters its code after the password."""
    import base64

    from django_otp.oath import totp
    from playwright.sync_api import expect

    from tests.factories import app_code, authenticator_app

    settings.REQUIRE_2FA_FOR_STAFF = True
    base = live_server.url

    def password(page, username):
        page.goto(f"{base}/accounts/login/")
        page.locator("main input[name=username]").fill(username)
        page.locator("main input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()

    for viewport, name in ((PHONE, "2fa-setup-390"), (WIDE, "2fa-setup-1366")):
        page = new_page(viewport)
        password(page, "dispatcher")
        expect(page).to_have_url(re.compile(rf"{re.escape(base)}/accounts/two-factor/setup/\?next=.*"))
        expect(page.locator(".qr svg")).to_be_visible()
        expect(page.locator("header .mainnav")).to_have_count(0)  # no menus before the second factor
        shoot(page, name)
    key = page.locator(".secret code").inner_text().replace(" ", "")
    page.locator("main input[name=code]").fill(f"{totp(base64.b32decode(key)):06d}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shoot(page, "2fa-recovery-codes")
    page.get_by_role("link", name="继续").click()
    expect(page).to_have_url(f"{base}/dispatch/")

    device = authenticator_app(leader)
    page = new_page(WIDE)
    password(page, "leader")
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/accounts/two-factor/\?next=.*"))
    page.locator("main input[name=code]").fill("000000" if app_code(device) != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .error")).to_contain_text("验证码不正确")
    shoot(page, "2fa-wrong-code")
    page.wait_for_timeout(1100)  # django-otp's throttle: the try after a wrong one waits a second
    page.locator("main input[name=code]").fill(app_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/reports/")
    expect(page.locator("header .mainnav")).to_be_visible()
