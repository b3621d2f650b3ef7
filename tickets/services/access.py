"""Writing the access log (tickets.models.AccessLog): one insert per page, file or report opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tickets.models import AccessKind, AccessLog

if TYPE_CHECKING:
    from enterprises.models import User


def access_record(
    *,
    user: User,
    kind: AccessKind,
    address: str | None,
    via_api: bool = False,
    ticket_id: int | None = None,
    enterprise_id: int | None = None,
    detail: str = "",
) -> None:
    AccessLog.objects.create(
        user=user, kind=kind, address=address, via_api=via_api, ticket_id=ticket_id, enterprise_id=enterprise_id, detail=detail[:200]
    )
