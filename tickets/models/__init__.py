"""The tickets app's models, one module per subject, re-exported here so that
`from tickets.models import Ticket` (and Django's model discovery) keep working."""

from .access import ACCESS_LOG_MIN_RETENTION_DAYS, AccessKind, AccessLog, AccessLogQuerySet
from .assessment import AssessmentGroup, AssessmentMonth, AssessmentScheme, MonthlyAssessment, SchemeMembership
from .assignment import Assignment
from .calendar import CalendarDay, CalendarYear
from .calls import VerificationCall
from .delivery import (
    AssignmentReminder,
    CaseHistoryMailing,
    Delivery,
    DeliveryQuerySet,
    DepartmentDigest,
    Notification,
    NotificationQuerySet,
    Reminder,
)
from .events import AppendOnlyQuerySet, Attachment, EventKind, TicketEvent, attachment_path
from .exports import CaseFileExport, TicketListExport
from .extensions import ExtensionRequest
from .idempotency import IdempotencyKey
from .reference import DEFAULT_DEADLINES, Category, DeadlineProfile, Priority, ReferenceCounter
from .returns import ReturnRequest
from .reviews import RatingReview
from .states import (
    AT_RISK_WORKING_DAYS,
    CO_WORK_STATUSES,
    HANDLING_STATUSES,
    OPEN_ASSIGNMENT_STATES,
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentState,
    Channel,
    ContactMethod,
    Outcome,
    Rating,
    Status,
    SupervisionLevel,
)
from .ticket import Ticket, TicketQuerySet
from .tokens import ApiToken
from .visits import DEFAULT_VISIT_QUOTA, Visit, VisitAttachment, VisitQuota, VisitReminder, quarter_of

__all__ = [
    "ACCESS_LOG_MIN_RETENTION_DAYS", "AccessKind", "AccessLog", "AccessLogQuerySet", "ApiToken",
    "AT_RISK_WORKING_DAYS", "CO_WORK_STATUSES", "DEFAULT_DEADLINES", "HANDLING_STATUSES", "OPEN_ASSIGNMENT_STATES", "OPEN_STATUSES",
    "AppendOnlyQuerySet", "Assignment", "AssignmentReminder", "AssignmentRole", "AssignmentState", "Attachment",
    "ContactMethod", "DeadlineProfile",
    "CalendarDay", "CalendarYear", "CaseFileExport", "CaseHistoryMailing", "Category", "Channel", "Delivery", "DeliveryQuerySet",
    "DepartmentDigest",    "EventKind", "ExtensionRequest", "IdempotencyKey", "Notification", "NotificationQuerySet", "Priority", "Rating",
    "ReferenceCounter", "Reminder", "ReturnRequest", "Status", "SupervisionLevel", "Ticket", "TicketEvent", "TicketQuerySet",
    "attachment_path",
    "VerificationCall", "Outcome", "RatingReview",
    "AssessmentGroup", "AssessmentMonth", "AssessmentScheme", "MonthlyAssessment", "SchemeMembership",
    "TicketListExport",
    "DEFAULT_VISIT_QUOTA", "Visit", "VisitAttachment", "VisitQuota", "VisitReminder", "quarter_of",
]  # fmt: skip
