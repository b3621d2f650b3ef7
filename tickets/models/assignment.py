"""Assignments: each dispatch of a ticket to a department, as its lead (主办) or as a co-handler
(协办) (DESIGN.md §8).

A lead assignment mirrors the ticket (`Ticket.department` is its department; the ticket's own
transitions sign and resolve it) and ends when the ticket returns to dispatch. A co assignment
has its own small state machine, declared here with its permissions: `co_sign`, `co_feedback`,
and `end` (dispatch releases the co-handler, or the lead changed). The services in
tickets.services.cohandling wrap each with the lock, the event and the notifications.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enterprises.models import Department
from tickets import rules

from .states import AssignmentRole, AssignmentState


def _co_department(assignment, user):
    return rules.holds_assignment(user, assignment)


def _dispatcher(assignment, user):
    return user.is_dispatcher


def _co_work_open(assignment):
    return rules.co_work_open(assignment)


class Assignment(ConcurrentTransitionMixin, models.Model):
    """One dispatch of a ticket to a department: the history behind "is or was assigned", the
    response-time and contact figures (lead) and the co-feedback figures (co)."""

    class EndReason(models.TextChoices):
        RETURNED = "returned", _("Returned to dispatch")
        RELEASED = "released", _("Released by dispatch")
        LEAD_CHANGED = "lead_changed", _("Ended when the ticket was dispatched again")
        BECAME_LEAD = "became_lead", _("Became the lead department")
        RESOLVED = "resolved", _("The lead resolved the ticket without this feedback")
        REJECTED = "rejected", _("The ticket was not accepted")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("ticket"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("department"))
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    state = FSMField(_("state"), max_length=10, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED, protected=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned at"))
    response_due_date = models.DateField(_("sign by"))
    # Lead: the resolution due date; co: the feedback due date. Moved by an approved extension;
    # first_due_date keeps the one it was made with (the report replays from it).
    due_date = models.DateField(_("due date"))
    first_due_date = models.DateField(_("first due date"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # Lead only: the first contact with the company it owes.
    contact_due_date = models.DateField(_("first contact by"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    # Co only: its written contribution (协办意见).
    note = models.TextField(_("instruction"), blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    feedback_on_time = models.BooleanField(_("feedback in time"), null=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            # A department's assignments (reports, the ticket's history).
            models.Index(fields=["department", "ticket"], name="assignment_dept_ticket"),
            # Ticket.objects.visible_to(department user): EXISTS(an ended assignment, or a co
            # assignment, of this department).
            models.Index(
                fields=["department", "ticket"],
                name="assignment_seen_dept_ticket",
                condition=Q(ended_at__isnull=False) | Q(role="co"),
            ),
            # A department's co-handling inbox: its open co assignments by due date.
            models.Index(
                fields=["department", "due_date"],
                name="assignment_co_open_due",
                condition=Q(role="co", state__in=["assigned", "signed"]),
            ),
            # The sweep's co-handler claims (tickets.jobs.sweep._stages): feedback due soon (due_date
            # between today and the next working day) and late (before today), co, not yet fed back.
            models.Index(fields=["due_date"], name="assignment_co_feedback_due", condition=Q(role="co", state__in=["assigned", "signed"])),
            # The report's co-feedback figures (tickets.reports.co): a period's co assignments,
            # joined to their tickets, read from the index alone.
            models.Index(
                fields=["ticket"],
                name="assignment_co_report",
                condition=Q(role="co"),
                include=["department", "assigned_at", "due_date", "first_due_date", "feedback_at", "feedback_on_time", "ended_at"],
            ),
            # The sweep's "co assignment not signed in time" claim (response_due_date before today).
            models.Index(fields=["response_due_date"], name="assignment_co_unsigned", condition=Q(role="co", state="assigned")),
        ]
        constraints = [
            # At most one open co assignment per department and ticket (a department is added once).
            models.UniqueConstraint(
                fields=["ticket", "department"],
                condition=Q(role="co", ended_at__isnull=True),
                name="one_open_co_assignment_per_department",
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.department} ({self.get_role_display()})"

    @property
    def is_co(self):
        return self.role == AssignmentRole.CO

    @property
    def is_lead(self):
        return self.role == AssignmentRole.LEAD

    def is_feedback_late(self, on_date=None):
        """A co assignment past its feedback date without feedback."""
        on_date = on_date or timezone.localdate()
        return self.is_co and self.state in (AssignmentState.ASSIGNED, AssignmentState.SIGNED) and self.due_date < on_date

    # ----- a co-handler's part (DESIGN.md §8) --------------------------------------------

    @transition(
        field=state, source=AssignmentState.ASSIGNED, target=AssignmentState.SIGNED, conditions=[_co_work_open], permission=_co_department
    )
    def co_sign(self, at=None):
        self.signed_at = at or timezone.now()

    @transition(
        field=state, source=AssignmentState.SIGNED, target=AssignmentState.FED_BACK, conditions=[_co_work_open], permission=_co_department
    )
    def co_feedback(self, text, at=None):
        at = at or timezone.now()
        self.feedback = text
        self.feedback_at = at
        self.feedback_on_time = timezone.localdate(at) <= self.due_date

    @transition(
        field=state,
        source=[AssignmentState.ASSIGNED, AssignmentState.SIGNED, AssignmentState.FED_BACK],
        target=AssignmentState.ENDED,
        permission=_dispatcher,
    )
    def end(self, reason, at=None):
        self.ended_at = at or timezone.now()
        self.end_reason = reason
