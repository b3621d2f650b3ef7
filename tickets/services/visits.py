"""Work in the field (包联, DESIGN.md §12): a liaison official records a visit to a company, and
each problem found there becomes a ticket on the company's behalf in the same step.

One transaction: the visit, its tickets (through ticket_submit, channel liaison, each naming
the visit) and its files are saved together or not at all — a refused problem refuses the whole
visit, and no ticket is left without its visit. The tickets' notifications (dispatch is told of
each new ticket) are sent after the commit, as every submission's.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import rules
from tickets.models import Category, Channel, Priority, Visit
from tickets.services.base import ActionRefused
from tickets.services.submission import ticket_submit
from tickets.services.uploads import _store_visit_files, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import Enterprise, User


@dataclass(frozen=True)
class Problem:
    """A problem found on a visit: the ticket it becomes."""

    category: Category
    title: str
    description: str
    priority: str = Priority.NORMAL


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def visit_record(
    *,
    by: User,
    enterprise: Enterprise,
    visited_on: datetime.date,
    discussion: str,
    people_met: str = "",
    files: Sequence[UploadedFile] = (),
    problems: Sequence[Problem] = (),
    at: datetime.datetime | None = None,
) -> Visit:
    """走访记录: `by`, a liaison official of `enterprise`, visited it on `visited_on` (not after
    today), met `people_met`, discussed `discussion`, took `files`; each of `problems` becomes a
    ticket of the company (channel liaison, submitted by the liaison, linked to the visit).

    Refused (ActionRefused, nothing saved): a company the liaison does not look after
    ("forbidden"), a date in the future ("future_date"), nothing said about the discussion
    ("no_discussion"), a file not accepted ("files"), a problem that cannot be a ticket
    ("problem": its message names which)."""
    if not rules.may_record_visit_for(by, enterprise.pk):
        raise ActionRefused(_("You can record visits only to the companies you look after."), code="forbidden")
    at = at or timezone.now()
    if visited_on > timezone.localdate(at):
        raise ActionRefused(_("The visit date cannot be in the future."), code="future_date")
    discussion = (discussion or "").strip()
    if not discussion:
        raise ActionRefused(_("Say what was discussed on the visit."), code="no_discussion")
    try:
        validate_uploads(files)
    except ValidationError as error:
        raise ActionRefused(_messages(error), code="files") from None
    visit = Visit(
        enterprise=enterprise,
        liaison=by,
        visited_on=visited_on,
        people_met=(people_met or "").strip(),
        discussion=discussion,
        created_at=at,
    )
    try:
        visit.full_clean()
    except ValidationError as error:
        raise ActionRefused(_messages(error), code="invalid") from None
    with transaction.atomic():
        visit.save()
        for number, problem in enumerate(problems, start=1):
            try:
                ticket_submit(
                    by=by,
                    enterprise=enterprise,
                    category=problem.category,
                    title=problem.title.strip(),
                    description=problem.description.strip(),
                    priority=problem.priority,
                    channel=Channel.LIAISON,
                    visit=visit,
                    at=at,
                )
            except (ActionRefused, ValidationError) as refused:
                why = refused.message if isinstance(refused, ActionRefused) else _messages(refused)
                raise ActionRefused(
                    _("Problem %(number)s: %(why)s Nothing was saved.") % {"number": number, "why": why}, code="problem"
                ) from None
        # Last: a file is written to storage as its row is saved.
        _store_visit_files(visit, files, by=by)
    return visit
