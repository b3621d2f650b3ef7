"""Who is told: the one table of who hears about each kind of notification (RECIPIENTS), read for
one ticket (recipients_for, what an action's notify() uses) or for many at once (Audience, what
the sweep and the scheduled mailings use: everyone loaded in a fixed number of queries per run).
No other module decides who is told.

Only active accounts are told, and a liaison official only while their role is liaison.
"""

from __future__ import annotations

import enum
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q

from enterprises.models import Enterprise, User
from tickets.models import Notification, SupervisionLevel, Visit
from tickets.rules import is_administrator

Kind = Notification.Kind
Role = User.Role


class Party(enum.Enum):
    """The people a notification about a ticket may go to."""

    DEPARTMENT = "the active staff of the ticket's department"
    DEPARTMENT_OR_DISPATCH = "the staff of the ticket's department or, while it has none, the dispatch office"
    CO_DEPARTMENT = "the active staff of the co-handling department the message is about"
    REQUESTING_DEPARTMENT = "the co-handling department the message is about, or else the ticket's department"
    COMPANY = "the company's active users and its liaison officials"
    DISPATCH = "the dispatch office"
    SUPERVISION = "the supervision office"
    LEADERSHIP = "leadership"
    LEADERSHIP_IF_RED = "leadership, when the ticket's supervision is red"


P = Party

# Who is told about each kind, in this order. The one who acted is never told (outbox.notify).
# A digest is about a department and a case history about a company: their "ticket" is a
# department id or a company id (Audience.of_department / of_company). An export's message goes
# to the person who asked for it (tickets.casefile.export), so it is not here.
# "Verification calls due" is about a month's list, not a ticket: verification_callers() below;
# "Monthly bulletin" about a frozen month: bulletin_readers() below; "Company visits due this
# quarter" about a liaison's companies: liaisons_with_unvisited_companies() below.
RECIPIENTS: dict[str, tuple[Party, ...]] = {
    Kind.SUBMITTED: (P.DISPATCH,),
    Kind.ASSIGNED: (P.DEPARTMENT,),
    Kind.REJECTED: (P.COMPANY,),
    Kind.RETURNED: (P.DISPATCH,),
    Kind.RESOLVED: (P.COMPANY,),
    Kind.REOPENED: (P.DEPARTMENT, P.SUPERVISION),
    Kind.CLOSED: (P.DEPARTMENT,),
    Kind.SUPERVISED: (P.DEPARTMENT_OR_DISPATCH, P.LEADERSHIP_IF_RED),
    Kind.EXTENSION_REQUESTED: (P.DISPATCH, P.SUPERVISION),
    # The requesting department: a pending request ends when the ticket leaves it (returned,
    # resolved), so it is the ticket's department when the request is decided.
    Kind.EXTENSION_DECIDED: (P.REQUESTING_DEPARTMENT,),
    Kind.DUE_SOON: (P.DEPARTMENT,),
    Kind.UNSIGNED: (P.DEPARTMENT,),
    Kind.OVERDUE: (P.DEPARTMENT, P.SUPERVISION),
    Kind.LONG_OVERDUE: (P.DEPARTMENT, P.SUPERVISION, P.LEADERSHIP),
    Kind.AUTO_CLOSED: (P.COMPANY, P.DEPARTMENT),
    Kind.CO_ASSIGNED: (P.CO_DEPARTMENT,),
    Kind.CO_FEEDBACK_GIVEN: (P.DEPARTMENT,),
    Kind.CO_ENDED: (P.CO_DEPARTMENT,),
    Kind.CO_UNSIGNED: (P.CO_DEPARTMENT,),
    Kind.CO_FEEDBACK_DUE_SOON: (P.CO_DEPARTMENT,),
    Kind.CO_FEEDBACK_LATE: (P.CO_DEPARTMENT, P.DEPARTMENT, P.SUPERVISION),
    Kind.CONTACT_DUE_SOON: (P.DEPARTMENT,),
    Kind.CONTACT_OVERDUE: (P.DEPARTMENT, P.SUPERVISION),
    # Return requests (DESIGN.md §9): dispatch rules; the department that asked hears the ruling
    # (named as co_department by the service: after an upheld return it holds the ticket no more).
    Kind.RETURN_REQUESTED: (P.DISPATCH,),
    Kind.RETURN_RULED: (P.REQUESTING_DEPARTMENT,),
    # Not feasible for now (DESIGN.md §9): the lead department looks at the ticket again on its review date.
    Kind.OUTCOME_REVIEW_DUE: (P.DEPARTMENT,),
    # Rating review: supervision decides; the department that asked (named as co_department by
    # the service) hears the decision. The company sees it on its ticket page.
    Kind.RATING_REVIEW_REQUESTED: (P.SUPERVISION,),
    Kind.RATING_REVIEW_DECIDED: (P.REQUESTING_DEPARTMENT,),
    Kind.DIGEST: (P.DEPARTMENT,),
    Kind.CASE_HISTORY: (P.COMPANY,),
}

_ROLE_OF = {P.DISPATCH: Role.DISPATCHER, P.SUPERVISION: Role.SUPERVISOR, P.LEADERSHIP: Role.LEADER, P.LEADERSHIP_IF_RED: Role.LEADER}

# Where the people of a party come from, for one ticket: ("role", role), ("department", id) or
# ("company", id).
ROLE, DEPARTMENT, COMPANY = "role", "department", "company"


def _parties(kind: str) -> tuple[Party, ...]:
    try:
        return RECIPIENTS[kind]
    except KeyError:
        raise ValueError(f"No one is told about {str(kind)!r} notifications through tickets.notifications.recipients") from None


def _fact(ticket: Any, name: str) -> Any:
    """A ticket's department_id, enterprise_id or supervision_level: from a Ticket, or from a row
    dict of texts.FACT_COLUMNS (the sweep)."""
    return ticket.get(name) if isinstance(ticket, Mapping) else getattr(ticket, name)


def _sources(kind: str, ticket: Any, co_department_id: int | None = None) -> list[tuple[str, Any]]:
    """Where the people told about `kind` on `ticket` come from, in the table's order. A message
    about a co assignment names its department (`co_department_id`, or a row's key of that name)."""
    sources = []
    co_department_id = co_department_id or (ticket.get("co_department_id") if isinstance(ticket, Mapping) else None)
    for party in _parties(kind):
        if party is P.CO_DEPARTMENT:
            if not co_department_id:
                raise ValueError(f"{str(kind)!r} notifications name the co-handling department they are about")
            sources.append((DEPARTMENT, co_department_id))
        elif party is P.REQUESTING_DEPARTMENT and co_department_id:
            sources.append((DEPARTMENT, co_department_id))
        elif party in (P.DEPARTMENT, P.DEPARTMENT_OR_DISPATCH, P.REQUESTING_DEPARTMENT):
            department_id = _fact(ticket, "department_id")
            if department_id:
                sources.append((DEPARTMENT, department_id))
            elif party is P.DEPARTMENT_OR_DISPATCH:
                sources.append((ROLE, Role.DISPATCHER))
        elif party is P.COMPANY:
            if _fact(ticket, "enterprise_id"):
                sources.append((COMPANY, _fact(ticket, "enterprise_id")))
        elif party is P.LEADERSHIP_IF_RED:
            if _fact(ticket, "supervision_level") == SupervisionLevel.RED:
                sources.append((ROLE, Role.LEADER))
        else:
            sources.append((ROLE, _ROLE_OF[party]))
    return sources


def verification_callers() -> list[User]:
    """Who is told that a month's verification calls are due (Kind.VERIFICATION_DUE, about no
    ticket): the active follow-up callers (回访员), or, in a city without any, the dispatch office."""
    active = User.objects.filter(is_active=True).order_by("pk")
    return list(active.filter(role=Role.CALLBACK)) or list(active.filter(role=Role.DISPATCHER))


def bulletin_readers() -> list[User]:
    """Who is told that a month's bulletin is out (Kind.BULLETIN, about no ticket): leadership, the
    supervision office and the staff of every department, active accounts only. One query."""
    roles = Q(role__in=[Role.LEADER, Role.SUPERVISOR]) | Q(role=Role.DEPARTMENT, department__isnull=False)
    return list(User.objects.filter(roles, is_active=True).order_by("pk"))


def liaisons_with_unvisited_companies(start: Any, end: Any) -> dict[User, list[Enterprise]]:
    """Who is told that companies are still to be visited this quarter (Kind.VISITS_DUE, about no
    ticket, tickets.jobs.visits): each active liaison official, with those of their companies that
    nobody visited from `start` to `end` (包联, DESIGN.md §12). One query."""
    visited = Visit.objects.filter(enterprise=OuterRef("enterprise_id"), visited_on__range=(start, end))
    links = (
        Enterprise.liaisons.through.objects.filter(user__is_active=True, user__role=Role.LIAISON)
        .exclude(Exists(visited))
        .select_related("user", "enterprise")
        .order_by("user_id", "enterprise__name")
    )
    unvisited: dict[User, list[Enterprise]] = defaultdict(list)
    for link in links:
        unvisited[link.user].append(link.enterprise)
    return dict(unvisited)


# The roles of the people in each party of RECIPIENTS (for kinds_heard_by: which kinds a person
# can be told about at all).
_PARTY_ROLES: dict[Party, frozenset[str]] = {
    P.DEPARTMENT: frozenset({Role.DEPARTMENT}),
    P.DEPARTMENT_OR_DISPATCH: frozenset({Role.DEPARTMENT, Role.DISPATCHER}),
    P.CO_DEPARTMENT: frozenset({Role.DEPARTMENT}),
    P.REQUESTING_DEPARTMENT: frozenset({Role.DEPARTMENT}),
    P.COMPANY: frozenset({Role.COMPANY, Role.LIAISON}),
    P.DISPATCH: frozenset({Role.DISPATCHER}),
    P.SUPERVISION: frozenset({Role.SUPERVISOR}),
    P.LEADERSHIP: frozenset({Role.LEADER}),
    P.LEADERSHIP_IF_RED: frozenset({Role.LEADER}),
}
# The kinds about no ticket, told by the functions above (and an export's to whoever asked).
_OTHER_KINDS: dict[str, frozenset[str]] = {
    Kind.VERIFICATION_DUE: frozenset({Role.CALLBACK, Role.DISPATCHER}),
    Kind.BULLETIN: frozenset({Role.LEADER, Role.SUPERVISOR, Role.DEPARTMENT}),
    Kind.VISITS_DUE: frozenset({Role.LIAISON}),
    Kind.EXPORT_READY: frozenset(Role.values),
}


def kinds_heard_by(user: User) -> list[str]:
    """The kinds of notification `user`'s role can be told about (every kind for a superuser or
    an administrator, who may hold any role's work in the admin), in Notification.Kind's order:
    what their notification settings list."""
    if is_administrator(user):
        return list(Kind.values)
    heard = {kind for kind, parties in RECIPIENTS.items() if any(user.role in _PARTY_ROLES[party] for party in parties)}
    heard |= {kind for kind, roles in _OTHER_KINDS.items() if user.role in roles}
    return [kind for kind in Kind.values if kind in heard]


def recipients_for(kind: str, ticket: Any, co_department_id: int | None = None) -> list[User]:
    """The people told about `kind` on `ticket` (a Ticket, as it is after the action), distinct,
    in the table's order: one query for the roles and the department, two for a company's side."""
    sources = _sources(kind, ticket, co_department_id)
    audience = Audience(
        roles={key for what, key in sources if what == ROLE},
        department_ids=[key for what, key in sources if what == DEPARTMENT],
        enterprise_ids=[key for what, key in sources if what == COMPANY],
    )
    return audience._resolve(sources)


class Audience:
    """Everyone a run may tell, loaded once (the bulk form of recipients_for, read from the same
    table): Audience.for_kinds(kinds) loads the roles and department staff those kinds need in
    one query, and a company's side (two queries per 1000 companies) when load_companies() is
    given the companies; recipients_for(kind, ticket) then reads no more."""

    def __init__(
        self, *, roles: Iterable[str] = (), department_ids: Iterable[int] | None = (), enterprise_ids: Iterable[int] | None = None
    ):
        """department_ids None loads every department's staff; enterprise_ids None loads no
        company (load_companies() does)."""
        self._roles: dict[str, list[User]] = {role: [] for role in roles}
        self._departments: dict[int, list[User]] = defaultdict(list)
        self._companies: dict[int, list[User]] | None = None
        self._load_people(department_ids)
        if enterprise_ids is not None:
            self.load_companies(enterprise_ids)

    @classmethod
    def for_kinds(
        cls, kinds: Iterable[str], *, department_ids: Iterable[int] | None = None, enterprise_ids: Iterable[int] | None = None
    ) -> Audience:
        """Everyone the `kinds` may tell: every department's staff (or those of `department_ids`)
        if a kind tells a department, and the roles they tell."""
        parties = {party for kind in kinds for party in _parties(kind)}
        roles = {_ROLE_OF[party] for party in parties if party in _ROLE_OF}
        if P.DEPARTMENT_OR_DISPATCH in parties:
            roles.add(Role.DISPATCHER)
        tells_departments = bool(parties & {P.DEPARTMENT, P.DEPARTMENT_OR_DISPATCH, P.CO_DEPARTMENT, P.REQUESTING_DEPARTMENT})
        return cls(roles=roles, department_ids=department_ids if tells_departments else (), enterprise_ids=enterprise_ids)

    def _load_people(self, department_ids):
        """The roles' members and the departments' staff (all of them if None), in one query."""
        wanted = [Q(role__in=list(self._roles))] if self._roles else []
        if department_ids is None:
            wanted.append(Q(role=Role.DEPARTMENT))
        elif department_ids := list(department_ids):
            wanted.append(Q(role=Role.DEPARTMENT, department_id__in=department_ids))
        if not wanted:
            return
        for user in User.objects.filter(functools.reduce(operator.or_, wanted), is_active=True).order_by("pk"):
            if user.role == Role.DEPARTMENT:
                self._departments[user.department_id].append(user)
            else:
                self._roles[user.role].append(user)

    def load_companies(self, enterprise_ids: Iterable[int]) -> None:
        """Load the side of these companies: their active users and liaison officials."""
        self._companies = company_sides(enterprise_ids)

    def recipients_for(self, kind: str, ticket: Any, co_department_id: int | None = None) -> list[User]:
        """The people told about `kind` on `ticket` (a Ticket, or a row dict of FACT_COLUMNS)."""
        return self._resolve(_sources(kind, ticket, co_department_id))

    def of_department(self, kind: str, department_id: int) -> list[User]:
        """The people told about `kind` (a digest) for a department."""
        return self.recipients_for(kind, {"department_id": department_id, "enterprise_id": None, "supervision_level": None})

    def of_company(self, kind: str, enterprise_id: int) -> list[User]:
        """The people told about `kind` (a case history) for a company."""
        return self.recipients_for(kind, {"department_id": None, "enterprise_id": enterprise_id, "supervision_level": None})

    def _resolve(self, sources):
        people, seen = [], set()
        for what, key in sources:
            for user in self._people_of(what, key):
                if user.pk not in seen:
                    seen.add(user.pk)
                    people.append(user)
        return people

    def _people_of(self, what, key):
        if what == ROLE:
            if key not in self._roles:
                raise RuntimeError(f"This audience was not loaded with the role {key!r}")
            return self._roles[key]
        if what == DEPARTMENT:
            return self._departments.get(key, [])
        if self._companies is None:
            raise RuntimeError("This audience has no companies loaded: call load_companies() first")
        return self._companies.get(key, [])


def company_sides(enterprise_ids: Iterable[int]) -> dict[int, list[User]]:
    """{enterprise id: its active users and liaison officials}, in two queries per 1000 companies;
    companies with nobody are left out."""
    sides: dict[int, dict[int, User]] = defaultdict(dict)
    ids = list(enterprise_ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for user in User.objects.filter(is_active=True, role=Role.COMPANY, enterprise_id__in=chunk).order_by("pk"):
            sides[user.enterprise_id][user.pk] = user
        links = (
            Enterprise.liaisons.through.objects.filter(enterprise_id__in=chunk, user__is_active=True, user__role=Role.LIAISON)
            .select_related("user")
            .order_by("user_id")
        )
        for link in links:
            sides[link.enterprise_id][link.user_id] = link.user
    return {enterprise_id: list(users.values()) for enterprise_id, users in sides.items()}
