"""The integration API under /api/ (Django REST framework): the same selectors and the same
who-sees-what rule as the pages. Read endpoints for now: tickets (list with filters, retrieve
with its timeline), departments and categories."""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, pagination, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from enterprises.models import Department

from . import selectors
from .models import Category, Status, SupervisionLevel, Ticket, TicketEvent


class Page(pagination.CursorPagination):
    """Newest first, by cursor: no COUNT over everything the caller may see (a dispatcher sees
    every ticket), and a platform walking the pages misses nothing while new tickets arrive."""

    ordering = ("-submitted_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "email", "phone"]


class CategorySerializer(serializers.ModelSerializer):
    default_department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "default_department", "response_days", "resolution_days"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["kind", "from_state", "to_state", "note", "actor", "created_at"]


class TicketSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    category = serializers.CharField(source="category.name", read_only=True)
    department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "reference", "title", "description", "priority", "channel", "status", "supervision_level", "enterprise",
            "credit_code", "category", "department", "response_due_date", "due_date", "submitted_at", "assigned_at",
            "signed_at", "resolved_at", "closed_at", "result", "rating",
        ]  # fmt: skip


class TicketDetailSerializer(TicketSerializer):
    timeline = EventSerializer(source="events", many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + ["timeline"]


class TicketFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    supervision = serializers.ChoiceField(choices=SupervisionLevel.choices, required=False)
    category = serializers.IntegerField(required=False, min_value=1)
    department = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Reference, title or company"))


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets the caller may see (the same rule as the pages), newest first."""

    permission_classes = [IsAuthenticated]
    pagination_class = Page
    lookup_field = "reference"

    def get_serializer_class(self):
        return TicketDetailSerializer if self.action == "retrieve" else TicketSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.ticket_detail_queryset(self.request.user)
        filters = TicketFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        return selectors.ticket_list(self.request.user, query=values.pop("q", None), **values)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = DepartmentSerializer
    queryset = Department.objects.filter(is_active=True)
    pagination_class = None


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = CategorySerializer
    queryset = Category.objects.filter(is_active=True).select_related("default_department")
    pagination_class = None
