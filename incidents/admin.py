from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid
from incidents.models import (
    AmlMessage,
    ContactMessage,
    Event,
    IncidentType,
    IncidentTypeAgency,
    Position,
    Presence,
    Room,
)
from incidents.services.presence import (
    check_extensions,
    create_position,
    occupant,
    person_name,
    update_position,
    update_room,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record written only by the services (the log, what machines relayed, who sat where):
    the admin shows it and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class EventAdmin(ReadOnlyAdmin):
    """Read-only: the log is written by services only."""

    list_display = ["seq", "at", "kind", "actor_label", "subject_type", "subject_id"]
    list_filter = ["kind"]
    search_fields = ["kind", "subject_id", "actor_label"]


@admin.register(AmlMessage)
class AmlMessageAdmin(ReadOnlyAdmin):
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


@admin.register(ContactMessage)
class ContactMessageAdmin(ReadOnlyAdmin):
    """Read-only: every message the message gateway relayed, and the contact it threads into."""

    list_display = ["received_at", "channel", "sender", "message_id", "call", "adapter"]
    list_filter = ["channel", "adapter"]
    list_select_related = ["call"]
    search_fields = ["sender", "message_id", "call__call_id"]
    date_hierarchy = "received_at"


class PositionForm(forms.ModelForm):
    """A position with its extensions as one comma-separated field; saved by the service."""

    extensions_text = forms.CharField(
        label=_("Extensions"),
        required=False,
        help_text=_("The PBX extensions of the handsets on this desk, comma-separated: 201, 202"),
    )

    class Meta:
        model = Position
        fields = ["name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            extensions = self.instance.extensions.values_list("extension", flat=True)
            self.fields["extensions_text"].initial = ", ".join(sorted(extensions))

    def clean_extensions_text(self) -> list[str]:
        extensions = [e.strip() for e in self.cleaned_data["extensions_text"].split(",")]
        extensions = [e for e in extensions if e]
        if any(not e.isdigit() or len(e) > 20 for e in extensions):
            raise forms.ValidationError(_("An extension is digits only, e.g. 201."))
        try:
            return check_extensions(extensions, self.instance if self.instance.pk else None)
        except Invalid as exc:
            raise forms.ValidationError(exc.errors["extensions"]) from exc

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        sitting = occupant(self.instance) if self.instance.pk and not active else None
        if sitting is not None:
            raise forms.ValidationError(
                _("%(name)s is signed in at this position; they sign out first.")
                % {"name": person_name(sitting.user)}
            )
        return active


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    """Desks and their extensions, written by the service (each change is an event)."""

    form = PositionForm
    list_display = ["name", "extension_list", "is_active"]
    search_fields = ["name", "extensions__extension"]

    @admin.display(description=_("Extensions"))
    def extension_list(self, obj) -> str:
        return ", ".join(sorted(e.extension for e in obj.extensions.all()))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("extensions")

    def save_model(self, request, obj, form, change):
        values = form.cleaned_data
        if change:
            update_position(
                position=obj,
                by=request.user,
                name=values["name"],
                extensions=values["extensions_text"],
                is_active=values["is_active"],
            )
        else:
            created = create_position(
                name=values["name"],
                extensions=values["extensions_text"],
                is_active=values["is_active"],
                by=request.user,
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """Nothing more: the service saved the extensions."""

    def has_delete_permission(self, request, obj=None):
        return False  # calls record where they were answered: take it out of use instead


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    """Read-only: who was signed in where, written by the call-takers' consoles."""

    list_display = ["position", "user", "state", "state_since", "signed_in_at", "signed_out_at"]
    list_filter = ["state", "position", ("signed_out_at", admin.EmptyFieldListFilter)]
    list_select_related = ["position", "user"]
    date_hierarchy = "signed_in_at"


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """The room's presence rules: one row, changed through the service (an event)."""

    list_display = ["__str__", "wrapup_max_s", "away_grace_s", "nobody_ready_when_idle"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        update_room(by=request.user, **{f: form.cleaned_data[f] for f in form.changed_data})
