"""Requesting a case file export (一企一档导出), or an export of the ticket list, for one person."""

from __future__ import annotations

import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import list_export, visibility
from tickets.casefile import export as case_file_export
from tickets.models import CaseFileExport, TicketListExport

from .base import ActionRefused

if TYPE_CHECKING:
    from enterprises.models import User

# A second click on the button while an export is still being built shows that one.
REUSE_WITHIN = datetime.timedelta(minutes=10)

_IN_PROGRESS = (CaseFileExport.State.PENDING, CaseFileExport.State.RUNNING)


def _reusable(exports: QuerySet[Any], *, by: User, at: datetime.datetime) -> Any:
    """`by`'s latest of `exports` still waiting or being built, asked for within REUSE_WITHIN."""
    return exports.filter(requested_by=by, state__in=_IN_PROGRESS, created_at__gte=at - REUSE_WITHIN).order_by("-created_at", "-id").first()


def case_file_export_request(*, by: User, enterprise_id: int, at: datetime.datetime | None = None) -> tuple[CaseFileExport, bool]:
    """The export of the company's case file for `by`: theirs of the same company still waiting
    or being built, if requested within REUSE_WITHIN, else a new one whose build is queued after
    the commit. Returns (export, created).

    Refused (code "not_found", nothing created) if `by` may not see the company, or there is no
    such company: the same answer for both, as a page's 404. The company's row is locked while
    deciding, so two clicks at once make one export (PostgreSQL)."""
    at = at or timezone.now()
    with transaction.atomic():
        enterprise = visibility.visible_enterprises(by).select_for_update(of=("self",)).filter(pk=enterprise_id).first()
        if enterprise is None:
            raise ActionRefused(_("No such company."), code="not_found")
        in_progress = _reusable(CaseFileExport.objects.filter(enterprise=enterprise), by=by, at=at)
        if in_progress is not None:
            return in_progress, False
        export = CaseFileExport.objects.create(enterprise=enterprise, requested_by=by, created_at=at)
        transaction.on_commit(partial(case_file_export.queue_build, export.pk))
    return export, True


def ticket_list_export_request(*, by: User, filters: dict[str, Any], at: datetime.datetime | None = None) -> tuple[TicketListExport, bool]:
    """The export of the ticket list as `by` filtered it (`filters`: the list's cleaned filters,
    as tickets.list_export.stored_filters keeps them): theirs with the same filters still waiting
    or being built, if requested within REUSE_WITHIN, else a new one whose build is queued after
    the commit. Returns (export, created). What it holds is read at build time, as `by` may see."""
    at = at or timezone.now()
    with transaction.atomic():
        in_progress = _reusable(TicketListExport.objects.filter(filters=filters), by=by, at=at)
        if in_progress is not None:
            return in_progress, False
        export = TicketListExport.objects.create(requested_by=by, filters=filters, created_at=at)
        transaction.on_commit(partial(list_export.queue_build, export.pk))
    return export, True
