"""Tickets and their workflow (DESIGN.md §3).

`Ticket.status` and `Ticket.supervision_level` are protected django-fsm fields: they change only
through the transitions below. Each transition carries its own permission rule, so "who may do
what" lives here and nowhere else; `tickets.services` wraps each one with locking, the event
record and side effects.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enterprises.models import Department, Enterprise

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Category(models.Model):
    """A kind of problem (融资信贷, 用工招聘…), with the department that usually handles it and
    its default service levels in working days."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    default_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_categories",
        verbose_name=_("default department"),
    )
    response_days = models.PositiveSmallIntegerField(
        _("response time (working days)"), default=1, help_text=_("The department signs within this many working days.")
    )
    resolution_days = models.PositiveSmallIntegerField(
        _("resolution time (working days)"), default=10, help_text=_("The department resolves within this many working days.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def service_levels(self, priority):
        """(response_days, resolution_days) for a ticket of this category and priority."""
        policy = next((p for p in self.sla_policies.all() if p.priority == priority), None)
        if policy:
            return policy.response_days, policy.resolution_days
        return self.response_days, self.resolution_days


class SLAPolicy(models.Model):
    """Overrides a category's service levels for one priority (e.g. urgent 融资信贷: 3 days)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_days = models.PositiveSmallIntegerField(_("response time (working days)"))
    resolution_days = models.PositiveSmallIntegerField(_("resolution time (working days)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.UniqueConstraint(fields=["category", "priority"], name="one_sla_per_category_priority")]

    def __str__(self):
        return f"{self.category} / {self.get_priority_display()}"


class CalendarYear(models.Model):
    """A year whose official working-day calendar is known. Years not listed fall back to
    Monday–Friday with a warning (see tickets.workdays)."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        MANUAL = "manual", _("entered by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a weekday holiday, or a weekend make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Checked for a make-up working day on a weekend; unchecked for a holiday.")
    )
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.name}"

    def clean(self):
        if self.date and self.is_working_day is not None:
            weekend = self.date.weekday() >= 5
            if self.is_working_day and not weekend:
                raise ValidationError(_("Weekdays are working days already; only a weekend day can be a make-up working day."))
            if not self.is_working_day and weekend:
                raise ValidationError(_("Weekends are rest days already; only a weekday can be a holiday."))


class ReferenceCounter(models.Model):
    """The last reference number issued in a year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


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


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one "who sees what" rule (DESIGN.md §6), used by every page and download."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        role = user.role
        if role == "company":
            return self.filter(enterprise_id=user.enterprise_id)
        if role == "liaison":
            return self.filter(enterprise__liaisons=user)
        if role == "department" and user.department_id:
            # "Is or was assigned": held now, or held before. A ticket leaves a department only by
            # being returned, which ends that assignment (services.ticket_return), so an earlier
            # holding is an ended assignment (partial index assignment_ended_dept_ticket).
            held_before = Assignment.objects.filter(
                ticket=OuterRef("pk"), department_id=user.department_id, ended_at__isnull=False
            )
            return self.filter(Q(department_id=user.department_id) | Exists(held_before))
        return self.none()

    def overdue(self, on_date):
        """Held by a department past its due date (due on D is overdue from D+1)."""
        return self.filter(status__in=HANDLING_STATUSES, due_date__lt=on_date)


def _dispatcher(ticket, user):
    return user.is_dispatcher


def _holding_department(ticket, user):
    return user.is_department and user.department_id is not None and user.department_id == ticket.department_id


def _company_side(ticket, user):
    return user.speaks_for(ticket.enterprise_id)


def _supervisor(ticket, user):
    return user.is_supervisor


def _system_only(ticket, user):
    return False


def _is_open(ticket):
    return ticket.status in OPEN_STATUSES


class Ticket(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("company"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category"))
    title = models.CharField(_("title"), max_length=100)
    # TextField's max_length only shapes forms: the validator makes full_clean (every service) enforce it.
    description = models.TextField(_("description"), max_length=5000, validators=[MaxLengthValidator(5000)])
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_tickets", verbose_name=_("submitted by")
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, protected=True)
    supervision_level = FSMField(
        _("supervision"), max_length=10, choices=SupervisionLevel.choices, default=SupervisionLevel.NONE, protected=True
    )

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("department")
    )
    response_due_date = models.DateField(_("sign by"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    # Indexed by ticket_report_facts (below), which leads with it.
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    first_assigned_at = models.DateTimeField(_("first assigned at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    first_resolved_at = models.DateTimeField(_("first resolved at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    result = models.TextField(_("result"), blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("duplicate of")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What the leadership report counts (DESIGN.md §5), kept by the transitions below in the
    # same save as the state they summarise, so that the report "as of now" is one scan of
    # ticket_report_facts. The event timeline gives the same facts for a past moment
    # (tickets.reports); tests hold the two to each other.
    last_department = models.ForeignKey(
        Department,
        null=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read through ticket_report_facts; an index of its own would serve only deleting a department
        verbose_name=_("last department"),
        help_text=_("The department that holds the ticket, or last held it."),
    )
    first_resolved_on_time = models.BooleanField(
        _("first resolution on time"), null=True, editable=False, help_text=_("Resolved the first time on or before the due date then in force.")
    )
    handling_working_days = models.PositiveSmallIntegerField(
        _("handling time (working days)"), null=True, editable=False, help_text=_("Working days from the first assignment to the first resolution.")
    )
    latest_rating = models.CharField(
        _("latest rating"), max_length=20, choices=Rating.choices, blank=True, editable=False, help_text=_("No answer is not a rating and replaces none.")
    )
    was_returned = models.BooleanField(_("returned at least once"), default=False, editable=False)
    was_reopened = models.BooleanField(_("reopened at least once"), default=False, editable=False)
    signings = models.PositiveSmallIntegerField(_("signings"), default=0, editable=False)
    signings_on_time = models.PositiveSmallIntegerField(_("signings in time"), default=0, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Department inbox: its open tickets by due date.
            models.Index(fields=["department", "status", "due_date"], name="ticket_dept_status_due"),
            # Dispatch queue and status filters, newest first.
            models.Index(fields=["status", "-submitted_at"], name="ticket_status_submitted"),
            # A company's tickets (company list, case file).
            models.Index(fields=["enterprise", "-submitted_at"], name="ticket_enterprise_submitted"),
            # Supervision page: open tickets past or near their due date.
            # Supervision page and the sweep's due-soon / overdue / long-overdue claims.
            models.Index(
                fields=["due_date"],
                name="ticket_handling_due",
                condition=Q(status__in=["assigned", "in_progress"]),
            ),
            # The sweep's "assigned but not signed in time" claim.
            models.Index(fields=["response_due_date"], name="ticket_unsigned_due", condition=Q(status="assigned")),
            # The sweep's auto-close of resolved tickets the company never answered.
            models.Index(fields=["resolved_at"], name="ticket_awaiting_answer", condition=Q(status="resolved")),
            # The leadership report as of now (tickets.reports, current facts): tickets submitted
            # in a period, every fact it counts read from the index alone (index-only scan on
            # PostgreSQL; elsewhere a plain index on submitted_at). Also the lists' newest first.
            models.Index(
                fields=["submitted_at"],
                name="ticket_report_facts",
                include=[
                    "status",
                    "supervision_level",
                    "first_assigned_at",
                    "first_resolved_at",
                    "first_resolved_on_time",
                    "handling_working_days",
                    "due_date",
                    "latest_rating",
                    "was_returned",
                    "was_reopened",
                    "signings",
                    "signings_on_time",
                    "last_department",
                    "category",
                    "enterprise",
                ],
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    # ----- lifecycle (DESIGN.md §3) -------------------------------------------------------

    @transition(field=status, source=Status.SUBMITTED, target=Status.ASSIGNED, permission=_dispatcher)
    def assign(self, department, due_date=None, at=None):
        at = at or timezone.now()
        sign_by, resolve_by = self.service_level_dates(timezone.localdate(at))
        self.department = self.last_department = department
        self.due_date = due_date or resolve_by
        self.response_due_date = min(sign_by, self.due_date)
        self.assigned_at = at
        self.first_assigned_at = self.first_assigned_at or at
        self.signed_at = None

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED, permission=_dispatcher)
    def reject(self, reason, duplicate_of=None, at=None):
        self.reject_reason = reason
        self.duplicate_of = duplicate_of
        self.closed_at = at or timezone.now()

    @transition(field=status, source=Status.ASSIGNED, target=Status.IN_PROGRESS, permission=_holding_department)
    def sign(self, at=None):
        self.signed_at = at or timezone.now()
        self.signings += 1
        if timezone.localdate(self.signed_at) <= self.response_due_date:
            self.signings_on_time += 1

    @transition(
        field=status,
        source=[Status.ASSIGNED, Status.IN_PROGRESS],
        target=Status.SUBMITTED,
        permission=_holding_department,
    )
    def return_to_dispatch(self, reason, at=None):
        self.was_returned = True
        self.department = None
        self.due_date = None
        self.response_due_date = None
        self.assigned_at = None
        self.signed_at = None

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.RESOLVED, permission=_holding_department)
    def resolve(self, result, at=None):
        at = at or timezone.now()
        self.result = result
        self.resolved_at = at
        if self.first_resolved_at is None:
            from . import workdays

            resolved_on = timezone.localdate(at)
            self.first_resolved_at = at
            self.first_resolved_on_time = self.due_date is None or resolved_on <= self.due_date
            self.handling_working_days = workdays.working_days_between(timezone.localdate(self.first_assigned_at), resolved_on)

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=_company_side)
    def confirm(self, rating, comment="", at=None):
        if rating not in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED):
            raise ValueError("confirm() takes 满意 or 基本满意; 不满意 is reopen()")
        self.rating = self.latest_rating = rating
        self.rating_comment = comment
        self.closed_at = at or timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.IN_PROGRESS, permission=_company_side)
    def reopen(self, comment, at=None):
        at = at or timezone.now()
        self.rating = self.latest_rating = Rating.DISSATISFIED
        self.was_reopened = True
        self.rating_comment = comment
        self.resolved_at = None
        _sign_by, self.due_date = self.service_level_dates(timezone.localdate(at))

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=_system_only)
    def auto_close(self, at=None):
        self.rating = Rating.NO_ANSWER
        self.rating_comment = ""
        self.closed_at = at or timezone.now()

    # ----- supervision (second, orthogonal machine; it never goes down) -------------------

    @transition(
        field=supervision_level,
        source=SupervisionLevel.NONE,
        target=SupervisionLevel.YELLOW,
        conditions=[_is_open],
        permission=_supervisor,
    )
    def raise_to_yellow(self):
        pass

    @transition(
        field=supervision_level,
        source=[SupervisionLevel.NONE, SupervisionLevel.YELLOW],
        target=SupervisionLevel.RED,
        conditions=[_is_open],
        permission=_supervisor,
    )
    def raise_to_red(self):
        pass

    # ----- derived facts for pages ---------------------------------------------------------

    def service_level_dates(self, start):
        """(sign by, resolve by) for this ticket's category and priority, counted in working
        days from `start`: the SLA's due dates for an assignment (or a reopen) made that day."""
        from . import workdays

        response_days, resolution_days = self.category.service_levels(self.priority)
        return workdays.add_working_days(start, response_days), workdays.add_working_days(start, resolution_days)

    def is_overdue(self, on_date=None):
        on_date = on_date or timezone.localdate()
        return self.status in HANDLING_STATUSES and self.due_date is not None and self.due_date < on_date

    def is_unsigned_late(self, on_date=None):
        on_date = on_date or timezone.localdate()
        return self.status == Status.ASSIGNED and self.response_due_date is not None and self.response_due_date < on_date


class Assignment(models.Model):
    """One dispatch of a ticket to a department: the history behind "is or was assigned" and
    behind the response-time figures."""

    class EndReason(models.TextChoices):
        RETURNED = "returned", _("Returned to dispatch")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    response_due_date = models.DateField()
    due_date = models.DateField()
    signed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        indexes = [
            # A department's assignments (reports, the ticket's history).
            models.Index(fields=["department", "ticket"], name="assignment_dept_ticket"),
            # Ticket.objects.visible_to(department user): EXISTS(ended assignment of this department).
            models.Index(
                fields=["department", "ticket"], name="assignment_ended_dept_ticket", condition=Q(ended_at__isnull=False)
            ),
        ]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGN = "assign", _("Assigned")
    REJECT = "reject", _("Rejected")
    SIGN = "sign", _("Signed for")
    RETURN = "return_to_dispatch", _("Returned to dispatch")
    RESOLVE = "resolve", _("Resolved")
    CONFIRM = "confirm", _("Confirmed and closed")
    REOPEN = "reopen", _("Reopened")
    AUTO_CLOSE = "auto_close", _("Closed automatically")
    SUPERVISION = "supervision", _("Supervision raised")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    EXTENSION_WITHDRAWN = "extension_withdrawn", _("Extension request withdrawn")
    COMMENT = "comment", _("Progress note")
    ATTACHMENT = "attachment", _("Attachment added")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ticket events are append-only")

    def delete(self):
        raise TypeError("Ticket events are append-only")


class TicketEvent(models.Model):
    """One entry of a ticket's timeline. Append-only: written once, never edited or deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("what"), max_length=30, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ticket events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ticket events are append-only")

    @property
    def actor_label(self):
        if self.actor is None:
            return _("System")
        return str(self.actor)


def attachment_path(instance, filename):
    # A random stored name: the original name is kept in `original_name` and never touches the disk.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="extension_requests")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    current_due_date = models.DateField(_("current due date"))
    requested_due_date = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(state="pending"), name="one_pending_extension_per_ticket"
            )
        ]
        indexes = [
            # Supervision page: pending requests, oldest first.
            models.Index(fields=["created_at"], name="extension_pending", condition=Q(state="pending")),
        ]


# --------------------------------------------------------------------------------------------
# Reminders, notifications and mailings (DESIGN.md §4)
# --------------------------------------------------------------------------------------------


class Reminder(models.Model):
    """One decision of the reminder sweep, keyed (ticket, kind, level, due date) so that it is
    taken exactly once: the sweep claims it with INSERT … ON CONFLICT DO NOTHING, and only the
    run whose insert succeeded acts (notifies, raises supervision). The auto-close of a ticket
    nobody answered is claimed by its conditional UPDATE instead (tickets.sweep)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        UNSIGNED = "unsigned", _("Not signed in time")
        OVERDUE = "overdue", _("Overdue")
        LONG_OVERDUE = "long_overdue", _("Long overdue")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=10, blank=True)
    due_date = models.DateField(help_text=_("The date the reminder refers to."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "level", "due_date"], name="one_reminder_per_key"),
        ]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def emails_due(self, now):
        return self.filter(email_status__in=["pending", "failed"], email_next_attempt_at__lte=now)


class Notification(models.Model):
    """A message to one person: shown in the app, and e-mailed after the transaction that
    created it commits. E-mail failures are retried with backoff and stay visible here."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("New ticket")
        ASSIGNED = "assigned", _("Ticket assigned")
        REJECTED = "rejected", _("Ticket not accepted")
        RETURNED = "returned", _("Ticket returned")
        RESOLVED = "resolved", _("Result to confirm")
        REOPENED = "reopened", _("Ticket reopened")
        CLOSED = "closed", _("Ticket closed")
        SUPERVISED = "supervised", _("Supervision raised")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_DECIDED = "extension_decided", _("Extension decided")
        DUE_SOON = "due_soon", _("Due soon")
        UNSIGNED = "unsigned", _("Not signed in time")
        OVERDUE = "overdue", _("Overdue")
        LONG_OVERDUE = "long_overdue", _("Long overdue")
        AUTO_CLOSED = "auto_closed", _("Closed without an answer")
        DIGEST = "digest", _("Daily digest")
        CASE_HISTORY = "case_history", _("Monthly case history")
        EXPORT_READY = "export_ready", _("Export ready")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")
        NO_ADDRESS = "no_address", _("No e-mail address")
        NOT_SENT = "not_sent", _("Not e-mailed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"))
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(_("e-mail"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_next_attempt_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True, default=timezone.now)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    email_error = models.TextField(_("last e-mail error"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The notifications page: a person's messages, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The unread count in every page's header.
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
            # The e-mail sender's poll: Notification.objects.emails_due(now).
            models.Index(
                fields=["email_next_attempt_at"], name="notification_email_due", condition=Q(email_status__in=["pending", "failed"])
            ),
        ]

    def __str__(self):
        return self.subject


class DepartmentDigest(models.Model):
    """Claims one department's daily digest for one day."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "date"], name="one_digest_per_department_day")]


class CaseHistoryMailing(models.Model):
    """Claims one company's monthly case-history mailing for one month (first day of it)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "month"], name="one_case_history_per_month")]


class CaseFileExport(models.Model):
    """A company's case file exported for one person (xlsx and a printable page), built by a
    background task. It holds only what that person may see."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="exports", verbose_name=_("company"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    xlsx = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    printable = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case file export")
        verbose_name_plural = _("case file exports")


class IdempotencyKey(models.Model):
    """A ticket created through the API under a client's Idempotency-Key: a platform that sends
    the same request again (after a timeout, say) gets this ticket back instead of a new one.
    `fingerprint` is a hash of the request, so that reusing a key for another request is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_ticket_per_idempotency_key")]
