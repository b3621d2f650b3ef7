"""Every action on a ticket, one function each (`<entity>_<action>(*, …)`, keyword-only).

Each function opens a transaction, locks the ticket row, checks that this user may take this
transition from the ticket's current state (the rule is on the model, tickets.rules for the
others), applies it, writes the `TicketEvent`, saves, and leaves its notifications to be sent
after the commit. Views, the admin, the API and tasks call these and repeat none of it.

`at` lets data imports and tests record an action at a given moment; pages never pass it.

    base         ActionRefused, the lock / check / record / save helpers, _transition
    uploads      which files are accepted, and storing them
    submission   ticket_submit, ticket_submit_once (API idempotency), next_reference
    lifecycle    ticket_assign, _reject, _sign, _return, _resolve, _confirm, _reopen, _auto_close
    cohandling   ticket_add_co_department, assignment_co_sign, _co_feedback, _end, ticket_contact;
                 missing_co_feedback (who the lead would resolve without)
    supervision  ticket_raise_supervision
    notes        ticket_comment
    extensions   extension_request, extension_decide
    returns      return_request_file, return_request_decide (退单审核), return_window_end
    reviews      rating_review_request, rating_review_decide (评价复核)
    exports      case_file_export_request (a case file export for one person), ticket_list_export_request
    calls        ticket_record_call (回访), verification_draw / verification_record (回访核实)
    tokens       api_token_issue, api_token_revoke (the API's hashed tokens)
    access       access_record (the access log: who opened what)
    visits       visit_record (走访记录: a liaison's visit, its problems raised as tickets), Problem
"""

from .access import access_record
from .base import ActionRefused
from .calls import ticket_record_call, verification_draw, verification_record
from .cohandling import (
    assignment_co_feedback,
    assignment_co_sign,
    assignment_end,
    missing_co_feedback,
    ticket_add_co_department,
    ticket_contact,
)
from .exports import case_file_export_request, ticket_list_export_request
from .extensions import extension_decide, extension_request
from .lifecycle import (
    ticket_assign,
    ticket_auto_close,
    ticket_confirm,
    ticket_reject,
    ticket_reopen,
    ticket_resolve,
    ticket_return,
    ticket_sign,
)
from .notes import ticket_comment
from .returns import return_request_decide, return_request_file, return_window_days, return_window_end
from .reviews import rating_review_decide, rating_review_refusal, rating_review_request
from .submission import next_reference, ticket_submit, ticket_submit_once
from .supervision import ticket_raise_supervision
from .tokens import api_token_issue, api_token_revoke
from .uploads import validate_upload, validate_uploads
from .visits import Problem, visit_record

__all__ = [
    "ActionRefused", "access_record", "api_token_issue", "api_token_revoke",
    "assignment_co_feedback", "assignment_co_sign", "assignment_end", "ticket_add_co_department",
    "ticket_contact", "missing_co_feedback", "case_file_export_request", "extension_decide", "extension_request", "next_reference",
    "return_request_decide", "return_request_file", "return_window_days", "return_window_end",
    "ticket_assign",
    "ticket_auto_close",
    "ticket_comment", "ticket_confirm", "ticket_raise_supervision", "ticket_reject", "ticket_reopen", "ticket_resolve",
    "ticket_return", "ticket_sign", "ticket_submit", "ticket_submit_once", "validate_upload", "validate_uploads",
    "ticket_record_call", "verification_draw", "verification_record",
    "rating_review_decide", "rating_review_refusal", "rating_review_request",
    "Problem", "visit_record",
    "ticket_list_export_request",
]  # fmt: skip
