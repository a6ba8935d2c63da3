from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dispatch.models import Escalation, EscalationLevel, Recipient, ReportAccess, Shelf, SlaPolicy
from dispatch.policies import check_ladder, check_scope
from incidents.admin import ReadOnlyAdmin
from incidents.models import IncidentType


class LevelForm(forms.ModelForm):
    recipients = forms.MultipleChoiceField(
        choices=Recipient.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = EscalationLevel
        fields = ["level", "delay_s", "recipients", "action"]


class LadderFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        levels = [
            (
                f.cleaned_data["level"],
                f.cleaned_data["delay_s"],
                f.cleaned_data["recipients"],
                f.cleaned_data.get("action", ""),
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            check_ladder(self.instance.watch, levels)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class LevelInline(admin.TabularInline):
    model = EscalationLevel
    form = LevelForm
    formset = LadderFormSet
    extra = 0
    min_num = 1


def incident_type_choices():
    return [(t.code, f"{t.code} — {t.name_id}") for t in IncidentType.objects.order_by("code")]


class PolicyForm(forms.ModelForm):
    incident_types = forms.MultipleChoiceField(
        choices=incident_type_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Only incidents of these types (none chosen: all)"),
    )
    repeat_recipients = forms.MultipleChoiceField(
        choices=Recipient.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who each repeat alerts"),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "watch",
            "category",
            "priority",
            "agency",
            "incident_types",
            "active_from",
            "active_until",
            "repeat_s",
            "repeat_recipients",
            "max_shelve_minutes",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        policy = SlaPolicy(**{k: v for k, v in cleaned.items() if k != "agency"})
        policy.agency = cleaned.get("agency")
        check_scope(policy)
        return cleaned


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = [
        "name",
        "watch",
        "category",
        "priority",
        "agency",
        "active_from",
        "active_until",
        "repeat_s",
        "is_active",
    ]
    list_filter = ["watch", "is_active"]
    inlines = [LevelInline]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "watch", "level", "summary", "acknowledged_by", "resolved_at"]
    list_filter = ["watch", "level"]
    date_hierarchy = "raised_at"


@admin.register(Shelf)
class ShelfAdmin(ReadOnlyAdmin):
    list_display = ["shelved_at", "watch", "subject_id", "shelved_by", "until", "reason", "end"]
    list_filter = ["watch", "end"]
    date_hierarchy = "shelved_at"


@admin.register(ReportAccess)
class ReportAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "format", "query"]
    list_filter = ["action", "format"]
    date_hierarchy = "at"
