"""The verification calls (回访核实) under /api/verification-calls/: a month's list and the
caller's answer, through the same selectors, forms and service as the callers' page."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from tickets import rules, selectors, services
from tickets.api.errors import decide, form_errors
from tickets.models import VerificationCall
from tickets.selectors.lookup import visible_or_404
from tickets.web.call_forms import VerificationAnswerForm, VerificationMonthForm


class VerificationCallSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True, help_text=gettext_lazy("The month the ticket closed in (YYYY-MM)"))
    caller = serializers.StringRelatedField()

    class Meta:
        model = VerificationCall
        fields = ["id", "ticket", "month", "state", "caller", "called_at", "said"]


class VerificationAnswerArguments(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["confirmed", "disagreed"], help_text=gettext_lazy("“disagreed” reopens the ticket"))
    said = serializers.CharField(max_length=2000, help_text=gettext_lazy("What the company said on the phone"))


class VerificationCallViewSet(viewsets.GenericViewSet):
    """Verification calls, for the callers (dispatch, supervision, follow-up callers)."""

    permission_classes = [IsAuthenticated]
    queryset = VerificationCall.objects.none()
    serializer_class = VerificationAnswerArguments  # what OPTIONS describes for the POST

    def _require_caller(self):
        if not rules.may_call(self.request.user):
            raise exceptions.PermissionDenied(
                _("Only the dispatch office, the supervision office and follow-up callers record calls with companies.")
            )

    @extend_schema(
        summary="A month's verification calls, those still to make first",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (default: the latest month drawn)")],
        responses={200: VerificationCallSerializer(many=True)},
    )
    def list(self, request):
        self._require_caller()
        form = VerificationMonthForm(request.query_params)
        if not form.is_valid():
            raise form_errors(form)
        months = selectors.verification_months(request.user)
        month = form.cleaned_data["month"] or (months[0] if months else None)
        calls = selectors.verification_list(request.user, month) if month else VerificationCall.objects.none()
        return Response(VerificationCallSerializer(calls, many=True).data)

    @extend_schema(
        summary="Record the company's answer to a verification call",
        description="One answer per call: a second one is refused with 409 (code `conflict`), naming who recorded it.",
        request=VerificationAnswerArguments,
        responses={200: VerificationCallSerializer},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        self._require_caller()
        call = visible_or_404(lambda: selectors.visible_verification_call(request.user, pk))
        recorded = decide(
            VerificationAnswerArguments,
            VerificationAnswerForm,
            request.data,
            lambda data: services.verification_record(
                call=call, by=request.user, confirmed=data["answer"] == "confirmed", said=data["said"]
            ),
        )
        return Response(VerificationCallSerializer(recorded).data)
