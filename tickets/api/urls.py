from django.urls import include, path, re_path
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tickets.api import calls, enterprises, errors, reports, tickets


class VerifiedSessionScheme(SessionScheme):
    """The schema's "cookieAuth" for the session sign-in with its second factor (tickets.api.authentication).
    Here, not there: DRF imports that module while its own views are loading."""

    target_class = "tickets.api.authentication.VerifiedSessionAuthentication"


router = DefaultRouter()
router.register("tickets", tickets.TicketViewSet, basename="api-ticket")
router.register("departments", tickets.DepartmentViewSet, basename="api-department")
router.register("categories", tickets.CategoryViewSet, basename="api-category")
router.register("enterprises", enterprises.EnterpriseViewSet, basename="api-enterprise")
router.register("attachments", tickets.AttachmentViewSet, basename="api-attachment")
router.register("extension-requests", tickets.ExtensionRequestViewSet, basename="api-extension-request")
router.register("return-requests", tickets.ReturnRequestViewSet, basename="api-return-request")
router.register("verification-calls", calls.VerificationCallViewSet, basename="api-verification-call")
router.register("rating-reviews", tickets.RatingReviewViewSet, basename="api-rating-review")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script from ?script, not inline: the Content-Security-Policy
    # runs no inline script (and the template has no inline style).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"), name="api-docs"),
    path("reports/", reports.ReportView.as_view(), name="api-reports"),
    path("", include(router.urls)),
    re_path(r"", errors.not_found),
]
