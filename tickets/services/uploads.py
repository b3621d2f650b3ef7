"""Attachments: what is accepted (by name, size and content), and storing what was."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tickets.models import (
    Attachment,
    Ticket,
    TicketEvent,
    Visit,
    VisitAttachment,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import User

# What the content of each accepted extension must be, and the content type stored and served for
# it (the server's, never the client's): "pdf", "jpg", "png" are filetype's kinds (magic bytes);
# OOXML documents are zip archives holding their main part; .doc/.xls are OLE compound files;
# "text" is text in UTF-8, UTF-16 (with its BOM) or GB 18030 with no markup a browser would run.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
CONTENT_RULES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "gif": ("gif", "image/gif"),
    "docx": ("ooxml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("ooxml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "zip": ("zip", "application/zip"),
    "txt": ("text", "text/plain; charset=utf-8"),
}
_MARKUP = re.compile(rb"<\s*(?:html|head|body|script|iframe|frame|object|embed|svg|meta|link|style|form|base|!doctype|\?xml)[\s>/]", re.I)


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def content_type_for(name: str) -> str:
    """The content type the system stores and serves for a file of this name (by the rule of its
    extension; application/octet-stream for one with none, as files stored before the check)."""
    rule = CONTENT_RULES.get(_extension(name))
    return rule[1] if rule else "application/octet-stream"


def _looks_like(head: bytes) -> str:
    kind = filetype.guess(head)
    if kind is not None:
        return f"{kind.extension.upper()} ({kind.mime})"
    if _MARKUP.search(head):
        return _("a web page or script (HTML)")
    return _("something else")


def _is_text(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data:
        return False
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not _MARKUP.search(text.encode("utf-8"))
    return False


def _content_matches(rule: str, extension: str, upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if rule == "text":
        data = head + upload.read()  # the rest: a text file is read whole (ATTACHMENT_MAX_BYTES at most)
        upload.seek(0)
        return filetype.guess(head) is None and _is_text(data)
    if rule == "ole":
        return head.startswith(_OLE)
    if rule in ("ooxml", "zip"):
        if not zipfile.is_zipfile(upload):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
        return rule == "zip" or _OOXML_PART[extension] in names
    kind = filetype.guess(head)
    return kind is not None and kind.extension == rule


def validate_upload(upload: UploadedFile) -> None:
    """Refuse a file the system does not accept, with a message a person understands."""
    assert upload.name is not None and upload.size is not None  # a received upload has both
    extension = _extension(upload.name)
    allowed = settings.ATTACHMENT_ALLOWED_EXTENSIONS
    if extension not in allowed or extension not in CONTENT_RULES:  # the second: see the check tickets.E001
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
    rule = CONTENT_RULES[extension][0]
    if not _content_matches(rule, extension, upload):
        upload.seek(0)
        raise ValidationError(
            _(
                "“%(name)s”: its content is not a .%(extension)s file (it looks like %(found)s). Save it in the right "
                "format, or give it the name of the type it is, and attach it again."
            )
            % {"name": upload.name, "extension": extension, "found": _looks_like(upload.read(8192))},
            code="file_content",
        )


def validate_uploads(files: Sequence[UploadedFile]) -> None:
    """Refuse a set of files (too many, or any file not accepted), listing every problem."""
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(_("Attach at most %(count)s files.") % {"count": settings.ATTACHMENT_MAX_FILES}, code="file_count")
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
        content_type = content_type_for(upload.name)  # what validate_uploads() checked it is, not what the client said
        Attachment.objects.create(
            ticket=ticket,
            event=event,
            uploaded_by=by,
            file=upload,
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            content_type=content_type[:100],
        )


def _store_visit_files(visit: Visit, files: Sequence[UploadedFile], *, by: User) -> None:
    """Store a visit's photos and files, accepted by validate_uploads() like a ticket's."""
    for upload in files:
        assert upload.name is not None and upload.size is not None  # a received upload has both
        VisitAttachment.objects.create(
            visit=visit,
            uploaded_by=by,
            file=upload,
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            content_type=content_type_for(upload.name)[:100],
        )
