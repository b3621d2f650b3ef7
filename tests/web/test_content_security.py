"""Content-Security-Policy and Permissions-Policy (config/settings.py): every response carries both,
scripts and styles only from our own files, and no template has an inline script, style or event
handler for the policy to block. The browser side (no violation in Chromium) is in test_browser.py."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import ROLE_FIXTURES
from tickets.casefile import export as exports
from tickets.models import CaseFileExport

ROOT = Path(__file__).resolve().parents[2]
# Off on every page: no page uses a device, the location or payments.
FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "serial", "hid")


def directives(header):
    """{"script-src": ["'self'", ...], ...} of a Content-Security-Policy header."""
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict_policy(response):
    assert "Content-Security-Policy" in response, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"][0] == "'self'" and all(v == "'self'" or v.startswith("'nonce-") for v in policy["script-src"])
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    return policy


def assert_features_off(response):
    assert "Permissions-Policy" in response, f"no Permissions-Policy on {response.request['PATH_INFO']}"
    sent = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    assert {feature: sent.get(feature) for feature in FEATURES_OFF} == dict.fromkeys(FEATURES_OFF, "()")


# Pages of every kind, as the user who opens them (None: signed out).
PAGES = [
    (None, "login", {}),
    (None, "password_reset", {}),
    ("company", "ticket_list", {}),
    ("company", "ticket_new", {}),
    ("company", "ticket_detail", {"ticket": True}),
    ("company", "notification_list", {}),
    ("dispatcher", "dispatch_queue", {}),
    ("department", "department_inbox", {}),
    ("leader", "report_dashboard", {}),
    ("admin", "enterprise_list", {}),
    ("admin", "admin:index", {}),
    ("admin", "admin:tickets_ticket_changelist", {}),
    ("admin", "admin:django_celery_beat_periodictask_add", {}),
    ("department", "api-docs", {}),
    ("department", "api-ticket-list", {}),
    ("liaison", "visit_new", {}),
    ("liaison", "liaison_ledger", {}),
    ("supervisor", "visit_list", {}),
    ("leader", "liaison_overview", {}),
]


@pytest.mark.parametrize(("role", "name", "args"), PAGES, ids=[name for _, name, _ in PAGES])
def test_every_page_sends_the_strict_policy_and_turns_the_features_off(request, client, ticket, role, name, args):
    if role:
        client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse(name, args=[ticket.reference] if args.get("ticket") else []))
    assert response.status_code == 200, name
    assert_strict_policy(response)
    assert_features_off(response)


def test_the_error_pages_send_the_policy_too(client, company_user):
    client.force_login(company_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_policy(response)
    assert_features_off(response)


def test_a_page_s_nonce_is_its_own_and_only_where_a_script_uses_it(client, admin_user):
    """The one inline script of a package's admin page (django-celery-beat's periodic task form)
    runs with the response's nonce; other pages name no nonce."""
    client.force_login(admin_user)
    nonces = []
    for _ in range(2):
        response = client.get(reverse("admin:django_celery_beat_periodictask_add"))
        (nonce,) = [v[len("'nonce-") : -1] for v in assert_strict_policy(response)["script-src"] if v.startswith("'nonce-")]
        assert f'<script id="periodic-task-overrides" nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert assert_strict_policy(client.get(reverse("admin:index")))["script-src"] == ["'self'"]


def test_the_api_docs_have_no_inline_script_or_style_and_load_their_init_script(client, department_user):
    client.force_login(department_user)
    page = client.get(reverse("api-docs")).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all(" src=" in tag for tag in scripts), scripts
    assert "<style" not in page and "style=" not in page
    (init,) = [src for src in re.findall(r'<script src="([^"]+)"', page) if "?" in src]
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode() and "/api/schema/" in script.content.decode()


def test_the_print_page_keeps_its_own_stricter_policy(client, company_user, ticket):
    """The stored case-file print page is a standalone document with its inline <style>: it may
    use that, and nothing else (no script, no request, no frame, no form)."""
    export = CaseFileExport.objects.create(enterprise=company_user.enterprise, requested_by=company_user)
    exports.build_case_file_export(export.pk)
    client.force_login(company_user)
    response = client.get(reverse("export_print", args=[export.pk]))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    assert_features_off(response)


# The templates allowed inline style: the standalone print pages under their own policy.
OWN_POLICY = {"exports/case_file_print.html", "tickets/documents/_base.html"}  # and the printed documents (tickets.web.documents)
INLINE = [
    (re.compile(r"<script\b(?![^>]*\b(src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def project_templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in sorted(folder.rglob("*.html")):
            yield folder, path


def test_no_template_has_what_the_policy_blocks():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for folder, path in project_templates()
        if str(path.relative_to(folder)) not in OWN_POLICY
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert len(list(project_templates())) > 30
    assert not found, found


def test_the_server_error_page_takes_its_style_from_a_file(rf):
    from django.views.defaults import server_error

    page = server_error(rf.get("/")).content.decode()
    assert '<link rel="stylesheet" href="/static/css/error.css">' in page and "style=" not in page
    assert "max-width: 40em" in (ROOT / "static" / "css" / "error.css").read_text()


def test_the_language_switch_submits_by_a_script_file(client):
    page = client.get(reverse("login")).content.decode()
    assert '<script src="/static/js/app.js" defer></script>' in page
    assert re.search(r'<select name="language"[^>]* data-submit-on-change>', page)
    assert "data-submit-on-change" in (ROOT / "static" / "js" / "app.js").read_text()
