"""{% timeline events %}: a ticket's timeline (its page, a company's case file), one <li> per event.

Written in Python rather than as a template included once per event: the template asked each
event some 30 `{% if e.kind == … %}` and took 9–11 ms for a ticket's 30 events; one look-up of the
event's kind in SENTENCES does the same in a tenth of that (bench/README.md, issue 18). The
sentences are gettext calls with the msgids the template had, so `makemessages` finds them here
and the translations stay as they were; every value put into the HTML is escaped.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tickets import personal
from tickets.models import EventKind
from tickets.selectors import rows
from tickets.templatetags.ticket_tags import contact_method_label, end_reason_label, outcome_label

register = template.Library()

# The kinds' names, looked up once: Django's get_kind_display() builds a dict of every kind's
# (lazy) name on each call, 0.2 ms per event on a ticket page. Translated when shown.
_KIND_NAMES = dict(EventKind.choices)


def _t(msgid: str, **values: Any) -> str:
    """A translated sentence with its values escaped (as {% blocktranslate with … %} does)."""
    return _(msgid) % {name: conditional_escape(value) for name, value in values.items()}


def _p(html: str, css: str = "") -> str:
    return f'<p class="{css}">{html}</p>' if css else f"<p>{html}</p>"


class _Reader:
    """What the page knows about its reader and ticket that some sentences need."""

    def __init__(self, *, full_contact: bool, assignment_departments: Mapping[int, str], rating_review: Any, visible_references: Any):
        self.full_contact = full_contact
        self.assignment_departments = assignment_departments or {}
        self.rating_review = rating_review
        self.visible_references = visible_references or ()


def _assign(e: Any, d: dict, r: _Reader) -> str:
    text = _t("To %(dept)s, due %(due)s.", dept=d.get("department", ""), due=d.get("due_date", ""))
    if d.get("complex"):
        text += ' <span class="badge">' + _("Complex case") + "</span>"
    return _p(text)


def _co_assign(e: Any, d: dict, r: _Reader) -> str:
    return _p(_t("%(dept)s co-handles this ticket; its feedback is due %(due)s.", dept=d.get("department", ""), due=d.get("due_date", "")))


def _co_sign(e: Any, d: dict, r: _Reader) -> str:
    return _p(_t("%(dept)s signed for its co-handling part.", dept=d.get("department", "")))


def _co_feedback(e: Any, d: dict, r: _Reader) -> str:
    text = _t("Feedback of %(dept)s for the lead department.", dept=d.get("department", ""))
    if d.get("on_time") is False:
        text += ' <span class="overdue">' + _t("Late: it was due %(due)s.", due=d.get("due_date", "")) + "</span>"
    return _p(text)


def _co_end(e: Any, d: dict, r: _Reader) -> str:
    reason = end_reason_label(d.get("reason", ""))
    return _p(_t("%(dept)s no longer co-handles this ticket (%(reason)s).", dept=d.get("department", ""), reason=reason))


def _contact(e: Any, d: dict, r: _Reader) -> str:
    method = contact_method_label(d.get("method", ""))
    if d.get("first"):
        return _p(_t("First contact with the company: %(method)s.", method=method))
    return _p(_t("Contact with the company: %(method)s.", method=method))


def _resolve(e: Any, d: dict, r: _Reader) -> str:
    html = ""
    if d.get("override"):
        missing = "、".join(conditional_escape(name) for name in d.get("missing") or ())
        html += _p(_("Resolved without the feedback of %(missing)s. The reason given:") % {"missing": missing})
        html += '<div class="ev-note">' + linebreaksbr(d["override"], autoescape=True) + "</div>"
    if d.get("outcome"):
        text = _t("Outcome: %(outcome)s", outcome=outcome_label(d.get("outcome")))
        if d.get("outcome") == "not_feasible":
            text += " · " + _t("to be looked at again on %(d)s", d=d.get("review_date", ""))
        html += _p(text)
        if d.get("condition"):
            html += _p(_("What is missing for a solution:") + " " + linebreaksbr(d["condition"], autoescape=True))
    return html


def _reopen(e: Any, d: dict, r: _Reader) -> str:
    review = r.rating_review
    if not review or review.rating_event_id != e.pk:
        return ""
    if review.state == "upheld":
        badge = '<span class="badge reviewed-badge">' + _("Reviewed: not the department's fault") + "</span>"
    elif review.state == "refused":
        badge = '<span class="badge">' + _("Reviewed: the rating stands") + "</span>"
    else:
        badge = '<span class="badge">' + _("Under review") + "</span>"
    return _p(_("Rating: dissatisfied") + " " + badge)


def _co_extension_approved(e: Any, d: dict, r: _Reader) -> str:
    dept = r.assignment_departments.get(d.get("assignment_id"), "")
    return _p(_t("Feedback due date of %(dept)s: %(old)s → %(new)s", dept=dept, old=d.get("from", ""), new=d.get("to", "")))


def _return_to_dispatch(e: Any, d: dict, r: _Reader) -> str:
    return _p(escape(d["department"]), css="muted") if d.get("department") else ""


def _return_requested(e: Any, d: dict, r: _Reader) -> str:
    if d.get("role") == "co":
        text = _t("%(dept)s asks to be released from co-handling.", dept=d.get("department", ""))
    else:
        text = _t("%(dept)s asks dispatch to take the ticket back.", dept=d.get("department", ""))
    if d.get("suggested_department"):
        text += " " + _t("Suggested department: %(d)s", d=d["suggested_department"])
    return _p(text)


def _confirm(e: Any, d: dict, r: _Reader) -> str:
    return _p(_("Rating: satisfied") if d.get("rating") == "satisfied" else _("Rating: basically satisfied"))


def _reject(e: Any, d: dict, r: _Reader) -> str:
    duplicate = d.get("duplicate_of")
    if not duplicate:
        return ""
    if duplicate in r.visible_references:
        return _p(_t("Duplicate of %(ref)s", ref=duplicate))
    return _p(_("It repeats a problem that is already being handled."))


def _sentence(msgid: str, *names: str) -> Callable[[Any, dict, _Reader], str]:
    """A kind whose sentence takes values of the event's data by the same names (or from/to as old/new)."""

    def render(e: Any, d: dict, r: _Reader) -> str:
        keys = {"old": "from", "new": "to", "dept": "department"}
        return _p(_t(msgid, **{name: d.get(keys.get(name, name), "") for name in names}))

    return render


def _fixed(msgid: str) -> Callable[[Any, dict, _Reader], str]:
    return lambda e, d, r: _p(_(msgid))


# What each kind says under its heading; a kind that is not here says nothing more.
SENTENCES: dict[str, Callable[[Any, dict, _Reader], str]] = {
    "assign": _assign,
    "co_assign": _co_assign,
    "co_sign": _co_sign,
    "co_feedback": _co_feedback,
    "co_end": _co_end,
    "contact": _contact,
    "resolve": _resolve,
    "reopen": _reopen,
    "rating_review_requested": _sentence("%(dept)s asks supervision to review the “dissatisfied” rating.", "dept"),
    "rating_review_upheld": _fixed("The rating stays on record but does not count in the satisfaction rate: not the department's fault."),
    "rating_review_refused": _fixed("The rating stands."),
    "co_extension_approved": _co_extension_approved,
    "return_to_dispatch": _return_to_dispatch,
    "return_requested": _return_requested,
    "return_upheld": _sentence("The request of %(dept)s was upheld.", "dept"),
    "return_overruled": _sentence("The request of %(dept)s was overruled: the ticket stays, its due date unchanged.", "dept"),
    "extension_approved": _sentence("Due date %(old)s → %(new)s", "old", "new"),
    "extension_requested": _sentence("Asks to move the due date from %(old)s to %(new)s.", "old", "new"),
    "extension_refused": _sentence("Asked for %(new)s; the due date stays %(old)s.", "old", "new"),
    "extension_withdrawn": _sentence("The request for %(new)s was withdrawn.", "new"),
    "confirm": _confirm,
    "reject": _reject,
}


def _call(e: Any, d: dict, actor: str) -> str:
    """A follow-up or verification call recorded on the event (any kind)."""
    if d.get("channel") != "phone":
        return ""
    if d.get("verification_call"):
        text = _t("Verification call (%(month)s) by %(caller)s. What the company said:", caller=actor, month=d.get("month", ""))
    else:
        text = _t("Follow-up call by %(caller)s. What the company said:", caller=actor)
    return _p(text, css="call")


def _attachments(e: Any, download_prefix: str) -> str:
    files = e.attachments.all()
    if not files:
        return ""
    clip = _("Attachment")
    items = "".join(
        format_html(
            '<li><a href="{}{}/"><span class="clip">{}</span> {}</a> <small class="muted">{}</small></li>',
            download_prefix,
            f.pk,
            clip,
            f.original_name,
            filesizeformat(f.size),
        )
        for f in files
    )
    return f'<ul class="files">{items}</ul>'


def event_html(e: Any, reader: _Reader, *, show_ticket: bool, download_prefix: str, ticket_prefix: str = "") -> str:
    d = e.data if isinstance(e.data, dict) else {}
    actor = personal.actor_label(e, full=reader.full_contact)
    head = format_html('<span class="ev-kind">{}</span>', _KIND_NAMES.get(e.kind, e.kind))
    if show_ticket:
        head += format_html(' <a href="{}{}/">{}</a>', ticket_prefix or rows.detail_prefix(), e.ticket.reference, e.ticket.reference)
    if e.kind == "supervision":
        card = _("Red card") if e.to_state == "red" else _("Yellow card")
        head += format_html(' <span class="badge sv-{}">{}</span>', e.to_state, card)
    moment = timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M")
    head += format_html(' <span class="ev-meta">{} · {}</span>', moment, actor)
    # The kind's sentence, then a call recorded on it (a rejection's duplicate after the call).
    sentence = SENTENCES[e.kind](e, d, reader) if e.kind in SENTENCES else ""
    body = _call(e, d, actor) + sentence if e.kind == "reject" else sentence + _call(e, d, actor)
    if e.note:
        body += '<div class="ev-note">' + linebreaksbr(e.note, autoescape=True) + "</div>"
    body += _attachments(e, download_prefix)
    return format_html('<li class="ev ev-{}"><div class="ev-head">{}</div>{}</li>', e.kind, head, mark_safe(body))  # noqa: S308


@register.simple_tag(takes_context=True)
def timeline(context: template.Context, events: Iterable[Any], show_ticket: bool = False) -> SafeString:
    """The <li>s of `events` (with their actors and attachments prefetched), for the reader of
    the page: its `full_contact`, `assignment_departments`, `rating_review` and
    `visible_references` (the ticket page's context; the case file has none of the last three)."""
    reader = _Reader(
        full_contact=bool(context.get("full_contact")),
        assignment_departments=context.get("assignment_departments") or {},
        rating_review=context.get("rating_review"),
        visible_references=context.get("visible_references") or (),
    )
    download_prefix = reverse("attachment_download", args=[0])[: -len("0/")]
    ticket_prefix = rows.detail_prefix()  # the case file links each event to its ticket: no reverse() per event
    html = (event_html(e, reader, show_ticket=show_ticket, download_prefix=download_prefix, ticket_prefix=ticket_prefix) for e in events)
    return mark_safe("".join(html))  # noqa: S308
