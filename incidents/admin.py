from django.contrib import admin

from incidents.models import AmlMessage, Event, IncidentType, IncidentTypeAgency


class IncidentTypeAgencyInline(admin.TabularInline):
    model = IncidentTypeAgency
    extra = 0


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "category", "default_priority", "capability", "apco_code"]
    list_filter = ["category", "default_priority"]
    search_fields = ["code", "name_id", "name_en", "apco_code"]
    inlines = [IncidentTypeAgencyInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by services only."""

    list_display = ["seq", "at", "kind", "actor_label", "subject_type", "subject_id"]
    list_filter = ["kind"]
    search_fields = ["kind", "subject_id", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AmlMessage)
class AmlMessageAdmin(admin.ModelAdmin):
    """Read-only: every AML SMS as it reached us, and the call it located (or none yet)."""

    list_display = [
        "received_at",
        "number",
        "message_id",
        "lat",
        "lon",
        "radius_m",
        "positioned_at",
        "call",
        "adapter",
    ]
    list_filter = [("call", admin.EmptyFieldListFilter), "adapter"]
    list_select_related = ["call"]
    search_fields = ["number", "message_id", "call__call_id"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
