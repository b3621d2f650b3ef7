"""Personal data on its way out (DESIGN.md §11): the masked forms of a phone number, a name and an
e-mail address, and the contact and timeline names as one reader may see them.

Who sees them in full is one rule, in tickets.rules (`sees_company_contact`, `sees_ticket_contact`);
this module only applies its answer, so that the pages, the workbooks, the mailings and the API
mask alike. The admin (the administrators' tool for correcting the records) shows the records as
they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tickets import rules
from tickets.models import VerificationCall

MASK = "*"


def mask_phone(value: str) -> str:
    """138****1234: the first three and last four characters of a number of 8 or more; a shorter
    one keeps only its last two."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 8:
        return value[:3] + MASK * (len(value) - 7) + value[-4:]
    if len(value) > 2:
        return MASK * (len(value) - 2) + value[-2:]
    return MASK * len(value)


def mask_name(value: str) -> str:
    """王*, 欧阳**: the first character, then one star per character."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + MASK * max(len(value) - 1, 1)


def mask_email(value: str) -> str:
    """w***@example.com: the first character of the mailbox and its domain."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    return (local[:1] + MASK * 3 + at + domain) if at else mask_name(value)


@dataclass(frozen=True)
class Contact:
    """A contact person as one reader may see them: in full, or masked."""

    name: str
    phone: str
    email: str = ""
    full: bool = True

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.phone, self.email) if part)


def contact(name: str, phone: str, email: str = "", *, full: bool) -> Contact:
    if full:
        return Contact(name or "", phone or "", email or "", True)
    return Contact(mask_name(name), mask_phone(phone), mask_email(email), False)


def company_contact(enterprise: Any, *, full: bool) -> Contact:
    return contact(enterprise.contact_name, enterprise.contact_phone, enterprise.contact_email, full=full)


def ticket_contact(ticket: Any, *, full: bool) -> Contact:
    return contact(ticket.contact_name, ticket.contact_phone, full=full)


def actor_label(event: Any, *, full: bool) -> str:
    """Who made a timeline event: staff by their name always (they act in office); a company's
    user, a person of the company, masked unless the reader sees the company's contact."""
    if event.actor is None:
        return _("System")
    return person_label(event.actor, full=full)


def person_label(person: Any, *, full: bool) -> str:
    """A user's name: staff always in full, a company's user masked unless `full`."""
    if person is None:
        return ""
    if not full and person.is_company:
        return mask_name(str(person))
    return str(person)


def sees_ticket_contact(user: Any, ticket: Any) -> bool:
    """rules.sees_ticket_contact, asking the database whether a verification call on the ticket is
    pending only for a caller who would not see it otherwise (one query, then)."""
    if rules.sees_ticket_contact(user, ticket):
        return True
    if not rules.may_call(user):
        return False
    pending = VerificationCall.objects.filter(ticket=ticket, state=VerificationCall.State.PENDING).exists()
    return pending and rules.sees_ticket_contact(user, ticket, call_pending=True)


_PEOPLE_SEPARATORS = re.compile(r"[,，、;；\n]+")


def visit_people(visit: Any, *, full: bool) -> str:
    """The people a liaison met on a visit (personal data): as written, or each name masked
    (王*, 李**), for a reader who does not see the company's contact in full."""
    text = (visit.people_met or "").strip()
    if full or not text:
        return text
    return "、".join(mask_name(part) for part in _PEOPLE_SEPARATORS.split(text) if part.strip())
