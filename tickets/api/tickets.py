"""The integration API under /api/ (Django REST framework): the same selectors, the same
who-sees-what rule, the same forms and the same services as the pages, so that a ticket moved
through the API obeys every rule a ticket moved on a page does."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from enterprises.models import Department
from tickets import access, rules, selectors, services
from tickets.api.arguments import ARGUMENTS, DecisionArguments, RatingReviewDecisionArguments, ReturnDecisionArguments
from tickets.api.errors import ApiError, decide, form_errors, refused
from tickets.api.serializers import (
    TRANSITIONS,
    WITH_FILES,
    AttachmentSerializer,
    CategorySerializer,
    DepartmentSerializer,
    EventSerializer,
    ExtensionRequestSerializer,
    Page,
    PassthroughRenderer,
    RatingReviewSerializer,
    ReturnRequestSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketFilters,
    TicketSerializer,
    _fingerprint,
    _idempotency_key,
    allowed_transitions,
)
from tickets.models import AccessKind, Attachment, Category, ExtensionRequest, RatingReview, ReturnRequest
from tickets.selectors.lookup import visible_or_404
from tickets.web import actions, request_forms
from tickets.web.downloads import attachment_response

# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets the caller may see (the same rule as the pages), newest first."""

    permission_classes = [IsAuthenticated]
    pagination_class = Page
    lookup_field = "reference"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_serializer_class(self):
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    def get_queryset(self):
        if self.action != "list":
            return selectors.ticket_detail_queryset(self.request.user)
        filters = TicketFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        return selectors.ticket_list(self.request.user, query=values.pop("q", None), **values)

    @extend_schema(summary="Tickets you may see", parameters=[TicketFilters])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="A ticket with its timeline", responses=TicketDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        access.record(request, AccessKind.TICKET, ticket_id=ticket.pk, enterprise_id=ticket.enterprise_id)
        return Response(self.get_serializer(ticket).data)

    def _detail(self, ticket, status_code=status.HTTP_200_OK, headers=None):
        # 404 for a replayed submission of a company the caller no longer speaks for.
        fresh = visible_or_404(lambda: selectors.ticket_detail_queryset(self.request.user).get(pk=ticket.pk))
        return Response(TicketDetailSerializer(fresh, context={"request": self.request}).data, status=status_code, headers=headers)

    @extend_schema(
        summary="Submit a problem",
        description=(
            "JSON, or multipart/form-data with `files`. Send an `Idempotency-Key` header (a UUID, say) to make a "
            "retry safe: the same key with the same request returns the ticket the first one created "
            "(with `Idempotent-Replayed: true`); the same key with a different request is refused (409)."
        ),
        request=TicketCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: TicketDetailSerializer},
    )
    def create(self, request):
        if not rules.may_submit(request.user):
            raise exceptions.PermissionDenied(_("Your role cannot submit problems."))
        key = _idempotency_key(request)
        submission = TicketCreateSerializer(data=request.data, context={"request": request})
        submission.is_valid(raise_exception=True)
        data = dict(submission.validated_data)
        try:
            if key is None:
                ticket, created = services.ticket_submit(by=request.user, **data), True
            else:
                ticket, created = services.ticket_submit_once(key=key, fingerprint=_fingerprint(data), by=request.user, **data)
        except services.ActionRefused as error:
            raise refused(error) from error
        headers = {"Location": reverse("api-ticket-detail", args=[ticket.reference])}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return self._detail(ticket, status.HTTP_201_CREATED, headers)

    @extend_schema(
        summary="Take a transition",
        description=(
            "One of: " + ", ".join(f"`{name}`" for name in TRANSITIONS) + ". The body holds the transition's "
            "arguments (JSON, or multipart/form-data to attach `files` to " + " and ".join(f"`{name}`" for name in WITH_FILES) + "). "
            "A transition this user may not take on this ticket now is refused with 409 and the `allowed` ones. "
            "`resolve` while a co-handling department has not given its feedback needs `override_reason`; without it, "
            "400 with the code `co_feedback_missing`, naming the departments missing."
        ),
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=TRANSITIONS)],
        request=PolymorphicProxySerializer("TransitionArguments", [ARGUMENTS[name] for name in TRANSITIONS], resource_type_field_name=None),
        responses={200: TicketDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[^/]+)")
    def transition(self, request, reference, name):
        ticket = self._visible_ticket(reference)
        if name not in TRANSITIONS:
            raise ApiError(
                _("There is no transition “%(name)s”.") % {"name": name[:50]},
                code="unknown_transition",
                status_code=status.HTTP_404_NOT_FOUND,
                allowed=allowed_transitions(ticket, request.user),
            )
        self._take(ticket, name)  # the co-handling services return the assignment or the event, not the ticket
        return self._detail(ticket)

    @extend_schema(methods=["GET"], summary="The ticket's attachments", responses={200: AttachmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        summary="Attach files (with an optional note)",
        description="multipart/form-data: `files` (one or more) and `text`. Allowed to those who may add notes to the ticket.",
        request={"multipart/form-data": ARGUMENTS["comment"]},
        responses={201: EventSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def attachments(self, request, reference):
        ticket = self._visible_ticket(reference)
        if request.method == "GET":
            return Response(AttachmentSerializer(ticket.attachments.order_by("created_at", "id"), many=True).data)
        if not request.FILES.getlist("files"):
            raise exceptions.ValidationError({"files": [_("Attach at least one file.")]})
        return Response(EventSerializer(self._take(ticket, "comment")).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a progress note",
        request=ARGUMENTS["comment"],
        responses={201: EventSerializer},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, reference):
        ticket = self._visible_ticket(reference)
        return Response(EventSerializer(self._take(ticket, "comment")).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ask for more time (the holding department)",
        request=ARGUMENTS["request_extension"],
        responses={201: ExtensionRequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="extension-requests")
    def extension_requests(self, request, reference):
        ticket = self._visible_ticket(reference)
        made = self._take(ticket, "request_extension")
        return Response(ExtensionRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ask dispatch to take the ticket back, or to be released from co-handling (退单申请)",
        description=(
            "The lead department asks to return the ticket to dispatch; a co-handling department asks to be released. "
            "Allowed within RETURN_WINDOW_WORKING_DAYS working days of the assignment (after that, 409 `window_closed`, "
            "saying until when it was possible), one pending request per assignment (409 `conflict`). Dispatch rules on it "
            "with POST /api/return-requests/{id}/decision/; until then nothing moves and the due date runs on."
        ),
        request=ARGUMENTS["return_to_dispatch"],
        responses={201: ReturnRequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return-requests")
    def return_requests(self, request, reference):
        ticket = self._visible_ticket(reference)
        ARGUMENTS["return_to_dispatch"](data=request.data).is_valid(raise_exception=True)
        form = request_forms.ReturnRequestForm(request.data, ticket=ticket, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        try:  # the service makes every check, each with its own message (window, pending, who)
            made = services.return_request_file(
                ticket=ticket, by=request.user, reason=form.cleaned_data["reason"],
                suggested_department=form.cleaned_data["suggested_department"],
            )  # fmt: skip
        except services.ActionRefused as error:
            raise refused(error) from error
        return Response(ReturnRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a follow-up call (回访: dispatch, supervision, follow-up callers)",
        description=(
            "On a resolved ticket: what the company said on the phone (`said`) and its answer, `decision` `confirm` "
            "(with `rating` satisfied or basically_satisfied: the ticket closes) or `reopen` (不满意: back to the "
            "department under at least yellow supervision). The timeline records the caller and `channel` phone."
        ),
        request=ARGUMENTS["record_call"],
        responses={200: TicketDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def calls(self, request, reference):
        ticket = self._visible_ticket(reference)
        self._take(ticket, "record_call")
        return self._detail(ticket)

    @extend_schema(
        summary="Ask for a review of a “dissatisfied” rating (the lead department, 评价复核)",
        description=(
            "JSON, or multipart/form-data with `files` (the evidence). Within RATING_APPEAL_WORKING_DAYS working days of "
            "the 不满意; one review per ticket. Too late: 409 with the code `too_late` and the last day in the message."
        ),
        request=ARGUMENTS["request_rating_review"],
        responses={201: RatingReviewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rating-reviews")
    def rating_reviews(self, request, reference):
        ticket = self._visible_ticket(reference)
        made = self._take(ticket, "request_rating_review")
        return Response(RatingReviewSerializer(made).data, status=status.HTTP_201_CREATED)

    def _visible_ticket(self, reference):
        return visible_or_404(lambda: selectors.ticket_for_action(self.request.user, reference))

    def _take(self, ticket, name):
        """Validate the arguments with the action's form and run its service: what the page's
        POST does, with the answers in JSON."""
        user = self.request.user
        if name not in rules.available_actions(ticket, user):
            why_not = actions.BY_NAME[name].why_not
            refusal = why_not(ticket, user) if why_not else None
            if refusal is not None:  # the action's own reason, in its words (a review asked too late: until when)
                raise refused(refusal)
            raise ApiError(
                _("“%(name)s” is not possible on this ticket now (status “%(status)s”).")
                % {"name": name, "status": ticket.get_status_display()},
                code="transition_not_allowed",
                status_code=status.HTTP_409_CONFLICT,
                allowed=allowed_transitions(ticket, user),
            )
        ARGUMENTS[name](data=self.request.data).is_valid(raise_exception=True)
        spec = actions.BY_NAME[name]
        form = spec.make_form(self.request.data, self.request.FILES, ticket, user) if spec.make_form else None
        if form is not None and not form.is_valid():
            raise form_errors(form)
        try:
            return spec.run(ticket, user, form.cleaned_data if form is not None else {})
        except services.ActionRefused as error:
            raise refused(error, spec.refusal_field(error.code)) from error


class ExtensionRequestViewSet(viewsets.GenericViewSet):
    """Extension requests of tickets the caller may see."""

    permission_classes = [IsAuthenticated]
    queryset = ExtensionRequest.objects.none()
    serializer_class = DecisionArguments  # what OPTIONS describes for the POST

    @extend_schema(
        summary="Approve or refuse an extension request (dispatch or supervision office)",
        request=DecisionArguments,
        responses={200: ExtensionRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        extension = visible_or_404(lambda: selectors.visible_extension_request(request.user, pk))
        decided = decide(
            DecisionArguments,
            request_forms.ExtensionDecisionForm,
            request.data,
            lambda data: services.extension_decide(
                request=extension, by=request.user, approve=data["decision"] == "approve", note=data["note"]
            ),
        )
        return Response(ExtensionRequestSerializer(decided).data)


class ReturnRequestViewSet(viewsets.GenericViewSet):
    """Return requests of tickets the caller may see."""

    permission_classes = [IsAuthenticated]
    queryset = ReturnRequest.objects.none()
    serializer_class = ReturnDecisionArguments  # what OPTIONS describes for the POST

    @extend_schema(
        summary="Rule on a return request (dispatch office): upheld or overruled",
        description=(
            "`upheld`: the ticket returns to dispatch (the return_to_dispatch transition, taken by you), or the co-handler is "
            "released. `overruled` needs a `reason`; the ticket stays, its due date unchanged. A request already ruled on: "
            "409 `conflict`."
        ),
        request=ReturnDecisionArguments,
        responses={200: ReturnRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        pending = visible_or_404(lambda: selectors.visible_return_request(request.user, pk))
        ruled = decide(
            ReturnDecisionArguments,
            request_forms.ReturnDecisionForm,
            request.data,
            lambda data: services.return_request_decide(
                request=pending, by=request.user, uphold=data["decision"] == "upheld", reason=data["reason"]
            ),
        )
        ruled = ReturnRequest.objects.select_related("assignment", "department", "suggested_department", "requested_by", "decided_by").get(
            pk=ruled.pk
        )
        return Response(ReturnRequestSerializer(ruled).data)


class RatingReviewViewSet(viewsets.GenericViewSet):
    """Rating reviews of tickets the caller may see."""

    permission_classes = [IsAuthenticated]
    queryset = RatingReview.objects.none()
    serializer_class = RatingReviewDecisionArguments  # what OPTIONS describes for the POST

    @extend_schema(
        summary="Uphold or refuse a rating review (the supervision office)",
        description=(
            "`uphold`: the rating stays on record but leaves the satisfaction rate; `refuse` (a `note` is required): it stands. "
            "Decided already (also by someone at the same moment): 409 `conflict`."
        ),
        request=RatingReviewDecisionArguments,
        responses={200: RatingReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        review = visible_or_404(lambda: selectors.visible_rating_review(request.user, pk))
        decided = decide(
            RatingReviewDecisionArguments,
            request_forms.RatingReviewDecisionForm,
            request.data,
            lambda data: services.rating_review_decide(
                review=review, by=request.user, uphold=data["decision"] == "uphold", note=data["note"]
            ),
        )
        return Response(RatingReviewSerializer(decided).data)


class AttachmentViewSet(viewsets.GenericViewSet):
    """A file, for whoever may see its ticket."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, PassthroughRenderer]
    queryset = Attachment.objects.none()

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # an error body: JSON, whatever the client accepts
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Download an attachment",
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    def retrieve(self, request, pk=None):
        attachment = visible_or_404(lambda: selectors.visible_attachment(request.user, pk))
        response = attachment_response(attachment)
        access.record(request, AccessKind.ATTACHMENT, ticket_id=attachment.ticket_id, detail=attachment.original_name)
        return response


@extend_schema_view(list=extend_schema(summary="Active departments"), retrieve=extend_schema(summary="A department"))
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = DepartmentSerializer
    queryset = Department.objects.filter(is_active=True)
    pagination_class = None


@extend_schema_view(list=extend_schema(summary="Active categories"), retrieve=extend_schema(summary="A category"))
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = CategorySerializer
    queryset = Category.objects.filter(is_active=True).select_related("default_department").prefetch_related("deadline_profiles")
    pagination_class = None
