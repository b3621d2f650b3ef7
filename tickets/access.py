"""The access log from a request (pages and API alike): who (the signed-in user), from where (the
client's address as the login lockout reads it: config.client_address, TRUSTED_PROXY_COUNT), and
whether through the API. Each view that shows a ticket, a case file, a file, an export or a report
calls `record` once, after it found the object visible (a refused look is not an access)."""

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

from tickets.models import AccessKind
from tickets.services.access import access_record


def record(
    request: HttpRequest,
    kind: AccessKind,
    *,
    ticket_id: int | None = None,
    enterprise_id: int | None = None,
    detail: str = "",
) -> None:
    access_record(
        user=request.user,  # type: ignore[arg-type]  # views call it for signed-in users only
        kind=kind,
        address=get_client_ip_address(request),
        via_api=request.path.startswith("/api/"),
        ticket_id=ticket_id,
        enterprise_id=enterprise_id,
        detail=detail,
    )
