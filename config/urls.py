from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

# The admin speaks the product's name (its header, its browser title), not "Django administration".
admin.site.site_header = _("Enterprise Issue Resolution System")
admin.site.site_title = _("Enterprise Issue Resolution System")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("tickets.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tickets.web.urls")),
]
