"""The API's serializers: what a ticket, an event, an attachment look like in JSON, and the
arguments of each transition, generated from the page's form for it.
"""

import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, renderers, serializers

from enterprises.models import Department, Enterprise
from enterprises.validators import normalize_credit_code, validate_credit_code
from tickets import personal, rules, selectors, services
from tickets.casefile import selectors as casefile_selectors
from tickets.models import (
    Assignment,
    Attachment,
    Category,
    DeadlineProfile,
    ExtensionRequest,
    Priority,
    Rating,
    RatingReview,
    ReturnRequest,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)
from tickets.web import forms

# The transitions of DESIGN.md §3 a person can take (auto_close is the system's), the
# supervisor's raise of the supervision level, and the co-handling actions of DESIGN.md §8 (the
# lead's first contact, dispatch adding or releasing a co-handler, a co-handler's sign and
# feedback); names as in available_actions().
TRANSITIONS = (
    "assign", "reject", "sign", "return_to_dispatch", "resolve", "confirm", "reopen", "supervise",
    "contact", "add_co_department", "end_co_assignment", "co_sign", "co_feedback", "request_release",
)  # fmt: skip
# return_to_dispatch (the lead) and request_release (a co-handler) file a return request that
# dispatch rules on (DESIGN.md §9); POST /api/tickets/{reference}/return-requests/ does the same.
# The transitions whose body may be multipart/form-data with `files`.
WITH_FILES = ("resolve", "co_feedback")


class Page(pagination.CursorPagination):
    """Newest first, by cursor: no COUNT over everything the caller may see (a dispatcher sees
    every ticket), and a platform walking the pages misses nothing while new tickets arrive."""

    ordering = ("-submitted_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class DepartmentSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text=gettext_lazy("E-mail address, or empty"))

    class Meta:
        model = Department
        fields = ["id", "name", "email", "phone"]


class DeadlineProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineProfile
        fields = ["name", "priority", "response_days", "contact_days", "co_feedback_days", "resolution_days", "complex_resolution_days"]


class CategorySerializer(serializers.ModelSerializer):
    default_department = DepartmentSerializer(read_only=True)
    response_days = serializers.SerializerMethodField(help_text=gettext_lazy("Sign within (working days), normal priority"))
    resolution_days = serializers.SerializerMethodField(help_text=gettext_lazy("Resolve within (working days), normal priority"))
    deadlines = serializers.SerializerMethodField(help_text=gettext_lazy("The deadline profile for normal priority"))

    class Meta:
        model = Category
        fields = ["id", "name", "default_department", "response_days", "resolution_days", "deadlines"]

    def get_response_days(self, category) -> int:
        return category.deadlines(Priority.NORMAL).response_days

    def get_resolution_days(self, category) -> int:
        return category.deadlines(Priority.NORMAL).resolution_days

    @extend_schema_field(DeadlineProfileSerializer)
    def get_deadlines(self, category):
        return DeadlineProfileSerializer(category.deadlines(Priority.NORMAL)).data


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "created_at", "download"]

    def get_download(self, attachment) -> str:
        return reverse("api-attachment-detail", args=[attachment.pk])


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text=gettext_lazy("Who made it; a company's people are masked (王*) for readers without their contact")
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["kind", "from_state", "to_state", "note", "actor", "created_at", "attachments"]

    def get_actor(self, event) -> str:
        # DESIGN.md §11: set by the root serializer from tickets.rules (masked when it is not).
        return personal.actor_label(event, full=bool(self.context.get("full_contact")))


class TicketSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    category = serializers.CharField(source="category.name", read_only=True)
    department = DepartmentSerializer(read_only=True, allow_null=True)
    # As the pages and the case file show it (tickets.casefile.selectors): the latest rating, and
    # "no answer" only as how the ticket closed.
    rating = serializers.ChoiceField(
        source="latest_rating",
        choices=Rating.choices,  # the one RatingEnum of the schema; no_answer never appears here
        allow_blank=True,
        read_only=True,
        help_text=gettext_lazy("The latest rating (a reopen is dissatisfied), or empty; no answer is not a rating"),
    )
    closed_without_answer = serializers.SerializerMethodField(help_text=gettext_lazy("Closed automatically: the company did not answer"))

    class Meta:
        model = Ticket
        fields = [
            "reference", "title", "description", "priority", "channel", "status", "supervision_level", "enterprise",
            "credit_code", "category", "department", "response_due_date", "due_date", "submitted_at", "assigned_at",
            "signed_at", "resolved_at", "closed_at", "result", "rating",
            "closed_without_answer", "is_complex", "contact_due_date", "contacted_at",
            "outcome", "outcome_condition", "outcome_review_date", "rating_review_upheld",
        ]  # fmt: skip
        extra_kwargs = {
            "outcome": {
                "help_text": gettext_lazy("The latest resolution's outcome: solved, explained or not_feasible (empty if never resolved)")
            },
            "outcome_condition": {"help_text": gettext_lazy("not_feasible: what is missing for a solution")},
            "outcome_review_date": {"help_text": gettext_lazy("not_feasible: when the department looks at it again")},
        }

    def get_closed_without_answer(self, ticket) -> bool:
        return casefile_selectors.closed_without_answer(ticket)


class AssignmentSerializer(serializers.ModelSerializer):
    """One department's part of a ticket: the lead (主办) or a co-handler (协办), with its dates,
    its feedback and the files given with it, and how it ended."""

    department = DepartmentSerializer(read_only=True)
    feedback_late = serializers.SerializerMethodField(
        help_text=gettext_lazy("A co-handler past its feedback due date without feedback, or that gave it late")
    )
    feedback_attachments = serializers.SerializerMethodField()
    end_note = serializers.SerializerMethodField(help_text=gettext_lazy("The reason written when the co-handling ended"))

    class Meta:
        model = Assignment
        fields = [
            "id", "role", "department", "state", "assigned_at", "response_due_date", "signed_at", "due_date", "first_due_date",
            "contact_due_date", "contacted_at", "note", "feedback", "feedback_at", "feedback_on_time", "feedback_late",
            "feedback_attachments", "ended_at", "end_reason", "end_note",
        ]  # fmt: skip

    def get_feedback_late(self, assignment) -> bool:
        return bool(assignment.is_feedback_late() or assignment.feedback_on_time is False)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_feedback_attachments(self, assignment):
        event = getattr(assignment, "feedback_event", None)
        return AttachmentSerializer(event.attachments.all() if event is not None else [], many=True).data

    def get_end_note(self, assignment) -> str:
        return getattr(assignment, "end_note", None) or ""


class ExtensionRequestSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)
    requested_by = serializers.StringRelatedField()
    assignment = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=gettext_lazy("The assignment whose due date it moves (the lead's or a co-handler's)")
    )

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "ticket",
            "assignment",
            "department",
            "requested_by",
            "current_due_date",
            "requested_due_date",
            "reason",
            "state",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class ReturnRequestSerializer(serializers.ModelSerializer):
    """A department's request to return a ticket (the lead) or to be released (a co-handler), and dispatch's ruling."""

    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    assignment = serializers.PrimaryKeyRelatedField(read_only=True, help_text=gettext_lazy("The assignment that asks"))
    role = serializers.CharField(
        source="assignment.role", read_only=True, help_text=gettext_lazy("lead: a return of the ticket; co: a release from co-handling")
    )
    department = DepartmentSerializer(read_only=True)
    suggested_department = DepartmentSerializer(read_only=True, allow_null=True)
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = ReturnRequest
        fields = [
            "id", "ticket", "assignment", "role", "department", "requested_by", "reason", "suggested_department", "state",
            "decided_by", "decided_at", "decision_reason", "created_at",
        ]  # fmt: skip


class RatingReviewSerializer(serializers.ModelSerializer):
    """A rating review (评价复核): the lead department's request about a 不满意, and supervision's decision."""

    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()
    rating_event = serializers.PrimaryKeyRelatedField(read_only=True, help_text=gettext_lazy("The reopen event that recorded the rating"))
    attachments = serializers.SerializerMethodField(help_text=gettext_lazy("The evidence filed with the request"))

    class Meta:
        model = RatingReview
        fields = [
            "id", "ticket", "rating_event", "department", "requested_by", "reason", "attachments", "state",
            "decided_by", "decided_at", "decision_note", "created_at",
        ]  # fmt: skip

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, review):
        event = review.request_event
        return AttachmentSerializer(event.attachments.all() if event is not None else [], many=True).data


class TicketDetailSerializer(TicketSerializer):
    timeline = EventSerializer(source="events", many=True, read_only=True)
    assignments = serializers.SerializerMethodField(help_text=gettext_lazy("The lead department first, then the co-handlers"))
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True)
    return_requests = ReturnRequestSerializer(many=True, read_only=True)
    rating_review = serializers.SerializerMethodField(help_text=gettext_lazy("The review of its rating (评价复核), or null"))
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + [
            "timeline",
            "assignments",
            "extension_requests",
            "return_requests",
            "rating_review",
            "allowed_transitions",
        ]

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, ticket):
        return AssignmentSerializer(selectors.assignment_rows(ticket), many=True).data

    @extend_schema_field(RatingReviewSerializer(allow_null=True))
    def get_rating_review(self, ticket):
        review = selectors.rating_review_of(ticket)
        return RatingReviewSerializer(review).data if review is not None else None

    def to_representation(self, ticket):
        # The reader sees the contact's people in full or masked (tickets.rules, DESIGN.md §11);
        # the timeline's events read it from the shared context.
        self.context["full_contact"] = personal.sees_ticket_contact(self.context["request"].user, ticket)
        return super().to_representation(ticket)

    def get_allowed_transitions(self, ticket) -> list[str]:
        return allowed_transitions(ticket, self.context["request"].user)


def allowed_transitions(ticket, user):
    return [name for name in TRANSITIONS if name in rules.available_actions(ticket, user)]


AN_ID = {"required": False, "min_value": 1, "max_value": 2**63 - 1}  # the database's id range


class TicketFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    supervision = serializers.ChoiceField(choices=SupervisionLevel.choices, required=False)
    category = serializers.IntegerField(**AN_ID)
    department = serializers.IntegerField(**AN_ID)
    enterprise = serializers.IntegerField(**AN_ID, help_text=gettext_lazy("Company id"))
    due_before = serializers.DateField(required=False, help_text=gettext_lazy("Due on or before this date"))
    due_after = serializers.DateField(required=False, help_text=gettext_lazy("Due on or after this date"))
    q = serializers.CharField(required=False, max_length=100, help_text=gettext_lazy("Reference, title or company"))


class TicketCreateSerializer(serializers.ModelSerializer):
    """What a submission needs. Lengths and choices come from the Ticket model."""

    credit_code = serializers.CharField(
        required=False,
        max_length=18,
        help_text=gettext_lazy("The company's unified social credit code; a company's own users may leave it out."),
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    channel = serializers.ChoiceField(choices=forms.DISPATCH_CHANNELS, required=False)  # as on the page
    files = serializers.ListField(child=serializers.FileField(), required=False, write_only=True)

    class Meta:
        model = Ticket
        fields = ["credit_code", "category", "title", "description", "priority", "channel", "contact_name", "contact_phone", "files"]
        # Left out, the priority is the model's default (normal), as on the page.
        extra_kwargs = {"priority": {"default": Ticket._meta.get_field("priority").get_default()}}

    def validate_credit_code(self, value):
        value = normalize_credit_code(value)
        try:
            validate_credit_code(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value

    def validate_files(self, files):
        services.validate_uploads(files)  # a Django ValidationError: DRF reports it under "files"
        return files

    def validate(self, data):
        user = self.context["request"].user
        data["enterprise"] = self._enterprise(user, data.pop("credit_code", None))
        if "channel" in data and not user.is_dispatcher:
            raise serializers.ValidationError({"channel": [_("Only the dispatch office records the channel of a problem.")]})
        return data

    def _enterprise(self, user, credit_code):
        if not credit_code:
            if user.is_company:
                return user.enterprise
            raise serializers.ValidationError({"credit_code": [_("Give the company's credit code.")]})
        enterprise = Enterprise.objects.filter(credit_code=credit_code).first()
        if enterprise is None or not rules.may_submit_for(user, enterprise.pk):
            # The same words whether the company is unknown or someone else's: no probing.
            raise serializers.ValidationError({"credit_code": [_("No registered company with this credit code that you may submit for.")]})
        return enterprise


def _fingerprint(data):
    """A hash of the submission, so that an Idempotency-Key reused for another request is caught."""
    summary = {key: value.pk if hasattr(value, "pk") else value for key, value in data.items() if key != "files"}
    digest = hashlib.sha256(json.dumps(summary, sort_keys=True, default=str).encode())
    for upload in data.get("files", []):
        digest.update(upload.name.encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()


def _idempotency_key(request):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError({"Idempotency-Key": [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]})
    return key


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a download answer any Accept header (the file is a Django FileResponse, not
    rendered; errors go out as JSON, see AttachmentViewSet.finalize_response)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data)
