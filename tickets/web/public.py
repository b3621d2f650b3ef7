"""The public page of the monthly assessment (DESIGN.md §10): /public/monthly/, no login.

What it shows, read from the frozen rows only (never the tickets): the city's figures of each
frozen month (its latest edition: tickets.selectors.public.latest_city_rows) and one month's
department ranking per assessment group (tickets.selectors.bulletin.bulletin(), the bulletin's own
ranking). Nothing else of the bulletin: no red-carded tickets (their references), no reason of a
correction (an administrator's free text), no company, no ticket, no person. A month that is not
frozen is a 404 on the same page, saying so; an earlier edition of a corrected month is never
shown here (?edition= is not read): the public sees the latest figures and that they were corrected.

The page is the same for everyone (no menu, no user, no form: the language switch is a link with
?lang=), so an anonymous visitor's page may be kept by browsers and shared caches for a few minutes
(Cache-Control: public, max-age=300; Vary: Accept-Language, Cookie: the language comes from either).
A request carrying a session cookie gets "private" instead: its response may set that cookie again
(SESSION_SAVE_EVERY_REQUEST), and a shared cache must never hand it to someone else.
"""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tickets.reports import NAMES, RATES
from tickets.selectors.assessment import figures
from tickets.selectors.bulletin import bulletin
from tickets.selectors.public import latest_city_rows

PUBLIC_MAX_AGE = 300
# The months in the table of city figures, newest first (older frozen months still open by URL).
MONTHS_SHOWN = 24
# The city's figures of each month, in order.
CITY_FIGURES = ["accepted", "closed", "closure_rate", "on_time_rate", "solved_rate", "satisfaction_rate", "handling_time"]
# Each department's line after its rank and score.
LINE_FIGURES = ["accepted", "on_time_rate", "solved_rate", "satisfaction_rate"]


def _columns(keys):
    return [(key, NAMES[key], key in RATES) for key in keys]


def _asked_language(request) -> str:
    """The language asked for with ?lang= (the page's switch), or ""."""
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else ""


def _cached(request, response):
    if response.status_code != 200:
        patch_cache_control(response, no_cache=True)
    elif request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_safe
def public_monthly(request, month=None):
    asked = _asked_language(request)
    language = asked or translation.get_language()
    with translation.override(language):
        months = [(row.month, row.edition, figures(row)) for row in latest_city_rows(limit=MONTHS_SHOWN)]
        if month is None and months:
            month = months[0][0]
        found = bulletin(month) if month is not None else None
        context = {
            "city_name": settings.CITY_NAME,
            # The city's name and the page's title: "晋城市月度考核公开结果", "晋城市 Monthly assessment…".
            "heading": (_("%(city)sMonthly assessment: public figures") % {"city": settings.CITY_NAME}).strip(),
            "months": months,
            "month": month,
            "bulletin": found,
            "city_columns": _columns(CITY_FIGURES),
            "line_columns": _columns(LINE_FIGURES),
            "language": language,
            "query": f"?lang={asked}" if asked else "",
            "languages": settings.LANGUAGES,
            "not_frozen": month is not None and found is None,
        }
        if context["not_frozen"]:
            context["message"] = _("%(month)s is not a frozen month: its assessment has not been published.") % {"month": f"{month:%Y-%m}"}
        # Rendered without the request: no context processor, nothing of the visitor on the page.
        response = HttpResponse(render_to_string("public/monthly.html", context), status=404 if context["not_frozen"] else 200)
        response["Content-Language"] = language
    return _cached(request, response)
