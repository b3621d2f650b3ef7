"""The QR code of a company (包联, DESIGN.md §12): it opens the submission page with the company
chosen (/tickets/new/?enterprise=<id>; signing in is still required), drawn on the server as an
SVG (the `qrcode` package, no image library) and put in the page inline — no script, no style
attribute, so the strict Content-Security-Policy holds."""

from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def submission_url(enterprise_id: int) -> str:
    """The address the company's QR code opens: the submission page with the company chosen."""
    return f"{settings.SITE_URL}{reverse('ticket_new')}?{urlencode({'enterprise': enterprise_id})}"


def submission_qr_svg(enterprise_id: int, *, label: str) -> SafeString:
    """The QR code of submission_url() as inline SVG markup, sized by the stylesheet (.qr svg)."""
    image = qrcode.make(
        submission_url(enterprise_id),
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    # What the package wrote, and the label escaped: no markup of anyone's but ours.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(svg)  # noqa: S308 - drawn here from a URL of ours; the label is escaped
