"""Company pages: the list and the case file (一企一档)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tickets import access, qr, rules, selectors
from tickets.casefile import selectors as casefile_selectors
from tickets.models import AccessKind
from tickets.selectors.lookup import visible_or_404
from tickets.web.pagination import _paginate


@login_required
def enterprise_list(request):
    query = request.GET.get("q", "").strip()[:100]
    if request.user.is_company:
        return redirect("enterprise_case_file", pk=request.user.enterprise_id)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {"page": _paginate(request, selectors.enterprise_list(request.user, query)), "q": query},
    )


@login_required
def enterprise_case_file(request, pk):
    case_file = visible_or_404(lambda: casefile_selectors.enterprise_case_file(request.user, pk), _("No such company."))
    access.record(request, AccessKind.CASE_FILE, enterprise_id=case_file.enterprise.pk)
    context = {
        "case_file": case_file,
        "today": case_file.today,
        "full_contact": case_file.full_contact,
        "visit_limit": casefile_selectors.CASE_FILE_VISIT_LIMIT,
        "qr_svg": qr.submission_qr_svg(
            case_file.enterprise.pk, label=_("QR code: submit a problem for %(name)s") % {"name": case_file.enterprise.name}
        ),
        "may_record_visit": rules.may_record_visit_for(request.user, case_file.enterprise.pk),
    }
    return render(request, "enterprises/case_file.html", context)


@login_required
def enterprise_qr(request, pk):
    """The company's QR code on a page to print for its office: its name and the code."""
    enterprise = visible_or_404(lambda: selectors.visible_enterprise(request.user, pk), _("No such company."))
    label = _("QR code: submit a problem for %(name)s") % {"name": enterprise.name}
    context = {
        "enterprise": enterprise,
        "qr_svg": qr.submission_qr_svg(enterprise.pk, label=label),
        "url": qr.submission_url(enterprise.pk),
    }
    return render(request, "enterprises/qr_code.html", context)
