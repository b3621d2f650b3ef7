"""Who sees what (DESIGN.md §6): the one rule, for tickets and for companies.

- dispatch, supervision, leadership, administrators and follow-up callers (回访员, who call
  companies about any ticket, DESIGN.md §9) see everything;
- a company's users see their company's tickets and its case file;
- a liaison official sees the tickets and case files of the companies they look after;
- department staff see the tickets their department holds or held (a ticket leaves a department
  only by an assignment ending), and those it co-handles or co-handled (协办: any co assignment
  of the department), and a company through those tickets;
- anyone else, an anonymous or deactivated account, sees nothing.

The monthly bulletin (bulletin_departments): the roles that see everything read all of it,
department staff the city's figures and their own department's line, no one else any of it (the
public page, /public/monthly/, shows what anyone may see).

`Ticket.objects.visible_to(user)` and `Enterprise.objects.visible_to(user)` delegate here, and so
does every predicate about the company side (`speaks_for`). Every page, export, e-mail, API call
and admin list reads through these.

This module sits below the models that delegate to it: it imports none of them, and reaches
Assignment and Ticket through the app registry when a query is built (so that tickets.models and
enterprises.models can call it without an import cycle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

if TYPE_CHECKING:
    from enterprises.models import User

COMPANY, LIAISON, DEPARTMENT = "company", "liaison", "department"
# The roles that see every ticket and every company.
# A follow-up caller ("callback") sees what dispatch sees; what it may do is only record calls
# (tickets.rules.may_call): it is read-only otherwise, like leadership.
SEES_EVERYTHING = frozenset({"dispatcher", "supervisor", "leader", "admin", "callback"})


def sees_everything(user: User) -> bool:
    return user.role in SEES_EVERYTHING or user.is_superuser


def _active(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def visible_tickets(user: User, tickets: QuerySet | None = None) -> QuerySet:
    """The tickets (of `tickets`, default all) that `user` may see."""
    if tickets is None:
        tickets = apps.get_model("tickets", "Ticket").objects.all()
    if not _active(user):
        return tickets.none()
    if sees_everything(user):
        return tickets
    if user.role == COMPANY:
        return tickets.filter(enterprise_id=user.enterprise_id)
    if user.role == LIAISON:
        return tickets.filter(enterprise__liaisons=user)
    if user.role == DEPARTMENT and user.department_id:
        # "Is or was assigned": held now as the lead, or held before (an ended assignment), or
        # co-handled now or before (a co assignment): partial index assignment_seen_dept_ticket.
        seen = apps.get_model("tickets", "Assignment").objects.filter(
            Q(ended_at__isnull=False) | Q(role="co"), ticket=OuterRef("pk"), department_id=user.department_id
        )
        return tickets.filter(Q(department_id=user.department_id) | Exists(seen))
    return tickets.none()


def visible_enterprises(user: User, enterprises: QuerySet | None = None) -> QuerySet:
    """The companies (of `enterprises`, default all) whose case file `user` may open: those of
    the tickets they may see, and for a company's users and liaisons their own companies even
    before a first ticket."""
    if enterprises is None:
        enterprises = apps.get_model("enterprises", "Enterprise").objects.all()
    if not _active(user):
        return enterprises.none()
    if sees_everything(user):
        return enterprises
    if user.role == COMPANY:
        return enterprises.filter(pk=user.enterprise_id)
    if user.role == LIAISON:
        return enterprises.filter(liaisons=user)
    if user.role == DEPARTMENT and user.department_id:
        return enterprises.filter(Exists(visible_tickets(user).filter(enterprise=OuterRef("pk"))))
    return enterprises.none()


def bulletin_departments(user: User) -> set[int] | None:
    """Whose lines of the monthly bulletin (DESIGN.md §10) `user` sees, beside the city's figures:
    None for every department's (the roles that see everything), else the ids of the departments
    (department staff: their own; anyone else: none)."""
    if not _active(user):
        return set()
    if sees_everything(user):
        return None
    if user.role == DEPARTMENT and user.department_id:
        return {user.department_id}
    return set()


def speaks_for(user: User, enterprise_id: int | None) -> bool:
    """Does `user` stand on the company's side of its tickets (submit, confirm, reopen and add
    notes on its behalf)? Its own users and its liaison officials: the company rows of the
    ladder above, as a predicate."""
    if not _active(user) or enterprise_id is None:
        return False
    if user.role == COMPANY:
        return user.enterprise_id == enterprise_id
    if user.role == LIAISON:
        return enterprise_id in _liaison_enterprise_ids(user)
    return False


def _liaison_enterprise_ids(user: Any) -> set[int]:
    # Read once per user object (one request): a detail page asks several times.
    cached = getattr(user, "_liaison_enterprise_ids", None)
    if cached is None:
        cached = set(user.liaison_enterprises.values_list("pk", flat=True))
        user._liaison_enterprise_ids = cached
    return cached


def visible_visits(user: User, visits: QuerySet | None = None) -> QuerySet:
    """The liaison visits (走访记录, DESIGN.md §12) of `visits` (default all) that `user` may see:
    the roles that see everything all of them; a company's users their company's; a liaison
    official those of the companies they look after (whoever of its liaisons made them); nobody
    else any (a department sees a visit's problems as tickets, not the visit)."""
    if visits is None:
        visits = apps.get_model("tickets", "Visit").objects.all()
    if not _active(user):
        return visits.none()
    if sees_everything(user):
        return visits
    if user.role == COMPANY:
        return visits.filter(enterprise_id=user.enterprise_id)
    if user.role == LIAISON:
        return visits.filter(enterprise__liaisons=user)
    return visits.none()


def visible_liaisons(user: User) -> QuerySet:
    """The liaison officials whose ledger (包联台账) `user` may read: every one for the roles that
    see everything, a liaison official their own, nobody else any."""
    people = apps.get_model("enterprises", "User").objects.filter(role=LIAISON)
    if not _active(user):
        return people.none()
    if sees_everything(user):
        return people
    if user.role == LIAISON:
        return people.filter(pk=user.pk)
    return people.none()
