"""The leadership dashboard (read-only): figures from tickets.reports, every number linking to
the tickets behind it; the same report as an xlsx workbook and a printable page."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tickets import access, reports, rules
from tickets.models import AccessKind
from tickets.reports import periods
from tickets.reports.xlsx import workbook
from tickets.selectors.assessment import frozen_dashboard
from tickets.web.report_form import ReportForm

# The figures shown as cards, in order (named by reports.NAMES): (key, the count its number links
# to, the denominator shown under a rate).
HEADLINE = [
    ("accepted", "accepted", None),
    ("closed", "closed", None),
    ("closure_rate", "closed", "accepted"),
    ("on_time_rate", "on_time", "resolved"),
    ("solved_rate", "solved", "resolved"),
    ("overdue_open", "overdue_open", None),
    ("satisfaction_rate", "satisfied", "rated"),
    ("response_rate", "signed_on_time", "signings"),
    ("contact_rate", "contacted_on_time", "contact_assignments"),
    ("co_feedback_rate", "co_on_time", "co_due"),
    ("overrides", "overrides", None),
    ("handling_time", "resolved", None),
    ("return_rate", "returned", "accepted"),
    # 无效退单 (DESIGN.md §9): return requests dispatch overruled, credited to the department that asked.
    ("overruled_returns", "overruled_returns", None),
    ("redo_rate", "reopened", "resolved"),
    ("follow_up_rate", "followed_up", "closed"),
    ("yellow", "yellow", None),
    ("red", "red", None),
    ("rejected", "rejected", None),
]

# Columns of the breakdown tables: (key, label, figure to link or None, is a rate).
COLUMNS = [
    (key, reports.NAMES[key], figure, key in reports.RATES)
    for key, figure in [
        ("accepted", "accepted"),
        ("closed", "closed"),
        ("closure_rate", None),
        ("on_time_rate", None),
        ("solved_rate", None),
        ("overdue_open", "overdue_open"),
        ("satisfaction_rate", None),
        ("response_rate", None),
        ("handling_time", None),
        ("return_rate", None),
        ("overruled_returns", "overruled_returns"),
        ("redo_rate", None),
        ("follow_up_rate", None),
        ("yellow", "yellow"),
        ("red", "red"),
        ("contact_rate", None),
        ("overrides", "overrides"),
        # A co-handling department's own columns: its co assignments (DESIGN.md §8).
        ("co_due", "co_due"),
        ("co_on_time", "co_on_time"),
        ("co_feedback_rate", None),
    ]
]
SORTABLE = {key for key, *_rest in COLUMNS} | {"rank"}


def _form(request):
    """The form and the report it asks for: (form, args, data), args and data None when the form
    is refused. A frozen month is read from its frozen rows (args: the month's first and last
    day); a period is computed now."""
    form = ReportForm(request.GET or {"period": periods.DEFAULT_PERIOD})
    if not form.is_valid():
        return form, None, None
    month = form.frozen_month()
    if month is not None:
        data = frozen_dashboard(month)
        figures = data["figures"]
        return form, {"start": figures["start"], "end": figures["end"]}, data
    args = form.report_args()
    return form, args, reports.dashboard(**args)  # now, in one snapshot: the figures agree with each other


def _query(args, **extra):
    """The query string that reproduces `args` (for links to the tickets behind a figure)."""
    params = {"start": args["start"].isoformat(), "end": args["end"].isoformat(), "period": "custom"}
    for key in ("department", "category", "district", "industry"):
        if args.get(key) is not None:
            params[key] = args[key].pk
    params.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(params)


def _rows_with_links(rows, args, by, linked=True):
    """Breakdown rows with, per linked figure, the query string of its ticket list (none for a
    frozen month: the tickets behind its figures are those of that moment, not a list of now)."""
    for row in rows:
        if not linked:
            row["links"] = {}
            row["cells"] = [(key, label, row[key], None, rate) for key, label, _figure, rate in COLUMNS]
            continue
        scope = dict(args)
        if by == "month":
            month = row["key"]
            next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            scope["start"], scope["end"] = max(month, args["start"]), min(next_month - datetime.timedelta(days=1), args["end"])
        elif row["group"] is not None:
            scope[by] = row["group"]
        row["links"] = (
            {figure: _query(scope, figure=figure) for _key, _label, figure, _rate in COLUMNS if figure}
            if by == "month" or row["group"] is not None
            else {}
        )
        # (figure, column label, value, link, is a rate): the label for the cell's data-label, shown on a phone.
        row["cells"] = [(key, label, row[key], row["links"].get(figure) if figure else None, rate) for key, label, figure, rate in COLUMNS]
    return rows


def _bars(rows, key):
    """Bars of a rate per row, as percentages of the chart's width (the page lays them out: the
    chart takes the width it is given, its labels stay text of a readable size)."""
    return [{"label": row["label"], "value": row[key], "width": f"{float(row[key] or 0) * 100:.1f}%"} for row in rows]


# The trend's plot box in SVG units, drawn stretched to the chart's width; the months' labels are
# placed in percent of that width (the chart's padding leaves room for the first and last).
TREND_WIDTH, TREND_HEIGHT = 1000, 100
# At most this many month labels on a phone and on a wide screen: the others are thinned out
# (every second, third... shown) so that labels never overlap.
NARROW_LABELS, WIDE_LABELS = 4, 12


def _trend(rows):
    """The monthly closure and on-time rates as SVG polylines in a TREND_WIDTH x TREND_HEIGHT box,
    and the months' labels ("2026-02") at the same places in percent, each marked with whether
    it is shown on a phone and on a wide screen; none for a single month (a line needs two
    points: the table below says it all)."""
    if len(rows) < 2:
        return None
    xs = [i * TREND_WIDTH / (len(rows) - 1) for i in range(len(rows))]

    def points(key):
        return " ".join(
            f"{x:.1f},{TREND_HEIGHT - float(row[key]) * TREND_HEIGHT:.1f}" for x, row in zip(xs, rows, strict=True) if row[key] is not None
        )

    narrow_every = -(-len(rows) // NARROW_LABELS)  # ceiling division
    wide_every = -(-len(rows) // WIDE_LABELS)
    labels = [
        {"x": f"{x * 100 / TREND_WIDTH:.2f}%", "label": row["label"], "narrow": i % narrow_every == 0, "wide": i % wide_every == 0}
        for i, (x, row) in enumerate(zip(xs, rows, strict=True))
    ]
    return {
        "closure": points("closure_rate"),
        "on_time": points("on_time_rate"),
        "labels": labels,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
    }


def _sorted_ranking(rows, sort):
    if sort in ("rank", None) or sort.lstrip("-") not in SORTABLE:
        return rows
    key, descending = sort.lstrip("-"), sort.startswith("-")
    present = [row for row in rows if row[key] is not None]
    missing = [row for row in rows if row[key] is None]
    return sorted(present, key=lambda row: row[key], reverse=descending) + missing


def _dashboard_data(args, data, sort=None):
    """The page's context from reports.dashboard() (or a frozen month's, with "frozen")."""
    linked = "frozen" not in data
    figures = data["figures"]
    ranking = _rows_with_links(data["ranking"], args, "department", linked)
    co_handling_only = _rows_with_links(data["co_handling_only"], args, "department", linked)
    by_category = _rows_with_links(data["category"], args, "category", linked)
    by_district = _rows_with_links(data["district"], args, "district", linked)
    by_industry = _rows_with_links(data["industry"], args, "industry", linked)
    by_month = _rows_with_links(data["month"], args, "month", linked)
    cards = [
        {
            "key": key,
            "label": reports.NAMES[key],
            "value": figures[key],
            "is_rate": key in reports.RATES,
            "numerator": figures[numerator] if denominator else None,
            "denominator": figures[denominator] if denominator else None,
            "link": _query(args, figure=numerator) if linked else None,
        }
        for key, numerator, denominator in HEADLINE
    ]
    return {
        "figures": figures,
        "frozen": data.get("frozen"),
        "cards": cards,
        "ranking": _sorted_ranking(ranking, sort),
        "co_handling_only": co_handling_only,
        "ranking_bars": _bars(ranking, "closure_rate"),
        "breakdowns": [
            ("category", _("By category"), by_category),
            ("district", _("By district"), by_district),
            ("industry", _("By industry"), by_industry),
        ],
        "by_month": by_month,
        "trend": _trend(by_month),
        "columns": COLUMNS,
    }


def _require_viewer(request):
    if not rules.may_view_reports(request.user):
        raise PermissionDenied


@login_required
def dashboard(request):
    _require_viewer(request)
    form, args, data = _form(request)
    context = {"form": form, "sort": request.GET.get("sort", "rank")}
    if args is not None:
        context.update(_dashboard_data(args, data, sort=request.GET.get("sort")))
        month = form.frozen_month()
        context["query"] = urlencode({"month": f"{month:%Y-%m}"}) if month else _query(args)
        context["live_query"] = _query(args)  # a frozen month's period, computed now
        context["query_keep"] = request.GET.urlencode()
    template = "reports/print.html" if request.GET.get("print") else "reports/dashboard.html"
    if args is not None and request.GET.get("print"):  # the printable report is a copy taken away, like the workbook
        access.record(request, AccessKind.REPORT, detail=f"print {args['start']:%Y-%m-%d}–{args['end']:%Y-%m-%d}")
    return render(request, template, context, status=200 if args is not None else 400)


@login_required
def figure_tickets(request):
    """The tickets behind one number of the dashboard; for the co figures, which count co
    assignments, the co assignments."""
    _require_viewer(request)
    form = ReportForm(request.GET)
    args = form.report_args() if form.is_valid() and form.frozen_month() is None else None
    figure = request.GET.get("figure")
    if args is None or figure not in reports.COUNTS:
        return render(request, "reports/figure_tickets.html", {"form": form, "error": True}, status=400)
    if figure in reports.ASSIGNMENT_COUNTS:
        return _figure_assignments(request, form, args, figure)
    tickets = reports.tickets_for(figure, **args).select_related("enterprise", "category", "department").order_by("-submitted_at", "-id")
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/figure_tickets.html",
        {
            "form": form,
            "figure": figure,
            "figure_name": reports.NAMES[figure],
            "page": page,
            "args": args,
            "back": _query(args),
            "today": timezone.localdate(),
        },
    )


def _figure_assignments(request, form, args, figure):
    assignments = (
        reports.assignments_for(figure, **args)
        .select_related("ticket", "ticket__enterprise", "department")
        .order_by("-ticket__submitted_at", "ticket_id", "id")
    )
    page = Paginator(assignments, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/figure_assignments.html",
        {"form": form, "figure": figure, "figure_name": reports.NAMES[figure], "page": page, "args": args, "back": _query(args)},
    )


@login_required
def dashboard_xlsx(request):
    _require_viewer(request)
    form, args, data = _form(request)
    if args is None:
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    data = _dashboard_data(args, data)
    content = workbook(args, data)
    access.record(request, AccessKind.REPORT, detail=f"xlsx {args['start']:%Y-%m-%d}–{args['end']:%Y-%m-%d}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = _("Leadership report") + f" {args['start']:%Y%m%d}-{args['end']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
