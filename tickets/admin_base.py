"""What the admin pages of this app share: a list of records nobody adds, changes or deletes here
(they are written by the services: the timeline, deliveries, frozen months…)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
