from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from agencies.signals import unit_in_use
        from dispatch.chain_times import register_tables
        from dispatch.deadlines import on_event
        from dispatch.kinds import KINDS
        from dispatch.models import EscalationLevel, SlaPolicy
        from dispatch.selectors import unit_on_call
        from incidents.changelog import track
        from incidents.events import observe_events
        from incidents.kinds import register

        register(KINDS)
        observe_events(on_event)
        track(SlaPolicy, "sla_policy")
        track(EscalationLevel, "sla_level", parent="policy")
        unit_in_use.connect(unit_on_call, dispatch_uid="dispatch.unit_on_call")
        register_tables()
