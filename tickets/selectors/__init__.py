"""Reads, one per page or report (their API twins use the same): each starts from the visibility
rule and reads what its page shows in a bounded number of queries.

    tickets       the lists, queues, inbox (and its co-handling part), supervision board, a ticket's page
                  (its assignments, lead first), its files
    enterprises   the company list
    notifications a person's notifications
    calls         the verification calls (回访核实): a month's list, the months, the menu's count
    reviews       rating reviews: supervision's pending list and its count, one review

A company's case file (一企一档) is tickets.casefile.selectors; the report is tickets.reports.
"""

from .calls import pending_verification_count, verification_list, verification_months, visible_verification_call
from .enterprises import enterprise_list, visible_enterprise
from .notifications import notification_list, notification_to_open, unread_count, visible_notifications
from .reviews import pending_rating_review_count, pending_rating_reviews, rating_review_of, visible_rating_review
from .tickets import (
    assign_proposal,
    assignment_rows,
    duplicate_references,
    pending_extensions,
    pending_return_count,
    pending_return_requests,
    supervision_notice,
    ticket_detail,
    ticket_detail_queryset,
    ticket_for_action,
    ticket_list,
    upheld_suggestion,
    visible_attachment,
    visible_extension_request,
    visible_references,
    visible_return_request,
)
from .worklists import (
    department_awaiting_company,
    department_co_inbox,
    department_inbox,
    dispatch_queue,
    mark_days_left,
    supervision_board,
)

__all__ = [
    "assign_proposal", "assignment_rows", "department_awaiting_company", "department_co_inbox", "department_inbox", "dispatch_queue",
    "duplicate_references", "enterprise_list", "notification_list", "notification_to_open", "pending_extensions",
    "supervision_board", "supervision_notice", "mark_days_left",
    "ticket_detail", "ticket_detail_queryset", "ticket_for_action", "ticket_list", "unread_count", "visible_attachment",
    "visible_extension_request", "visible_notifications", "visible_references",
    "pending_return_count", "pending_return_requests", "upheld_suggestion", "visible_return_request",
    "pending_verification_count", "verification_list", "verification_months", "visible_verification_call",
    "pending_rating_review_count", "pending_rating_reviews", "rating_review_of", "visible_rating_review",
    "visible_enterprise",
]  # fmt: skip
