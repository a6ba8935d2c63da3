from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, Area, MachineToken, Station, Unit, User


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
