"""The names of the two state machines (DESIGN.md §3) and the status groups every module reads.

Plain enums and tuples, no models: tickets.rules and the sweep import them without importing
the models that use them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------------------------
# Tickets
# --------------------------------------------------------------------------------------------


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class SupervisionLevel(models.TextChoices):
    NONE = "none", _("Not supervised")
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


def state_label(value):
    """The human label of a value a ticket event records as its from/to state (a status or a
    supervision level): "in_progress" → "办理中"; "" stays "", an unknown value is shown as it is."""
    if not value:
        return ""
    for choices in (Status, SupervisionLevel):
        if value in choices.values:
            return str(choices(value).label)
    return value


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    LIAISON = "liaison", _("Liaison visit")
    HOTLINE = "hotline", _("Hotline")
    API = "api", _("API")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    NO_ANSWER = "no_answer", _("No answer")


class Outcome(models.TextChoices):
    """What a resolution achieved (DESIGN.md §9): `resolve(result, outcome)` records one."""

    SOLVED = "solved", _("Solved")
    EXPLAINED = "explained", _("Explained (answered by policy)")
    NOT_FEASIBLE = "not_feasible", _("Not feasible for now")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead department")
    CO = "co", _("Co-handling department")


class AssignmentState(models.TextChoices):
    """An assignment's own progress. A lead assignment is `assigned` until the ticket is signed
    and `ended` once the ticket leaves the department; a co assignment goes assigned → signed
    (co_sign) → fed_back (co_feedback), or is ended (released by dispatch, or its lead changed)."""

    ASSIGNED = "assigned", _("Not signed yet")
    SIGNED = "signed", _("Signed")
    FED_BACK = "fed_back", _("Feedback given")
    ENDED = "ended", _("Ended")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


OPEN_STATUSES = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED)
HANDLING_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
# An open co assignment: one whose department still has something to do or to show.
OPEN_ASSIGNMENT_STATES = (AssignmentState.ASSIGNED, AssignmentState.SIGNED, AssignmentState.FED_BACK)
# While a co-handling department can still work on its part: the ticket is not finished
# (between a return of the lead and the next assignment, too).
CO_WORK_STATUSES = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS)
# "Due within two working days": what the supervision board and the departments' daily digest
# show as at risk (their texts say "two"). The sweep's own "due soon" reminder has its setting.
AT_RISK_WORKING_DAYS = 2
