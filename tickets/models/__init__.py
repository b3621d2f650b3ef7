"""The tickets app's models, one module per subject, re-exported here so that
`from tickets.models import Ticket` (and Django's model discovery) keep working."""

from .calendar import CalendarDay, CalendarYear
from .delivery import CaseHistoryMailing, Delivery, DeliveryQuerySet, DepartmentDigest, Notification, NotificationQuerySet, Reminder
from .events import AppendOnlyQuerySet, Attachment, EventKind, TicketEvent, attachment_path
from .exports import CaseFileExport
from .extensions import ExtensionRequest
from .idempotency import IdempotencyKey
from .reference import Category, Priority, ReferenceCounter, SLAPolicy
from .states import AT_RISK_WORKING_DAYS, HANDLING_STATUSES, OPEN_STATUSES, Channel, Rating, Status, SupervisionLevel
from .ticket import Assignment, Ticket, TicketQuerySet

__all__ = [
    "AT_RISK_WORKING_DAYS", "HANDLING_STATUSES", "OPEN_STATUSES", "AppendOnlyQuerySet", "Assignment", "Attachment",
    "CalendarDay", "CalendarYear", "CaseFileExport", "CaseHistoryMailing", "Category", "Channel", "Delivery", "DeliveryQuerySet",
    "DepartmentDigest",    "EventKind", "ExtensionRequest", "IdempotencyKey", "Notification", "NotificationQuerySet", "Priority", "Rating",
    "ReferenceCounter", "Reminder", "SLAPolicy", "Status", "SupervisionLevel", "Ticket", "TicketEvent", "TicketQuerySet",
    "attachment_path",
]  # fmt: skip
