"""Companies in the integration API: the list and each company's case file (一企一档), read
through the same selectors and under the same who-sees-what rule as the pages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from enterprises.models import Enterprise
from tickets import access, personal, selectors
from tickets.api.serializers import EventSerializer, Page, TicketSerializer
from tickets.casefile import selectors as casefile_selectors
from tickets.models import AccessKind, Status
from tickets.selectors.lookup import visible_or_404


class EnterprisePage(Page):
    """By name, by cursor (no COUNT over every company a dispatcher sees)."""

    ordering = ("name", "id")


class EnterpriseSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name", read_only=True)
    industry = serializers.CharField(source="industry.name", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "district", "industry", "size"]


class EnterpriseListSerializer(EnterpriseSerializer):
    ticket_count = serializers.IntegerField(read_only=True, help_text=_("Tickets of the company that you may see"))
    has_open = serializers.BooleanField(read_only=True, help_text=_("Whether one of them is still open"))

    class Meta(EnterpriseSerializer.Meta):
        fields = EnterpriseSerializer.Meta.fields + ["ticket_count", "has_open"]


class EnterpriseDetailSerializer(EnterpriseSerializer):
    # Personal data (DESIGN.md §11): in full for the company, its liaisons and dispatch, masked
    # (王*, 138****1234) for every other reader: `full_contact` in the context, from the case file.
    contact_name = serializers.SerializerMethodField(help_text=_("The contact person (masked unless you may see it)"))
    contact_phone = serializers.SerializerMethodField(help_text=_("Their phone (masked unless you may see it)"))
    contact_email = serializers.SerializerMethodField(help_text=_("E-mail address, or empty (masked unless you may see it)"))
    liaisons = serializers.StringRelatedField(many=True, read_only=True)

    class Meta(EnterpriseSerializer.Meta):
        fields = EnterpriseSerializer.Meta.fields + ["address", "contact_name", "contact_phone", "contact_email", "liaisons"]

    def _contact(self, enterprise):
        return personal.company_contact(enterprise, full=bool(self.context.get("full_contact")))

    def get_contact_name(self, enterprise) -> str:
        return self._contact(enterprise).name

    def get_contact_phone(self, enterprise) -> str:
        return self._contact(enterprise).phone

    def get_contact_email(self, enterprise) -> str:
        return self._contact(enterprise).email


class StatusCountsSerializer(serializers.Serializer):
    """Tickets per status, every status present (0 when none)."""

    def get_fields(self):
        return {status: serializers.IntegerField(default=0) for status in Status.values}


class CaseFileTicketSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        fields = [
            "reference", "title", "priority", "status", "supervision_level", "category", "department",
            "due_date", "submitted_at", "resolved_at", "closed_at", "rating", "closed_without_answer",
        ]  # fmt: skip


class CaseFileEventSerializer(EventSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)

    class Meta(EventSerializer.Meta):
        fields = ["ticket"] + EventSerializer.Meta.fields


class CaseFileSerializer(serializers.Serializer):
    """A company's case file (一企一档): the company; the status counts, tickets and merged timeline
    of its tickets that you may see."""

    enterprise = EnterpriseDetailSerializer()
    counts = StatusCountsSerializer()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    # Counted as the leadership report counts them (tickets.reports: each ticket's latest rating).
    satisfied = serializers.IntegerField(help_text=_("Latest rating satisfied or basically satisfied"))
    rated = serializers.IntegerField(help_text=_("Tickets with a rating (no answer is not a rating)"))
    tickets = CaseFileTicketSerializer(many=True)
    timeline = CaseFileEventSerializer(many=True, help_text=_("Events of these tickets, newest first, at most timeline_limit"))
    timeline_limit = serializers.IntegerField()


class EnterpriseFilters(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text=_("Company name or credit code"))


@extend_schema_view(
    list=extend_schema(summary="Companies you may see", parameters=[EnterpriseFilters]),
    retrieve=extend_schema(
        summary="A company's case file (一企一档)",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses=CaseFileSerializer,
    ),
)
class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Companies whose case file you may open (the same rule as the pages), by name; one company's
    case file by its id."""

    permission_classes = [IsAuthenticated]
    pagination_class = EnterprisePage
    serializer_class = EnterpriseListSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        filters = EnterpriseFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.enterprise_list(self.request.user, filters.validated_data.get("q"))

    def retrieve(self, request, pk):
        case_file = visible_or_404(lambda: casefile_selectors.enterprise_case_file(request.user, pk), _("No such company."))
        access.record(request, AccessKind.CASE_FILE, enterprise_id=case_file.enterprise.pk)
        return Response(CaseFileSerializer(case_file, context={"full_contact": case_file.full_contact}).data)
