"""What messages say: the subject and body of each kind, in the site's language, and the notes
the system writes on a ticket's timeline.
"""

import functools
import logging
import re

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tickets.models import Notification, SupervisionLevel

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# Subject and opening line of each kind. %(ref)s, %(title)s, %(due)s, %(department)s and
# %(note)s come from the ticket and the action.
_TEXTS = {
    Kind.SUBMITTED: (
        gettext_noop("New ticket %(ref)s: %(title)s"),
        gettext_noop("%(company)s submitted a problem that waits for dispatch."),
    ),
    Kind.ASSIGNED: (
        gettext_noop("Assigned to you: %(ref)s %(title)s"),
        gettext_noop("Your department has a new ticket. Sign for it by %(sign_by)s; it is due %(due)s."),
    ),
    Kind.REJECTED: (gettext_noop("Not accepted: %(ref)s %(title)s"), gettext_noop("Your problem was not accepted. Reason: %(note)s")),
    Kind.RETURNED: (
        gettext_noop("Returned: %(ref)s %(title)s"),
        gettext_noop("%(department)s returned this ticket to dispatch. Reason: %(note)s"),
    ),
    Kind.RESOLVED: (
        gettext_noop("Please confirm the result: %(ref)s %(title)s"),
        gettext_noop("The department reports your problem solved. Please confirm and rate the result, or send it back."),
    ),
    Kind.REOPENED: (
        gettext_noop("Reopened: %(ref)s %(title)s"),
        gettext_noop("The company is not satisfied and sent the ticket back. It is now due %(due)s. Comment: %(note)s"),
    ),
    Kind.CLOSED: (gettext_noop("Closed: %(ref)s %(title)s"), gettext_noop("The company confirmed the result; the ticket is closed.")),
    Kind.SUPERVISED: (
        gettext_noop("Supervision (%(level)s): %(ref)s %(title)s"),
        gettext_noop("The supervision office raised supervision on this ticket. Notice: %(note)s"),
    ),
    Kind.EXTENSION_REQUESTED: (
        gettext_noop("Extension requested: %(ref)s %(title)s"),
        gettext_noop("%(department)s asks to move the due date from %(due)s to %(requested)s. Reason: %(note)s"),
    ),
    Kind.EXTENSION_DECIDED: (
        gettext_noop("Extension %(decision)s: %(ref)s %(title)s"),
        gettext_noop("Your extension request was %(decision)s. The due date is %(due)s. %(note)s"),
    ),
    Kind.DUE_SOON: (gettext_noop("Due soon: %(ref)s %(title)s"), gettext_noop("This ticket is due %(due)s.")),
    Kind.UNSIGNED: (
        gettext_noop("Not signed in time: %(ref)s %(title)s"),
        gettext_noop("This ticket should have been signed for by %(sign_by)s."),
    ),
    Kind.OVERDUE: (
        gettext_noop("Overdue: %(ref)s %(title)s"),
        gettext_noop("This ticket was due %(due)s and is not resolved. Supervision: %(level)s."),
    ),
    Kind.LONG_OVERDUE: (
        gettext_noop("Long overdue: %(ref)s %(title)s"),
        gettext_noop("This ticket was due %(due)s and is still not resolved %(days)s working days later. Supervision: %(level)s."),
    ),
    Kind.AUTO_CLOSED: (
        gettext_noop("Closed without an answer: %(ref)s %(title)s"),
        gettext_noop("The result was reported on %(resolved)s and the company did not answer, so the ticket was closed."),
    ),
    Kind.CO_ASSIGNED: (
        gettext_noop("Co-handling requested: %(ref)s %(title)s"),
        gettext_noop(
            "Your department is asked to co-handle this ticket, led by %(department)s. Sign for it by %(sign_by)s and give "
            "your feedback by %(co_due)s. %(note)s"
        ),
    ),
    Kind.CO_FEEDBACK_GIVEN: (
        gettext_noop("Co-handler's feedback: %(ref)s %(title)s"),
        gettext_noop("%(co_department)s gave its feedback: %(note)s"),
    ),
    Kind.CO_ENDED: (
        gettext_noop("Co-handling ended: %(ref)s %(title)s"),
        gettext_noop("Your department no longer co-handles this ticket. %(note)s"),
    ),
    Kind.CO_UNSIGNED: (
        gettext_noop("Co-handling not signed in time: %(ref)s %(title)s"),
        gettext_noop("Your department should have signed for its co-handling part by %(sign_by)s."),
    ),
    Kind.CO_FEEDBACK_DUE_SOON: (
        gettext_noop("Co-handling feedback due soon: %(ref)s %(title)s"),
        gettext_noop("Your department's feedback on this ticket, led by %(department)s, is due %(co_due)s."),
    ),
    Kind.CO_FEEDBACK_LATE: (
        gettext_noop("Co-handling feedback late: %(ref)s %(title)s"),
        gettext_noop("%(co_department)s's feedback on this ticket was due %(co_due)s and has not been given."),
    ),
    Kind.CONTACT_DUE_SOON: (
        gettext_noop("First contact due: %(ref)s %(title)s"),
        gettext_noop("Contact %(company)s about this ticket by %(contact_by)s (phone call, visit or meeting) and record it."),
    ),
    Kind.CONTACT_OVERDUE: (
        gettext_noop("No first contact in time: %(ref)s %(title)s"),
        gettext_noop("%(department)s should have contacted %(company)s by %(contact_by)s and has not recorded a contact."),
    ),
    Kind.RETURN_REQUESTED: (
        gettext_noop("Return requested: %(ref)s %(title)s"),
        gettext_noop("%(department)s asks to return this ticket (or to be released from it). Reason: %(note)s Suggested: %(suggested)s"),
    ),
    Kind.RETURN_RULED: (
        gettext_noop("Return request %(decision)s: %(ref)s %(title)s"),
        gettext_noop("The dispatch office %(decision)s your department's return request. %(note)s"),
    ),
    Kind.OUTCOME_REVIEW_DUE: (
        gettext_noop("Time to look again: %(ref)s %(title)s"),
        gettext_noop(
            "This problem was found not feasible for now (condition: %(note)s). Its review date, %(review)s, has come: "
            "look at it again with the company."
        ),
    ),
    Kind.RATING_REVIEW_REQUESTED: (
        gettext_noop("Rating review requested: %(ref)s %(title)s"),
        gettext_noop("%(department)s asks for a review of the company's “dissatisfied” rating. Reason: %(note)s"),
    ),
    Kind.RATING_REVIEW_DECIDED: (
        gettext_noop("Rating review %(decision)s: %(ref)s %(title)s"),
        gettext_noop("The supervision office decided your department's review of the rating: %(decision)s. %(note)s"),
    ),
}


_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9._~-]+")
_MARK = "REFERENCE"


@functools.lru_cache(maxsize=8)
def _path_around(script_prefix):
    """The ticket page's path before and after its reference, reversed once per script prefix."""
    before, _mark, after = reverse("ticket_detail", args=[_MARK]).partition(_MARK)
    return before, after


def _ticket_path(reference):
    """The ticket page's path. reverse() costs about 20 µs and the sweep writes tens of thousands of
    messages, so a reference that needs no quoting (all of them: letters, digits, dashes) is put
    into the path reversed once; any other goes through reverse()."""
    if _PLAIN_REFERENCE.fullmatch(reference):
        before, after = _path_around(get_script_prefix())
        return f"{before}{reference}{after}"
    return reverse("ticket_detail", args=[reference])


_FOOTER = gettext_noop("This message was sent by the Enterprise Issue Resolution System.")


def email_body(text, link="", footer=None):
    """A message's body as e-mailed: its text, the line with its link (if any), and the footer
    every message ends with. Call it in the site's language; the Composer passes the footer it
    translated once per kind."""
    footer = footer or _(_FOOTER)
    return f"{text}\n\n{link}\n\n{footer}" if link else f"{text}\n\n{footer}"


@functools.lru_cache(maxsize=1)
def _footers():
    """The footer as written in each of the site's languages (messages are stored in the site's
    language; one written before a change of it keeps the other)."""
    footers = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            footers.add(_(_FOOTER))
    return frozenset(footers)


_LINK_LABEL = re.compile(r"[^\n]{0,40}")
_URL = re.compile(r"\s*(https?://[^\s/]+)(/\S*)?")


def in_app_text(body, url=""):
    """A message's text as the site's notification list shows it: the e-mail's body without the
    links into the site and without the footer (email_body's additions). The list links each
    message to what it is about (Notification.url) instead. A link into the site is one under
    SITE_URL, or to the message's own `url` under any address (one written before the site moved);
    links the text quotes to other places (a note someone wrote) stay."""

    def into_the_site(match):
        link = match.group(1) + (match.group(2) or "")
        return link.startswith(settings.SITE_URL + "/") or bool(url and match.group(2) == url)

    def without_links(paragraph):
        return _URL.sub(lambda m: "" if into_the_site(m) else m.group(0), paragraph)

    footers = _footers()
    paragraphs = [p for p in body.split("\n\n") if p.strip() not in footers]
    if len(paragraphs) > 1 and without_links(paragraphs[-1]) != paragraphs[-1] and _LINK_LABEL.fullmatch(without_links(paragraphs[-1])):
        paragraphs.pop()  # email_body's link line ("Open the ticket: …"): nothing left to read without its link
    shown = (without_links(p) for p in paragraphs)
    return "\n\n".join(text.rstrip(" :：") if text != p else p for text, p in zip(shown, paragraphs, strict=True)).strip()


class Composer:
    """Writes the messages of one kind. The texts are translated once, into the site's language
    (Chinese by default), then filled in per ticket: the sweep composes thousands at a time."""

    def __init__(self, kind):
        subject_text, body_text = _TEXTS[kind]
        with translation.override(settings.LANGUAGE_CODE):
            self.subject, self.body = _(subject_text), _(body_text)
            self.link = _("Open the ticket: %(url)s")
            self.footer = _(_FOOTER)
            self.levels = {value: str(label) for value, label in SupervisionLevel.choices}

    def __call__(self, facts):
        """(subject, body) for one ticket's facts."""
        values = {key: value if value not in (None, "") else "—" for key, value in facts.items()}
        if "level" in values:
            values["level"] = self.levels.get(values["level"], values["level"])
        link = self.link % {"url": settings.SITE_URL + _ticket_path(facts["ref"])}
        return (self.subject % values)[:200], email_body(self.body % values, link, self.footer)


# The ticket columns a message may mention: what the sweep loads for the tickets it claimed.
FACT_COLUMNS = (
    "id",
    "reference",
    "title",
    "enterprise_id",
    "enterprise__name",
    "department_id",
    "department__name",
    "due_date",
    "response_due_date",
    "resolved_at",
    "supervision_level",
    "contact_due_date",
)


def facts_from_row(row, **extra):
    """The values a message may mention, from a dict of FACT_COLUMNS. `level` stays the raw
    supervision value; the Composer shows its label."""
    facts = {
        "ref": row["reference"],
        "title": row["title"],
        "company": row["enterprise__name"] or "",
        "department": row["department__name"] or "",
        "due": row["due_date"].isoformat() if row["due_date"] else "",
        "sign_by": row["response_due_date"].isoformat() if row["response_due_date"] else "",
        "resolved": timezone.localdate(row["resolved_at"]).isoformat() if row["resolved_at"] else "",
        "level": row["supervision_level"],
        "days": settings.SUPERVISION_RED_AFTER_WORKING_DAYS,
        "contact_by": row["contact_due_date"].isoformat() if row.get("contact_due_date") else "",
        "co_department": "",
        "co_due": "",
        "note": "",
        "review": "",
        "decision": "",
    }
    facts.update(extra)
    return facts


def ticket_facts(ticket, **extra):
    """The values a message may mention, from a Ticket."""
    row = {
        "reference": ticket.reference,
        "title": ticket.title,
        "enterprise__name": ticket.enterprise.name if ticket.enterprise_id else "",
        "department__name": ticket.department.name if ticket.department_id else "",
        "due_date": ticket.due_date,
        "response_due_date": ticket.response_due_date,
        "resolved_at": ticket.resolved_at,
        "supervision_level": ticket.supervision_level,
        "contact_due_date": ticket.contact_due_date,
    }
    return facts_from_row(row, **extra)


_SYSTEM_NOTES = {
    "overdue": gettext_noop("Overdue: the due date has passed without a result. Yellow-card supervision."),
    "long_overdue": gettext_noop("Still not resolved %(days)s working days after the due date. Red-card supervision."),
    "no_answer": gettext_noop("No answer from the company."),
}


def in_site_language(lazy_or_text):
    """A word computed during a request, in the language messages are written in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(lazy_or_text)


def system_note(key, **values):
    """The note the system writes on a ticket's timeline, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(_SYSTEM_NOTES[key]) % values if values else _(_SYSTEM_NOTES[key])
