from django.contrib import admin

from incidents.models import Event, IncidentType, IncidentTypeAgency


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
