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


OPEN_STATUSES = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED)
HANDLING_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
# "Due within two working days": what the supervision board and the departments' daily digest
# show as at risk (their texts say "two"). The sweep's own "due soon" reminder has its setting.
AT_RISK_WORKING_DAYS = 2
