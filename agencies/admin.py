from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect

from agencies.models import Agency, Area, MachineToken, Station, Unit, User
from agencies.services import unit_in_use_reasons


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "regency"]
    list_filter = ["level", "regency"]
    search_fields = ["code", "name", "alt_name"]
    exclude = ["geometry"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "kind", "regencies", "is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "agency", "area", "position_quality"]
    list_filter = ["kind", "agency", "position_quality"]
    search_fields = ["name", "address"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["call_sign", "agency", "station", "kind", "status", "is_demo"]
    list_filter = ["agency", "kind", "status"]
    search_fields = ["call_sign"]
    # Status and position are the consoles' work, each change an event of its own.
    readonly_fields = ["status", "last_lat", "last_lon", "last_position_at"]
    actions = ["delete_units"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # delete_units says which unit is on a call
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        unit = self.get_object(request, unquote(object_id))
        if unit is not None and self._refused(request, [unit]):
            return redirect("admin:agencies_unit_change", unit.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=delete_selected.short_description, permissions=["delete"])
    def delete_units(self, request, queryset):
        if self._refused(request, queryset):
            return None
        return delete_selected(self, request, queryset)

    def _refused(self, request, units) -> bool:
        reasons = [reason for unit in units for reason in unit_in_use_reasons(unit)]
        for reason in reasons:
            self.message_user(request, reason, messages.ERROR)
        return bool(reasons)


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "role", "agency", "is_active"]
    list_filter = ["role", "agency", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("Ambon 112", {"fields": ["role", "agency"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("Ambon 112", {"fields": ["role", "agency"]})]


@admin.register(MachineToken)
class MachineTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "kind", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "kind", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # secrets are created by `manage.py create_cti_token`, shown once
