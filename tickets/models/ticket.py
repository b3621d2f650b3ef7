"""Tickets and their workflow (DESIGN.md §3).

`Ticket.status` and `Ticket.supervision_level` are protected django-fsm fields: they change only
through the transitions below. Each transition carries its own permission rule (from
tickets.rules), so "who may take which transition" lives here and nowhere else; `tickets.services`
wraps each one with locking, the event record and side effects.

Why this is long: the ticket's fields (with the report-fact columns its transitions keep, each
next to the comment that says what reads it), its indexes (each naming its query) and both state
machines belong to one model; its assignments live in tickets.models.assignment.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enterprises.models import Department, Enterprise
from tickets import rules, visibility, workdays

from .reference import Category, Priority
from .states import AT_RISK_WORKING_DAYS, HANDLING_STATUSES, OPEN_STATUSES, Channel, Outcome, Rating, Status, SupervisionLevel


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The tickets `user` may see: the one rule, in tickets.visibility."""
        return visibility.visible_tickets(user, self)

    def overdue(self, on_date):
        """Held by a department past its due date (due on D is overdue from D+1)."""
        return self.filter(status__in=HANDLING_STATUSES, due_date__lt=on_date)

    def due_soon(self, on_date):
        """Held by a department and due from `on_date` to at_risk_until(on_date): "due within two
        working days", what the supervision board and the departments' digest show as at risk."""
        return self.filter(status__in=HANDLING_STATUSES, due_date__gte=on_date, due_date__lte=at_risk_until(on_date))

    def overdue_or_due_soon(self, on_date):
        """overdue() and due_soon() together (the departments' daily digest)."""
        return self.filter(status__in=HANDLING_STATUSES, due_date__lte=at_risk_until(on_date))


def at_risk_until(on_date):
    """The last due date that counts as "due soon" on `on_date` (AT_RISK_WORKING_DAYS working days on)."""
    return workdays.add_working_days(on_date, AT_RISK_WORKING_DAYS)


# What auto_close() writes besides its state change and the moment: "no answer" is recorded as
# the way the ticket closed, not as a rating (latest_rating keeps the last real one). The sweep
# applies the same writes in bulk (tickets.jobs.sweep).
AUTO_CLOSE_WRITES = {"rating": Rating.NO_ANSWER, "rating_comment": "", "followed_up": False}


def declared_transition(method) -> tuple[tuple[str, ...], str, dict[str, tuple[str, ...]]]:
    """(source states, target state, conditions) of a transition method as declared with
    @transition, for code that applies the transition in bulk (the sweep's conditional UPDATEs),
    so that changing a declaration changes the bulk form with it. The conditions come as
    {column: allowed values} from _BULK_CONDITIONS; a condition without a bulk form is an error,
    not silently dropped."""
    transitions = method._django_fsm.transitions
    targets = {t.target for t in transitions.values()}
    if len(targets) != 1:
        raise ValueError(f"{method.__name__} has several targets: {targets}")
    conditions: dict[str, tuple[str, ...]] = {}
    for condition in {c for t in transitions.values() for c in t.conditions}:
        if condition not in _BULK_CONDITIONS:
            raise ValueError(f"{method.__name__}: condition {condition.__name__} has no bulk form")
        column, values = _BULK_CONDITIONS[condition]
        conditions[column] = tuple(str(v) for v in values)
    return tuple(str(source) for source in transitions), str(targets.pop()), conditions


# The transitions' permissions (django-fsm calls them with the ticket and the user).


def _dispatcher(ticket, user):
    return user.is_dispatcher


def _holding_department(ticket, user):
    return rules.holds_ticket(user, ticket)


def _supervisor(ticket, user):
    return user.is_supervisor


def _system_only(ticket, user):
    return False


def _company_side_or_phone_caller(ticket, user):
    """The company's answer (confirm, reopen): given by the company's side, or taken down on the
    phone by a caller (回访, DESIGN.md §9) — only through the call service, which names the caller
    on the ticket row it locked (`phone_caller`, tickets.services.calls); the company's own page
    and API route never do, so a caller is not offered the company's buttons."""
    if visibility.speaks_for(user, ticket.enterprise_id):
        return True
    return getattr(ticket, "phone_caller", None) is user and rules.may_call(user)


def _caller(ticket, user):
    return rules.may_call(user)


def _verification_pending(ticket):
    """A verification call of this ticket waits for its answer (回访核实): the only way back
    from closed."""
    return ticket.verification_calls.filter(state="pending").exists()


def _is_open(ticket):
    return ticket.status in OPEN_STATUSES


# Each transition condition as a column and the values it allows, for declared_transition().
_BULK_CONDITIONS = {_is_open: ("status", OPEN_STATUSES)}


class Ticket(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # Indexed by ticket_enterprise_submitted (company first): no index of its own.
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("company"), db_index=False)
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

    # Indexed by ticket_dept_status_due (department first): no index of its own.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("department"), db_index=False
    )
    response_due_date = models.DateField(_("sign by"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    is_complex = models.BooleanField(
        _("complex"), default=False, help_text=_("疑难复杂: dispatch gave it the profile's longer resolution time.")
    )
    # The first contact with the company that the lead department owes (DESIGN.md §8), for
    # the assignment in force; cleared when the ticket returns to dispatch.
    contact_due_date = models.DateField(_("first contact by"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)

    # Indexed by ticket_report_facts (below), which leads with it.
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    first_assigned_at = models.DateTimeField(_("first assigned at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    first_resolved_at = models.DateTimeField(_("first resolved at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    result = models.TextField(_("result"), blank=True)
    # The latest resolution's outcome (DESIGN.md §9); a reopen leaves it (it is still the latest
    # resolution's). Also a report fact: the solved rate counts `solved` (ticket_report_facts).
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, db_default="")
    outcome_condition = models.TextField(_("condition for a solution"), blank=True, db_default="")
    # Not feasible: when the lead department looks at it again (the sweep reminds it, index
    # ticket_outcome_review).
    outcome_review_date = models.DateField(_("review date"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("duplicate of")
    )
    # Raised on a liaison's visit (走访, DESIGN.md §12): the visit it came from.
    visit = models.ForeignKey(
        "tickets.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("visit")
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
        _("first resolution on time"),
        null=True,
        editable=False,
        help_text=_("Resolved the first time on or before the due date then in force."),
    )
    handling_working_days = models.PositiveSmallIntegerField(
        _("handling time (working days)"),
        null=True,
        editable=False,
        help_text=_("Working days from the first assignment to the first resolution."),
    )
    latest_rating = models.CharField(
        _("latest rating"),
        max_length=20,
        choices=Rating.choices,
        blank=True,
        editable=False,
        help_text=_("No answer is not a rating and replaces none."),
    )
    rating_review_upheld = models.BooleanField(
        _("rating reviewed: not the department's fault"),
        default=False,
        db_default=False,  # rows written in bulk (bench/generate.py's COPY) without it
        editable=False,
        help_text=_("The latest rating's review was upheld: it stays on record but leaves the satisfaction rate."),
    )
    was_returned = models.BooleanField(_("returned at least once"), default=False, editable=False)
    was_reopened = models.BooleanField(_("reopened at least once"), default=False, editable=False)
    signings = models.PositiveSmallIntegerField(_("signings"), default=0, editable=False)
    signings_on_time = models.PositiveSmallIntegerField(_("signings in time"), default=0, editable=False)
    lead_assignments = models.PositiveSmallIntegerField(_("lead assignments"), default=0, editable=False)
    contacts_on_time = models.PositiveSmallIntegerField(_("first contacts in time"), default=0, editable=False)
    resolve_overrides = models.PositiveSmallIntegerField(_("resolutions without every co-handler's feedback"), default=0, editable=False)
    # The follow-up rate (回访率, DESIGN.md §9): the ticket's last closing was answered by the
    # company — a confirm (online or on the phone), or a verification call that confirmed it
    # after an auto-close — not "no answer". Read where the ticket is closed.
    followed_up = models.BooleanField(_("closing confirmed by the company"), default=False, editable=False)

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
            # The sweep's "no first contact yet" claims (tickets.jobs.sweep._stages): contact due
            # soon (contact_due_date between today and the next working day) and overdue (before today).
            models.Index(
                fields=["contact_due_date"],
                name="ticket_contact_due",
                condition=Q(status__in=["assigned", "in_progress"], contacted_at__isnull=True),
            ),
            # The sweep's "assigned but not signed in time" claim.
            models.Index(fields=["response_due_date"], name="ticket_unsigned_due", condition=Q(status="assigned")),
            # The sweep's auto-close of resolved tickets the company never answered.
            models.Index(fields=["resolved_at"], name="ticket_awaiting_answer", condition=Q(status="resolved")),
            # The sweep's "not feasible: review date reached" claim (tickets.jobs.sweep, Reminder
            # kind outcome_review): resolved or closed tickets whose outcome is not_feasible.
            models.Index(
                fields=["outcome_review_date"],
                name="ticket_outcome_review",
                condition=Q(outcome="not_feasible", status__in=["resolved", "closed"]),
            ),
            # The leadership report as of now (tickets.reports, current facts): tickets submitted
            # in a period, every fact it counts read from the index alone (index-only scan on
            # PostgreSQL; elsewhere a plain index on submitted_at). Also the lists' newest first.
            models.Index(
                fields=["submitted_at"],
                name="ticket_report_facts",
                include=[
                    "id",  # the join of the co-feedback figures to their assignments (tickets.reports.co)
                    "status",
                    "supervision_level",
                    "first_assigned_at",
                    "first_resolved_at",
                    "first_resolved_on_time",
                    "handling_working_days",
                    "due_date",
                    "latest_rating",
                    "rating_review_upheld",  # the satisfaction rate leaves out an upheld review's rating
                    "outcome",  # the solved rate
                    "was_returned",
                    "was_reopened",
                    "signings",
                    "signings_on_time",
                    "lead_assignments",
                    "contacts_on_time",
                    "resolve_overrides",
                    "followed_up",
                    "last_department",
                    "category",
                    "enterprise",
                ],
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def detail_url(self) -> str:
        """The ticket page's address (the lists' rows, tickets.selectors.rows.TicketRow, have it too)."""
        return reverse("ticket_detail", args=[self.reference])

    # ----- lifecycle (DESIGN.md §3) -------------------------------------------------------

    @transition(field=status, source=Status.SUBMITTED, target=Status.ASSIGNED, permission=_dispatcher)
    def assign(self, department, due_date=None, at=None, is_complex=False):
        at = at or timezone.now()
        self.is_complex = is_complex
        dates = self.deadline_dates(timezone.localdate(at))
        self.department = self.last_department = department
        self.due_date = due_date or dates["resolution"]
        self.response_due_date = min(dates["response"], self.due_date)
        self.contact_due_date = min(dates["contact"], self.due_date)
        self.contacted_at = None
        self.assigned_at = at
        self.first_assigned_at = self.first_assigned_at or at
        self.signed_at = None
        self.lead_assignments += 1

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
        # Dispatch, upholding the department's return request (DESIGN.md §9, tickets.services.returns).
        permission=_dispatcher,
    )
    def return_to_dispatch(self, reason, at=None):
        self.was_returned = True
        self.department = None
        self.due_date = None
        self.response_due_date = None
        self.contact_due_date = None
        self.contacted_at = None
        self.assigned_at = None
        self.signed_at = None

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.RESOLVED, permission=_holding_department)
    def resolve(self, result, outcome, at=None, override=False, condition="", review_date=None):
        at = at or timezone.now()
        self.result = result
        self.outcome = outcome
        self.outcome_condition = condition if outcome == Outcome.NOT_FEASIBLE else ""
        self.outcome_review_date = review_date if outcome == Outcome.NOT_FEASIBLE else None
        self.resolved_at = at
        if override:
            self.resolve_overrides += 1
        if self.first_resolved_at is None:
            resolved_on = timezone.localdate(at)
            self.first_resolved_at = at
            self.first_resolved_on_time = self.due_date is None or resolved_on <= self.due_date
            self.handling_working_days = workdays.working_days_between(timezone.localdate(self.first_assigned_at), resolved_on)

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=_company_side_or_phone_caller)
    def confirm(self, rating, comment="", at=None):
        if rating not in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED):
            raise ValueError("confirm() takes 满意 or 基本满意; 不满意 is reopen()")
        self.rating = self.latest_rating = rating
        self.rating_review_upheld = False  # a new rating: no review is about it
        self.rating_comment = comment
        self.closed_at = at or timezone.now()
        self.followed_up = True

    @transition(field=status, source=Status.RESOLVED, target=Status.IN_PROGRESS, permission=_company_side_or_phone_caller)
    def reopen(self, comment, at=None):
        at = at or timezone.now()
        self.rating = self.latest_rating = Rating.DISSATISFIED
        self.rating_review_upheld = False  # a new rating: no review is about it
        self.was_reopened = True
        self.rating_comment = comment
        self.resolved_at = None
        self.followed_up = False  # already so: a closing it followed was undone by a reopen first
        self.due_date = self.deadline_dates(timezone.localdate(at))["resolution"]

    # 回访核实 (DESIGN.md §9): a caller records the company's answer to a verification call on a
    # closed ticket drawn for it. "Confirmed" changes no state; "the company disagrees" is the one
    # way back from closed: a reopen like the company's (不满意, a new due date; the service adds
    # at least yellow supervision).

    @transition(field=status, source=Status.CLOSED, target=None, conditions=[_verification_pending], permission=_caller)
    def verification_confirm(self, at=None):
        self.followed_up = True

    @transition(field=status, source=Status.CLOSED, target=Status.IN_PROGRESS, conditions=[_verification_pending], permission=_caller)
    def verification_reopen(self, comment, at=None):
        at = at or timezone.now()
        self.rating = self.latest_rating = Rating.DISSATISFIED
        self.was_reopened = True
        self.rating_comment = comment
        self.resolved_at = None
        self.closed_at = None
        self.followed_up = False
        self.due_date = self.deadline_dates(timezone.localdate(at))["resolution"]

    @transition(field=status, source=Status.IN_PROGRESS, target=None, permission=_holding_department)
    def contact(self, at=None):
        """首次联系: the department records a call, visit or meeting with the company (the state
        does not change). The first one of the assignment counts for the contact rate."""
        at = at or timezone.now()
        if self.contacted_at is None:
            self.contacted_at = at
            # Only an assignment that owes a first contact counts (those made before the
            # contact stage existed have no contact date, and are not in the rate's denominator).
            if self.contact_due_date is not None and timezone.localdate(at) <= self.contact_due_date:
                self.contacts_on_time += 1

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=_system_only)
    def auto_close(self, at=None):
        for field, value in AUTO_CLOSE_WRITES.items():
            setattr(self, field, value)
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

    def deadlines(self):
        """The deadline profile of this ticket's category and priority (tickets.models.reference)."""
        return self.category.deadlines(self.priority)

    def deadline_dates(self, start, profile=None):
        """{"response", "contact", "co_feedback", "resolution"}: the due dates of each stage for an
        assignment (or a reopen) made on `start`, in working days from the deadline profile; the
        resolution uses the longer complex time for a complex ticket."""
        profile = profile or self.deadlines()
        days = {
            "response": profile.response_days,
            "contact": profile.contact_days,
            "co_feedback": profile.co_feedback_days,
            "resolution": profile.resolution_days_for(self.is_complex),
        }
        return {stage: workdays.add_working_days(start, n) for stage, n in days.items()}

    def is_overdue(self, on_date=None):
        on_date = on_date or timezone.localdate()
        return self.status in HANDLING_STATUSES and self.due_date is not None and self.due_date < on_date

    def is_due_today(self, on_date=None):
        on_date = on_date or timezone.localdate()
        return self.status in HANDLING_STATUSES and self.due_date == on_date

    def is_unsigned_late(self, on_date=None):
        on_date = on_date or timezone.localdate()
        return self.status == Status.ASSIGNED and self.response_due_date is not None and self.response_due_date < on_date
