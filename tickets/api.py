"""The integration API under /api/ (Django REST framework): the same selectors, the same
who-sees-what rule, the same forms and the same services as the pages, so that a ticket moved
through the API obeys every rule a ticket moved on a page does."""

import hashlib
import json

from django import forms as django_forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, pagination, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from enterprises.models import Department, Enterprise
from enterprises.validators import normalize_credit_code, validate_credit_code

from . import actions, selectors, services
from .api_errors import ApiError, form_errors, refused
from . import forms
from .forms import MultipleFileField
from .models import Attachment, Category, ExtensionRequest, Status, SupervisionLevel, Ticket, TicketEvent
from .views import attachment_response

# The transitions of DESIGN.md §3 a person can take (auto_close is the system's), and the
# supervisor's raise of the supervision level; names as in available_actions().
TRANSITIONS = ("assign", "reject", "sign", "return_to_dispatch", "resolve", "confirm", "reopen", "supervise")

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


class CategorySerializer(serializers.ModelSerializer):
    default_department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "default_department", "response_days", "resolution_days"]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "created_at", "download"]

    def get_download(self, attachment) -> str:
        return reverse("api-attachment-detail", args=[attachment.pk])


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["kind", "from_state", "to_state", "note", "actor", "created_at", "attachments"]


class TicketSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    category = serializers.CharField(source="category.name", read_only=True)
    department = DepartmentSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "reference", "title", "description", "priority", "channel", "status", "supervision_level", "enterprise",
            "credit_code", "category", "department", "response_due_date", "due_date", "submitted_at", "assigned_at",
            "signed_at", "resolved_at", "closed_at", "result", "rating",
        ]  # fmt: skip


class ExtensionRequestSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)
    requested_by = serializers.StringRelatedField()

    class Meta:
        model = ExtensionRequest
        fields = ["id", "ticket", "department", "requested_by", "current_due_date", "requested_due_date", "reason", "state", "decided_at", "decision_note", "created_at"]


class TicketDetailSerializer(TicketSerializer):
    timeline = EventSerializer(source="events", many=True, read_only=True)
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + ["timeline", "extension_requests", "allowed_transitions"]

    def get_allowed_transitions(self, ticket) -> list[str]:
        return allowed_transitions(ticket, self.context["request"].user)


def allowed_transitions(ticket, user):
    return [name for name in TRANSITIONS if name in services.available_actions(ticket, user)]


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
            raise serializers.ValidationError(error.messages)
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
        if enterprise is None or not user.may_submit_for(enterprise.pk):
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


# --------------------------------------------------------------------------------------------
# Transition arguments: the page's form for each action, described for machines
# --------------------------------------------------------------------------------------------


def _argument_field(field):
    """The API field for a form field: types and lengths for the schema and a strict type check
    (a list where a text belongs is refused, not turned into text); the form still decides."""
    common = {"required": field.required, "label": field.label, "help_text": field.help_text or None}
    if isinstance(field, MultipleFileField):
        return serializers.ListField(child=serializers.FileField(), required=False, help_text=field.help_text)
    if isinstance(field, django_forms.ModelChoiceField):
        return serializers.PrimaryKeyRelatedField(queryset=field.queryset, **common)
    if isinstance(field, django_forms.ChoiceField):
        return serializers.ChoiceField(choices=[(value, label) for value, label in field.choices if value], **common)
    if isinstance(field, django_forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, django_forms.CharField):
        return serializers.CharField(max_length=field.max_length, allow_blank=not field.required, **common)
    raise TypeError(f"No API field for {type(field).__name__}")


def _arguments_serializer(form, class_name, doc):
    fields = {field_name: _argument_field(field) for field_name, field in (form.fields.items() if form else [])}
    return type(class_name, (serializers.Serializer,), {**fields, "__doc__": str(doc)})


def _action_arguments(name):
    spec = actions.BY_NAME[name]
    class_name = "".join(part.title() for part in name.split("_")) + "Arguments"
    return _arguments_serializer(actions.unbound_form(spec, None, None), class_name, spec.summary)


ARGUMENTS = {name: _action_arguments(name) for name in (*TRANSITIONS, "comment", "request_extension")}
DecisionArguments = _arguments_serializer(forms.ExtensionDecisionForm(), "ExtensionDecisionArguments", gettext_lazy("Decide an extension request"))


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a download answer any Accept header (the file is a Django FileResponse, not
    rendered; errors go out as JSON, see AttachmentViewSet.finalize_response)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data)


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
        return super().retrieve(request, *args, **kwargs)

    def _detail(self, ticket, status_code=status.HTTP_200_OK, headers=None):
        try:
            fresh = selectors.ticket_detail_queryset(self.request.user).get(pk=ticket.pk)
        except Ticket.DoesNotExist:  # a replayed submission for a company the caller no longer speaks for
            raise Http404
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
        if not request.user.can_submit:
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
            raise refused(error)
        headers = {"Location": reverse("api-ticket-detail", args=[ticket.reference])}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return self._detail(ticket, status.HTTP_201_CREATED, headers)

    @extend_schema(
        summary="Take a transition",
        description=(
            "One of: " + ", ".join(f"`{name}`" for name in TRANSITIONS) + ". The body holds the transition's "
            "arguments (JSON, or multipart/form-data to attach `files` to `resolve`). A transition this user may not "
            "take on this ticket now is refused with 409 and the `allowed` ones."
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
                code="unknown_transition", status_code=status.HTTP_404_NOT_FOUND, allowed=allowed_transitions(ticket, request.user),
            )
        return self._detail(self._take(ticket, name))

    @extend_schema(
        methods=["GET"], summary="The ticket's attachments", responses={200: AttachmentSerializer(many=True)}
    )
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

    def _visible_ticket(self, reference):
        try:
            return selectors.ticket_for_action(self.request.user, reference)
        except Ticket.DoesNotExist:
            raise Http404

    def _take(self, ticket, name):
        """Validate the arguments with the action's form and run its service: what the page's
        POST does, with the answers in JSON."""
        user = self.request.user
        if name not in services.available_actions(ticket, user):
            raise ApiError(
                _("“%(name)s” is not possible on this ticket now (status “%(status)s”).") % {"name": name, "status": ticket.get_status_display()},
                code="transition_not_allowed", status_code=status.HTTP_409_CONFLICT, allowed=allowed_transitions(ticket, user),
            )
        ARGUMENTS[name](data=self.request.data).is_valid(raise_exception=True)
        spec = actions.BY_NAME[name]
        form = spec.make_form(self.request.data, self.request.FILES, ticket, user) if spec.make_form else None
        if form is not None and not form.is_valid():
            raise form_errors(form)
        try:
            return spec.run(ticket, user, form.cleaned_data if form is not None else {})
        except services.ActionRefused as error:
            raise refused(error)


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
        try:
            extension = selectors.visible_extension_request(request.user, pk)
        except (ExtensionRequest.DoesNotExist, ValueError):
            raise Http404
        DecisionArguments(data=request.data).is_valid(raise_exception=True)
        form = forms.ExtensionDecisionForm(request.data)
        if not form.is_valid():
            raise form_errors(form)
        try:
            decided = services.extension_decide(
                request=extension, by=request.user, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
            )
        except services.ActionRefused as error:
            raise refused(error)
        return Response(ExtensionRequestSerializer(decided).data)


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
        try:
            attachment = selectors.visible_attachment(request.user, pk)
        except (Attachment.DoesNotExist, ValueError):
            raise Http404
        return attachment_response(attachment)


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
    queryset = Category.objects.filter(is_active=True).select_related("default_department")
    pagination_class = None
