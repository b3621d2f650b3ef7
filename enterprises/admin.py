from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .models import Department, District, Enterprise, Industry, User


@admin.register(District, Industry)
class OrderedNameAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "district", "size", "contact_name", "contact_phone"]
    list_filter = ["district", "industry", "size"]
    search_fields = ["name", "credit_code", "contact_name"]
    filter_horizontal = ["liaisons"]
    list_select_related = ["industry", "district"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "enterprise", "department", "is_active", "second_factor"]
    list_filter = ["role", "is_active", "department"]
    actions = ["reset_second_factor"]
    search_fields = ["username", "display_name", "email", "enterprise__name"]
    list_select_related = ["enterprise", "department"]
    autocomplete_fields = ["enterprise"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "phone", "enterprise", "department")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "enterprise", "department")}),
    )

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(enrolled))

    @admin.display(description=_("Second factor"), boolean=True, ordering="has_second_factor")
    def second_factor(self, user):
        return user.has_second_factor

    @admin.action(description=_("Reset second factor (the person sets it up again at the next login)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        reset = [user for user in queryset if two_factor.reset(user=user)]
        self.message_user(
            request,
            ngettext(
                "Second factor reset for %(count)d person: they set it up again at their next login.",
                "Second factor reset for %(count)d people: they set it up again at their next login.",
                len(reset),
            )
            % {"count": len(reset)},
        )
