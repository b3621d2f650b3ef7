"""Every action on a ticket, one function each.

Each function opens a transaction, locks the ticket row, checks that this user may take this
transition from the ticket's current state (the rule is on the model), applies it, writes the
`TicketEvent`, and saves. Views, the admin, the API and tasks call these and repeat none of it.

`at` lets data imports and tests record an action at a given moment; pages never pass it.
"""

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from . import notifications
from .models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Notification,
    Attachment,
    EventKind,
    ExtensionRequest,
    IdempotencyKey,
    Rating,
    ReferenceCounter,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)


class ActionRefused(Exception):
    """An action that the ticket's state or the user's role does not allow. Nothing was changed."""

    def __init__(self, message, code="refused"):
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _locked(ticket):
    """The ticket's current row, locked until the transaction ends (PostgreSQL row lock; the
    fsm state check on save guards SQLite, which has no row locks)."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("category", "enterprise", "last_department").get(pk=ticket.pk)


def _check(ticket, method_name, user):
    method = getattr(ticket, method_name)
    if not can_proceed(method):
        raise ActionRefused(
            _("This action is not possible while the ticket is “%(status)s”.") % {"status": ticket.get_status_display()},
            code="invalid_state",
        )
    if user is not None and not has_transition_perm(method, user):
        raise ActionRefused(_("You are not allowed to do this on this ticket."), code="forbidden")


def _record(ticket, *, actor, kind, from_state="", to_state="", note="", data=None, at=None):
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _save(ticket):
    try:
        ticket.save()
    except ConcurrentTransition:
        raise ActionRefused(_("Someone else changed this ticket at the same moment. Reload it and try again."), code="conflict")


def _transition(ticket, *, by, name, kind, note="", data=None, at=None, kwargs=None):
    """Run one lifecycle transition with its lock, permission check, event and save.

    `data` may be a function of the transitioned ticket, for facts the transition computes
    (a due date). Call inside transaction.atomic(); returns the locked, saved ticket and its event.
    """
    ticket = _locked(ticket)
    _check(ticket, name, by)
    from_state = ticket.status
    getattr(ticket, name)(**(kwargs or {}))
    _save(ticket)
    if callable(data):
        data = data(ticket)
    event = _record(ticket, actor=by, kind=kind, from_state=from_state, to_state=ticket.status, note=note, data=data, at=at)
    return ticket, event


def validate_upload(upload):
    """Refuse a file the system does not accept, with a message a person understands."""
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    allowed = settings.ATTACHMENT_ALLOWED_EXTENSIONS
    if extension not in allowed:
        raise ValidationError(
            _("“%(name)s”: this file type is not accepted. Accepted types: %(types)s.")
            % {"name": upload.name, "types": ", ".join(allowed)},
            code="file_type",
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size).1f MB); the limit is %(limit).0f MB.")
            % {
                "name": upload.name,
                "size": upload.size / 1024 / 1024,
                "limit": settings.ATTACHMENT_MAX_BYTES / 1024 / 1024,
            },
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="file_empty")


def validate_uploads(files):
    """Refuse a set of files (too many, or any file not accepted), listing every problem."""
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("Attach at most %(count)s files.") % {"count": settings.ATTACHMENT_MAX_FILES}, code="file_count"
        )
    errors = []
    for upload in files:
        try:
            validate_upload(upload)
        except ValidationError as error:
            errors.extend(error.error_list)
    if len(errors) == 1:
        raise errors[0]  # keeps its code (file_type, file_size, file_empty)
    if errors:
        raise ValidationError(errors)


def _store_attachments(ticket, files, *, by, event):
    """Store files that validate_uploads() accepted (callers check before writing anything)."""
    for upload in files:
        content_type = getattr(upload, "content_type", "") or mimetypes.guess_type(upload.name)[0] or ""
        Attachment.objects.create(
            ticket=ticket,
            event=event,
            uploaded_by=by,
            file=upload,
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            content_type=content_type[:100],
        )


def next_reference(at=None):
    """QY-2026-000123: the year's next number, unique under concurrent submissions.

    One upsert takes the counter row's lock and returns the new number in the same statement,
    so two transactions can never read the same value.
    """
    year = timezone.localdate(at or timezone.now()).year
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"{settings.TICKET_REFERENCE_PREFIX}-{year}-{number:06d}"


# --------------------------------------------------------------------------------------------
# submission
# --------------------------------------------------------------------------------------------


def ticket_submit(*, by, enterprise, category, title, description, priority, channel=None, files=(), contact_name="", contact_phone="", at=None):
    """A company (or its liaison, or dispatch taking a hotline call) raises a problem."""
    if not by.may_submit_for(enterprise.pk):
        raise ActionRefused(_("You cannot submit a problem for this company."), code="forbidden")
    if not category.is_active:
        raise ActionRefused(_("This category no longer takes new problems; choose another."), code="invalid")
    if channel is None:
        channel = "liaison" if by.is_liaison else "hotline" if by.is_dispatcher else "web"
    validate_uploads(files)
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            reference=next_reference(at),
            enterprise=enterprise,
            category=category,
            title=title,
            description=description,
            priority=priority,
            channel=channel,
            submitted_by=by,
            contact_name=contact_name or enterprise.contact_name,
            contact_phone=contact_phone or enterprise.contact_phone,
            submitted_at=at,
        )
        ticket.full_clean(exclude=["reference", "status", "supervision_level"])
        ticket.save()
        event = _record(ticket, actor=by, kind=EventKind.SUBMITTED, to_state=ticket.status, at=at)
        _store_attachments(ticket, files, by=by, event=event)
        notifications.notify(Notification.Kind.SUBMITTED, ticket, notifications.role_members("dispatcher"), by=by, at=at)
    return ticket


def ticket_submit_once(*, key, fingerprint, by, **submission):
    """ticket_submit() under a client's idempotency key: the first request with this key creates
    the ticket; a repeat (even one arriving while the first is still running) gets that ticket.

    Returns (ticket, created). The key is claimed by an INSERT … ON CONFLICT DO NOTHING in the
    same transaction as the ticket: a concurrent repeat waits on the key's unique index until the
    first commits (then finds its ticket) or rolls back (then creates the ticket itself), so a
    refused submission leaves no key behind and the corrected request can reuse it.
    """
    table = IdempotencyKey._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key, fingerprint, created_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
                [by.pk, key, fingerprint, timezone.now()],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            earlier = IdempotencyKey.objects.select_related("ticket").get(user=by, key=key)
            if earlier.fingerprint != fingerprint:
                raise ActionRefused(
                    _("This Idempotency-Key was already used for a different request; use a new key for a new problem."),
                    code="idempotency_key_reused",
                )
            return earlier.ticket, False
        ticket = ticket_submit(by=by, **submission)
        IdempotencyKey.objects.filter(pk=claimed[0]).update(ticket=ticket)
    return ticket, True


# --------------------------------------------------------------------------------------------
# lifecycle transitions (DESIGN.md §3)
# --------------------------------------------------------------------------------------------


def _require_text(text, message):
    if not (text or "").strip():
        raise ActionRefused(message, code="invalid")
    return text.strip()


def _withdraw_pending_extensions(ticket, at, reason):
    """A request that no longer applies (the ticket left the department, or was resolved) is
    withdrawn, with its timeline entry, so that it blocks nothing and waits for no decision."""
    for request in ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionRequest.State.PENDING):
        ExtensionRequest.objects.filter(pk=request.pk).update(state=ExtensionRequest.State.WITHDRAWN, decided_at=at, decision_note=reason)
        _record(
            ticket,
            actor=None,
            kind=EventKind.EXTENSION_WITHDRAWN,
            note=reason,
            data={"request_id": request.pk, "from": request.current_due_date.isoformat(), "to": request.requested_due_date.isoformat()},
            at=at,
        )


def _open_assignments(ticket):
    """The ticket's assignment in force (one at most: an assignment ends before the next)."""
    return Assignment.objects.filter(ticket=ticket, ended_at__isnull=True)


@transaction.atomic
def ticket_assign(*, ticket, by, department, due_date=None, note="", at=None):
    """Dispatch sends the ticket to a department; the due date comes from the SLA unless given."""
    at = at or timezone.now()
    if due_date is not None and due_date < timezone.localdate(at):
        raise ActionRefused(_("The due date cannot be in the past."), code="invalid")
    if not department.is_active:
        raise ActionRefused(_("This department no longer takes tickets."), code="invalid")
    ticket, event = _transition(
        ticket,
        by=by,
        name="assign",
        kind=EventKind.ASSIGN,
        note=note,
        at=at,
        kwargs={"department": department, "due_date": due_date, "at": at},
        data=lambda t: {
            "department_id": department.pk,
            "department": department.name,
            "due_date": t.due_date.isoformat(),
            "response_due_date": t.response_due_date.isoformat(),
        },
    )
    Assignment.objects.create(
        ticket=ticket,
        department=department,
        assigned_by=by,
        assigned_at=at,
        response_due_date=ticket.response_due_date,
        due_date=ticket.due_date,
    )
    notifications.notify(Notification.Kind.ASSIGNED, ticket, notifications.department_staff(department.pk), by=by, at=at, note=note)
    return ticket


@transaction.atomic
def ticket_reject(*, ticket, by, reason, duplicate_of=None, at=None):
    """不予受理: out of scope, or a duplicate of an earlier ticket."""
    reason = _require_text(reason, _("Give the reason for not accepting this problem."))
    if duplicate_of is not None and duplicate_of.pk == ticket.pk:
        raise ActionRefused(_("A ticket cannot duplicate itself."), code="invalid")
    ticket, _event = _transition(
        ticket,
        by=by,
        name="reject",
        kind=EventKind.REJECT,
        note=reason,
        at=at,
        data={"duplicate_of": duplicate_of.reference} if duplicate_of else {},
        kwargs={"reason": reason, "duplicate_of": duplicate_of, "at": at},
    )
    notifications.notify(Notification.Kind.REJECTED, ticket, notifications.company_side(ticket.enterprise_id), by=by, at=at, note=reason)
    return ticket


@transaction.atomic
def ticket_sign(*, ticket, by, at=None):
    """签收: the department acknowledges the ticket."""
    at = at or timezone.now()
    ticket, _event = _transition(ticket, by=by, name="sign", kind=EventKind.SIGN, at=at, kwargs={"at": at})
    _open_assignments(ticket).update(signed_at=at)
    return ticket


@transaction.atomic
def ticket_return(*, ticket, by, reason, at=None):
    """退回: not this department's responsibility; back to the dispatch queue."""
    reason = _require_text(reason, _("Say why this ticket is not your department's responsibility."))
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="return_to_dispatch",
        kind=EventKind.RETURN,
        note=reason,
        at=at,
        # The department it leaves (the transition keeps it as last_department).
        data=lambda t: {"department_id": t.last_department_id, "department": str(t.last_department)},
        kwargs={"reason": reason, "at": at},
    )
    _open_assignments(ticket).update(ended_at=at, end_reason=Assignment.EndReason.RETURNED)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was returned to dispatch."))
    notifications.notify(
        Notification.Kind.RETURNED, ticket, notifications.role_members("dispatcher"), by=by, at=at, note=reason, department=str(ticket.last_department)
    )
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket, by, result, files=(), at=None):
    """办结: the department reports the problem solved, with the result."""
    result = _require_text(result, _("Describe how the problem was solved."))
    validate_uploads(files)
    at = at or timezone.now()
    ticket, event = _transition(
        ticket,
        by=by,
        name="resolve",
        kind=EventKind.RESOLVE,
        note=result,
        at=at,
        data=lambda t: {"due_date": t.due_date.isoformat() if t.due_date else None},
        kwargs={"result": result, "at": at},
    )
    _store_attachments(ticket, files, by=by, event=event)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was resolved."))
    notifications.notify(Notification.Kind.RESOLVED, ticket, notifications.company_side(ticket.enterprise_id), by=by, at=at)
    return ticket


@transaction.atomic
def ticket_confirm(*, ticket, by, rating, comment="", at=None):
    """回访: the company accepts the result and rates it; the ticket is closed (销号)."""
    if rating not in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED):
        raise ActionRefused(_("Choose “satisfied” or “basically satisfied”; if you are not satisfied, reopen the ticket."), code="invalid")
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="confirm",
        kind=EventKind.CONFIRM,
        note=comment,
        at=at,
        data={"rating": rating},
        kwargs={"rating": rating, "comment": comment, "at": at},
    )
    notifications.notify(Notification.Kind.CLOSED, ticket, notifications.department_staff(ticket.department_id), by=by, at=at)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket, by, comment, at=None):
    """The company is not satisfied: back to the department with a new due date, under at
    least yellow supervision."""
    comment = _require_text(comment, _("Say what is still not solved."))
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="reopen",
        kind=EventKind.REOPEN,
        note=comment,
        at=at,
        data=lambda t: {"rating": Rating.DISSATISFIED, "due_date": t.due_date.isoformat()},
        kwargs={"comment": comment, "at": at},
    )
    _open_assignments(ticket).update(due_date=ticket.due_date)
    if ticket.supervision_level == SupervisionLevel.NONE:
        _raise_supervision(ticket, by=None, level=SupervisionLevel.YELLOW, notice=_("Reopened: the company is not satisfied."), at=at)
    notifications.notify(
        Notification.Kind.REOPENED, ticket, notifications.department_staff(ticket.department_id) + notifications.role_members("supervisor"),
        by=by, at=at, note=comment,
    )
    return ticket


@transaction.atomic
def ticket_auto_close(*, ticket, at=None, working_days=None):
    """The system closes a resolved ticket the company never answered. Not a rating."""
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=None,
        name="auto_close",
        kind=EventKind.AUTO_CLOSE,
        note=notifications.system_note("no_answer"),  # the same words, in the site's language, as the sweep's
        at=at,
        data={"working_days": working_days} if working_days else {},
        kwargs={"at": at},
    )
    notifications.notify(
        Notification.Kind.AUTO_CLOSED, ticket,
        notifications.company_side(ticket.enterprise_id) + notifications.department_staff(ticket.department_id), at=at,
    )
    return ticket


# --------------------------------------------------------------------------------------------
# supervision (督办)
# --------------------------------------------------------------------------------------------

_RAISE_METHOD = {SupervisionLevel.YELLOW: "raise_to_yellow", SupervisionLevel.RED: "raise_to_red"}


def _raise_supervision(ticket, *, by, level, notice, at=None):
    method = getattr(ticket, _RAISE_METHOD[level])
    if not can_proceed(method):
        raise ActionRefused(
            _("Supervision is already at “%(level)s” or the ticket is finished; it can only go up on an open ticket.")
            % {"level": ticket.get_supervision_level_display()},
            code="invalid_state",
        )
    if by is not None and not has_transition_perm(method, by):
        raise ActionRefused(_("Only the supervision office can raise supervision."), code="forbidden")
    from_level = ticket.supervision_level
    method()
    _save(ticket)
    return _record(
        ticket,
        actor=by,
        kind=EventKind.SUPERVISION,
        from_state=from_level,
        to_state=ticket.supervision_level,
        note=notice,
        at=at,
    )


@transaction.atomic
def ticket_raise_supervision(*, ticket, by, level, notice, at=None):
    """A supervisor raises a yellow or red card by hand, with a written notice."""
    if level not in _RAISE_METHOD:
        raise ActionRefused(_("Choose yellow or red."), code="invalid")
    notice = _require_text(notice, _("Write the supervision notice."))
    ticket = _locked(ticket)
    _raise_supervision(ticket, by=by, level=level, notice=notice, at=at)
    recipients = notifications.department_staff(ticket.department_id) if ticket.department_id else notifications.role_members("dispatcher")
    if level == SupervisionLevel.RED:
        recipients += notifications.role_members("leader")
    notifications.notify(
        Notification.Kind.SUPERVISED, ticket, recipients, by=by, at=at, note=notice
    )
    return ticket


# --------------------------------------------------------------------------------------------
# progress notes and extensions
# --------------------------------------------------------------------------------------------


def can_comment(ticket, user):
    """Anyone who works on the ticket may add a note; leadership only reads."""
    if ticket.status not in OPEN_STATUSES:
        return False
    if user.sees_everything:
        return not user.is_leader
    if user.is_department:
        return user.department_id == ticket.department_id
    return user.speaks_for(ticket.enterprise_id)


@transaction.atomic
def ticket_comment(*, ticket, by, text, files=(), at=None):
    """A progress note (with optional files) on the timeline."""
    if not (text or "").strip() and not files:
        raise ActionRefused(_("Write a note or attach a file."), code="invalid")
    validate_uploads(files)
    ticket = _locked(ticket)
    if not can_comment(ticket, by):
        raise ActionRefused(_("You cannot add notes to this ticket."), code="forbidden")
    kind = EventKind.COMMENT if (text or "").strip() else EventKind.ATTACHMENT
    event = _record(ticket, actor=by, kind=kind, note=(text or "").strip(), at=at)
    _store_attachments(ticket, files, by=by, event=event)
    return event


@transaction.atomic
def extension_request(*, ticket, by, requested_due_date, reason, at=None):
    """延期: the holding department asks for more time."""
    reason = _require_text(reason, _("Say why more time is needed."))
    at = at or timezone.now()
    ticket = _locked(ticket)
    if not (by.is_department and by.department_id == ticket.department_id):
        raise ActionRefused(_("Only the department handling this ticket can ask for more time."), code="forbidden")
    if ticket.status not in HANDLING_STATUSES:
        raise ActionRefused(_("More time can only be asked for while the ticket is being handled."), code="invalid_state")
    if requested_due_date <= ticket.due_date:
        raise ActionRefused(_("The new due date must be later than the current one (%(date)s).") % {"date": ticket.due_date}, code="invalid")
    if ticket.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
        raise ActionRefused(_("An extension request for this ticket is already waiting for a decision."), code="conflict")
    request = ExtensionRequest.objects.create(
        ticket=ticket,
        department=ticket.department,
        requested_by=by,
        current_due_date=ticket.due_date,
        requested_due_date=requested_due_date,
        reason=reason,
        created_at=at,
    )
    _record(
        ticket,
        actor=by,
        kind=EventKind.EXTENSION_REQUESTED,
        note=reason,
        data={"request_id": request.pk, "from": ticket.due_date.isoformat(), "to": requested_due_date.isoformat()},
        at=at,
    )
    notifications.notify(
        Notification.Kind.EXTENSION_REQUESTED, ticket, notifications.role_members("dispatcher", "supervisor"),
        by=by, at=at, note=reason, requested=requested_due_date.isoformat(),
    )
    return request


@transaction.atomic
def extension_decide(*, request, by, approve, note="", at=None):
    """Dispatch or supervision approves (the due date moves) or refuses an extension."""
    at = at or timezone.now()
    if not by.oversees_deadlines:
        raise ActionRefused(_("Only the dispatch or supervision office decides extension requests."), code="forbidden")
    if not approve:
        note = _require_text(note, _("Say why the extension is refused."))
    ticket = _locked(request.ticket)
    # Claim the request: exactly one decision wins, whoever else is deciding at the same time.
    new_state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    claimed = ExtensionRequest.objects.filter(pk=request.pk, state=ExtensionRequest.State.PENDING).update(
        state=new_state, decided_by=by, decided_at=at, decision_note=note
    )
    if not claimed:
        raise ActionRefused(_("This extension request has already been decided."), code="conflict")
    request.refresh_from_db()
    data = {"request_id": request.pk, "from": request.current_due_date.isoformat(), "to": request.requested_due_date.isoformat()}
    if approve:
        if ticket.status not in HANDLING_STATUSES:
            raise ActionRefused(_("The ticket is no longer being handled; the extension no longer applies."), code="invalid_state")
        if ticket.department_id != request.department_id or ticket.due_date != request.current_due_date:
            # Returned and reassigned, or reopened with a new due date, since the request was made.
            raise ActionRefused(
                _("The ticket's department or due date has changed since this request; the extension no longer applies."),
                code="invalid_state",
            )
        ticket.due_date = request.requested_due_date
        _save(ticket)
        _open_assignments(ticket).update(due_date=request.requested_due_date)
    _record(
        ticket,
        actor=by,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        note=note,
        data=data,
        at=at,
    )
    notifications.notify(
        Notification.Kind.EXTENSION_DECIDED, ticket, notifications.department_staff(request.department_id),
        by=by, at=at, note=note, decision=notifications.in_site_language(gettext_lazy("approved") if approve else gettext_lazy("refused")),
    )
    return request


# --------------------------------------------------------------------------------------------
# what a user may do now (for pages)
# --------------------------------------------------------------------------------------------

LIFECYCLE_ACTIONS = ("assign", "reject", "sign", "return_to_dispatch", "resolve", "confirm", "reopen")


def available_actions(ticket, user):
    """Names of the actions this user may take on this ticket now; pages show only these."""
    actions = {name for name in LIFECYCLE_ACTIONS if has_transition_perm(getattr(ticket, name), user)}
    if can_comment(ticket, user):
        actions.add("comment")
    # Red is reachable from every level below it on an open ticket: the model's rule decides.
    if has_transition_perm(ticket.raise_to_red, user):
        actions.add("supervise")
    if (
        user.is_department
        and user.department_id == ticket.department_id
        and ticket.status in HANDLING_STATUSES
        # extension_requests is prefetched on the detail page: no extra query there.
        and not any(r.state == ExtensionRequest.State.PENDING for r in ticket.extension_requests.all())
    ):
        actions.add("request_extension")
    return actions
