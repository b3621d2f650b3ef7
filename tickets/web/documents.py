"""A ticket's printed documents: the assignment slip (交办单) and the supervision notice (督办单),
A4 pages officials print, sign and file, opened from the ticket page.

A ticket the user may not see is the ticket page's 404; a ticket without the document (not
assigned, never supervised) is a 404 too; the company's side, which sees the ticket but does not
file its documents (rules.may_print_ticket_documents), is refused. Each page is a standalone
document with its own inline style and the print pages' policy (exports.PRINT_CSP): no scripts,
no navigation.
"""

from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tickets import access, rules
from tickets.models import AccessKind
from tickets.selectors import documents as selectors
from tickets.selectors.lookup import visible_or_404
from tickets.web.exports import PRINT_CSP


def _document(request, read, reference, missing):
    """The document, in this order: the ticket page's 404, the refusal of the company's side,
    the 404 of a document the ticket does not have."""
    try:
        document = visible_or_404(lambda: read(user=request.user, reference=reference), _("No such ticket."))
    except selectors.NoDocument:
        document = None
    if not rules.may_print_ticket_documents(request.user):
        raise PermissionDenied
    if document is None:
        raise Http404(missing)
    return document


def _page(request, template, document, detail):
    access.record(request, AccessKind.TICKET, ticket_id=document.ticket.pk, enterprise_id=document.ticket.enterprise_id, detail=detail)
    response = render(request, template, {"doc": document, "t": document.ticket, "printed_at": timezone.now()})
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csp(PRINT_CSP)
@never_cache
@login_required
@require_GET
def assignment_slip(request, reference):
    slip = _document(request, selectors.assignment_slip, reference, _("This ticket has not been assigned: it has no assignment slip."))
    return _page(request, "tickets/documents/assignment_slip.html", slip, "assignment slip")


@csp(PRINT_CSP)
@never_cache
@login_required
@require_GET
def supervision_notice(request, reference):
    notice = _document(request, selectors.supervision_notice, reference, _("This ticket is not under supervision: it has no notice."))
    return _page(request, "tickets/documents/supervision_notice.html", notice, "supervision notice")
