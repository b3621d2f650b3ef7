from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

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
    list_display = ["username", "display_name", "role", "enterprise", "department", "is_active"]
    list_filter = ["role", "is_active", "department"]
    search_fields = ["username", "display_name", "email", "enterprise__name"]
    list_select_related = ["enterprise", "department"]
    autocomplete_fields = ["enterprise"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "phone", "enterprise", "department")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "enterprise", "department")}),
    )
