"""Attachments: what is accepted, and storing what was."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tickets.models import (
    Attachment,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import User

def validate_upload(upload: UploadedFile) -> None:
    """Refuse a file the system does not accept, with a message a person understands."""
    assert upload.name is not None and upload.size is not None  # a received upload has both
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    allowed = settings.ATTACHMENT_ALLOWED_EXTENSIONS
    if extension not in allowed:
        raise ValidationError(
            _("“%(name)s”: this file type is not accepted. Accepted types: %(types)s.")
            % {"name": upload.name, "types": ", ".join(allowed)},
            code="file_type",
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size).1f MB); the limit is %(limit).0f MB.")
            % {
                "name": upload.name,
                "size": upload.size / 1024 / 1024,
                "limit": settings.ATTACHMENT_MAX_BYTES / 1024 / 1024,
            },
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="file_empty")


def validate_uploads(files: Sequence[UploadedFile]) -> None:
    """Refuse a set of files (too many, or any file not accepted), listing every problem."""
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("Attach at most %(count)s files.") % {"count": settings.ATTACHMENT_MAX_FILES}, code="file_count"
        )
    errors = []
    for upload in files:
        try:
            validate_upload(upload)
        except ValidationError as error:
            errors.extend(error.error_list)
    if len(errors) == 1:
        raise errors[0]  # keeps its code (file_type, file_size, file_empty)
    if errors:
        raise ValidationError(errors)


def _store_attachments(ticket: Ticket, files: Sequence[UploadedFile], *, by: User, event: TicketEvent) -> None:
    """Store files that validate_uploads() accepted (callers check before writing anything)."""
    for upload in files:
        assert upload.name is not None and upload.size is not None  # a received upload has both
        content_type = getattr(upload, "content_type", "") or mimetypes.guess_type(upload.name)[0] or ""
        Attachment.objects.create(
            ticket=ticket,
            event=event,
            uploaded_by=by,
            file=upload,
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            content_type=content_type[:100],
        )
