"""The leadership report (DESIGN.md §5) as JSON: what tickets.reports.dashboard() returns, for the
same period and filters as the dashboard page (parsed by its form), for the same roles."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import access, reports, rules
from tickets.api.errors import form_errors
from tickets.models import AccessKind
from tickets.selectors.assessment import frozen_dashboard
from tickets.web.report_form import ReportForm


class CanViewReports(BasePermission):
    """The roles that may open the dashboard page."""

    def has_permission(self, request, view):
        return rules.may_view_reports(request.user)


class RateField(serializers.DecimalField):
    """A rate (an exact Fraction in the figures) rounded once, half-up, to the field's places."""

    def to_representation(self, value):
        return super().to_representation(reports.rounded(value, places=self.decimal_places))


class FiguresSerializer(serializers.Serializer):
    """The report's figures (DESIGN.md §5 and §8): every count, the rates computed from them, the
    handling time. co_due and co_on_time count co assignments: in a department row, those of that
    co-handling department."""

    def get_fields(self):
        fields = {name: serializers.IntegerField() for name in reports.COUNTS}
        for rate, (numerator, denominator) in reports.RATES.items():
            fields[rate] = RateField(
                max_digits=5, decimal_places=4, min_value=Decimal(0), max_value=Decimal(1), coerce_to_string=False, allow_null=True,
                help_text=_(
                    "%(numerator)s / %(denominator)s, from 0 to 1, rounded once (half-up) from the exact fraction to 4 places; "
                    "null when %(denominator)s is 0. For a percentage, divide the two counts: rounding this value again can be "
                    "0.1 point off (6/11 is 0.5455 here and 54.5%% on the dashboard)."
                ) % {"numerator": numerator, "denominator": denominator},
            )  # fmt: skip
        days, resolved = reports.HANDLING_TIME
        fields["handling_time"] = serializers.DecimalField(
            max_digits=9, decimal_places=1, coerce_to_string=False, allow_null=True,
            help_text=_("%(numerator)s / %(denominator)s in working days, one decimal; null when %(denominator)s is 0")
            % {"numerator": days, "denominator": resolved},
        )  # fmt: skip
        return {**super().get_fields(), **fields}


class BreakdownRowSerializer(FiguresSerializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")


class RankingRowSerializer(BreakdownRowSerializer):
    rank = serializers.IntegerField(help_text=_("By closure rate, then on-time rate; equal rates share a rank"))
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, required=False,
        help_text=_("A frozen month's assessment score out of 100; null for a period"),
    )  # fmt: skip
    assessment_group = serializers.CharField(allow_null=True, required=False, help_text=_("The assessment group; null for a period"))
    group_rank = serializers.IntegerField(
        allow_null=True, required=False, help_text=_("The rank in the assessment group; null for a period")
    )


class MonthRowSerializer(FiguresSerializer):
    month = serializers.DateField(source="key", help_text=_("First day of the month of submission"))


class FrozenSerializer(serializers.Serializer):
    month = serializers.DateField()
    edition = serializers.IntegerField()
    frozen_at = serializers.DateTimeField()
    scheme = serializers.DateField(help_text=_("valid_from of the assessment scheme version the month was scored with"))
    reason = serializers.CharField(help_text=_("Why this corrected edition was issued; empty for edition 1"))


class ReportSerializer(serializers.Serializer):
    frozen = FrozenSerializer(allow_null=True, required=False, help_text=_("The frozen month read (month=YYYY-MM); null for a period"))
    start = serializers.DateField(source="figures.start")
    end = serializers.DateField(source="figures.end")
    as_of = serializers.DateTimeField(source="figures.as_of")
    figures = FiguresSerializer()
    ranking = RankingRowSerializer(many=True, help_text=_("Departments that accepted tickets of the period"))
    co_handling_only = BreakdownRowSerializer(
        many=True,
        help_text=_(
            "Departments that co-handled tickets of the period without accepting any as the lead department: not ranked; "
            "their co assignments are counted in co_due, co_on_time and co_feedback_rate"
        ),
    )
    category = BreakdownRowSerializer(many=True)
    district = BreakdownRowSerializer(many=True)
    industry = BreakdownRowSerializer(many=True)
    month = MonthRowSerializer(many=True)


PERIOD_HELP = _(
    "month, quarter or year (each up to today), or custom (start and end). Default: custom when start or end is given, else year."
)


MONTH_HELP = _(
    "A frozen month (YYYY-MM, DESIGN.md §10): its figures as frozen, read from the frozen rows, for the whole city; "
    "the period and the filters are not given with it. The response's `frozen` says which edition."
)


def _parameter(name, field):
    """The OpenAPI query parameter for one field of the dashboard's form."""
    if isinstance(field, forms.ModelChoiceField):
        return OpenApiParameter(name, OpenApiTypes.INT, description=field.label)
    if isinstance(field, forms.DateField):
        return OpenApiParameter(name, OpenApiTypes.DATE, description=field.label)
    if name == "month":
        return OpenApiParameter(name, OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$", description=MONTH_HELP)
    return OpenApiParameter(name, OpenApiTypes.STR, enum=[value for value, _label in field.choices], description=PERIOD_HELP)


class ReportView(APIView):
    """The leadership report over the tickets submitted in the period, as they stand now, or of a
    frozen month as frozen (month=YYYY-MM): headline figures, department ranking, breakdowns by
    category, district, industry and month."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(
        summary="The leadership report",
        parameters=[_parameter(name, field) for name, field in ReportForm.base_fields.items()],
        responses=ReportSerializer,
    )
    def get(self, request):
        form = ReportForm(request.query_params.dict())
        if not form.is_valid():
            raise form_errors(form)
        month = form.frozen_month()
        if month is not None:
            data = ReportSerializer(frozen_dashboard(month)).data
            access.record(request, AccessKind.REPORT, detail=f"api frozen {month:%Y-%m}")
            return Response(data)
        args = form.report_args()
        data = ReportSerializer(reports.dashboard(**args) | {"frozen": None}).data
        access.record(request, AccessKind.REPORT, detail=f"api {args['start']:%Y-%m-%d}–{args['end']:%Y-%m-%d}")
        return Response(data)
