"""Files as downloads, for the pages and the API alike."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from tickets.services import uploads


def attachment_response(attachment):
    """The file as a download (never shown inline: an uploaded HTML or SVG must not run here)."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer available.")) from None
    # The type of what the upload check found (by its name's rule), never what a client said.
    content_type = uploads.content_type_for(attachment.original_name)
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
