"""One object the user may see, or a 404: what every page and API call does with a selector's read
of a single ticket, file, request or company. A malformed key (a text where an id belongs) is the
same 404, so that nobody can tell "not there" from "not yours"."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

T = TypeVar("T")


def visible_or_404(read: Callable[[], T], message: str | None = None) -> T:
    """What `read()` returns, or Http404 with `message` if it finds nothing for this user (the API
    turns Http404 into its JSON 404)."""
    try:
        return read()
    except (ObjectDoesNotExist, ValueError):
        raise Http404(message) from None
