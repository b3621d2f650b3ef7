from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from enterprises import api as enterprises_api

from . import api, api_errors, api_reports

router = DefaultRouter()
router.register("tickets", api.TicketViewSet, basename="api-ticket")
router.register("departments", api.DepartmentViewSet, basename="api-department")
router.register("categories", api.CategoryViewSet, basename="api-category")
router.register("enterprises", enterprises_api.EnterpriseViewSet, basename="api-enterprise")
router.register("attachments", api.AttachmentViewSet, basename="api-attachment")
router.register("extension-requests", api.ExtensionRequestViewSet, basename="api-extension-request")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("reports/", api_reports.ReportView.as_view(), name="api-reports"),
    path("", include(router.urls)),
    re_path(r"", api_errors.not_found),
]
