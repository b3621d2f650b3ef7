"""Liaison work pages (包联, DESIGN.md §12): record a visit (phone first), the visit list, one
visit, a visit's file. Thin: read through tickets.selectors.visits, act through
tickets.services.visit_record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tickets import access, personal, rules, services
from tickets.models import AccessKind
from tickets.selectors import visits as selectors
from tickets.selectors.lookup import visible_or_404
from tickets.web.downloads import attachment_response
from tickets.web.pagination import _paginate
from tickets.web.visit_forms import ProblemFormSet, VisitFilterForm, VisitForm, problems_of

# Which field of the visit form a refusal of visit_record is about (None: the form as a whole).
REFUSAL_FIELDS = {"forbidden": "enterprise", "future_date": "visited_on", "no_discussion": "discussion", "files": "files"}


def _require(condition):
    if not condition:
        raise PermissionDenied


@login_required
def visit_new(request):
    _require(rules.may_record_visit(request.user))
    posted = request.method == "POST"
    initial = {"enterprise": request.GET.get("enterprise")} if request.GET.get("enterprise", "").isdigit() else None
    form = VisitForm(request.POST if posted else None, request.FILES if posted else None, user=request.user, initial=initial)
    problems = ProblemFormSet(request.POST if posted else None, prefix="problem")
    if posted and form.is_valid() and problems.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_record(
                by=request.user,
                enterprise=data["enterprise"],
                visited_on=data["visited_on"],
                people_met=data["people_met"],
                discussion=data["discussion"],
                files=data["files"],
                problems=problems_of(problems),
            )
        except services.ActionRefused as refused:
            form.add_error(REFUSAL_FIELDS.get(refused.code), refused.message)
        else:
            raised = visit.tickets.count()
            messages.success(
                request,
                _("Visit recorded; %(count)s problems raised as tickets.") % {"count": raised} if raised else _("Visit recorded."),
            )
            return redirect("visit_detail", pk=visit.pk)
    if posted:
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(request, "visits/visit_new.html", {"form": form, "problems": problems}, status=400 if posted else 200)


@login_required
def visit_list(request):
    _require(rules.may_oversee_visits(request.user) or request.user.is_liaison or request.user.is_company)
    filters = VisitFilterForm(request.GET or None, choices=selectors.visit_filter_choices(request.user))
    values = filters.cleaned_data if filters.is_valid() else {}
    visits = selectors.visit_list(
        request.user,
        enterprise_id=getattr(values.get("enterprise"), "pk", None),
        liaison_id=getattr(values.get("liaison"), "pk", None),
        district_id=getattr(values.get("district"), "pk", None),
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        with_problems=bool(values.get("with_problems")),
    )
    page = _paginate(request, visits)
    for visit in page:
        visit.people_shown = personal.visit_people(visit, full=rules.sees_company_contact(request.user, visit.enterprise_id))
    return render(request, "visits/visit_list.html", {"page": page, "filters": filters})


@login_required
def visit_detail(request, pk):
    visit = visible_or_404(lambda: selectors.visit_detail(request.user, pk), _("No such visit."))
    full = rules.sees_company_contact(request.user, visit.enterprise_id)
    context = {"visit": visit, "people": personal.visit_people(visit, full=full), "tickets": visit.visible_tickets}
    return render(request, "visits/visit_detail.html", context)


@login_required
def visit_attachment(request, pk):
    attachment = visible_or_404(lambda: selectors.visible_visit_attachment(request.user, pk))
    response = attachment_response(attachment)
    access.record(request, AccessKind.ATTACHMENT, enterprise_id=attachment.visit.enterprise_id, detail=attachment.original_name)
    return response
