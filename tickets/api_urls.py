from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("tickets", api.TicketViewSet, basename="api-ticket")
router.register("departments", api.DepartmentViewSet, basename="api-department")
router.register("categories", api.CategoryViewSet, basename="api-category")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
