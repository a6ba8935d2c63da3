import axes.admin  # noqa: F401
import django.contrib.auth.admin  # noqa: F401
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView

import agencies.admin  # noqa: F401  (registers the admin pages; see settings.INSTALLED_APPS)
import dispatch.admin  # noqa: F401
import incidents.admin  # noqa: F401
from agencies.views import AccountViewSet, AgencyViewSet, AreaViewSet, StationViewSet, UnitViewSet
from ambon112 import views
from ambon112.api import ApiDocsView
from core.api import IdConverter, IdRouter
from dispatch.views.consoles import agency_console, dispatch_console
from dispatch.views.crew import (
    CrewPositionView,
    CrewShiftView,
    CrewStepView,
    CrewView,
    crew_console,
)
from dispatch.views.deadlines import DeadlineListView, EscalationViewSet, SlaPolicyViewSet
from dispatch.views.incidents import DispatchBoardView, IncidentDispatchViewSet
from dispatch.views.location_links import (
    CallLocationLinkView,
    SharedLocationView,
    location_link_page,
)
from dispatch.views.situation import (
    AreaSituationView,
    CallsTodayView,
    SituationMapView,
    WallboardView,
    map_console,
    wallboard_console,
)
from dispatch.views.tickets import TicketViewSet
from dispatch.views.units import AssignmentViewSet, TrackerView, UnitOperationsViewSet
from hazards.urls import api_urlpatterns as hazards_api
from hazards.urls import urlpatterns as hazards_urls
from incidents.views import (
    CallerViewSet,
    CallViewSet,
    CtiAmlView,
    CtiEventView,
    EventListView,
    GatewayMessageView,
    IncidentTypeViewSet,
    IncidentViewSet,
    audit,
    calls_console,
    incident_detail,
    incident_list,
)
from incidents.views_presence import PositionViewSet, PresenceViewSet
from reports.urls import api_urlpatterns as reports_api
from reports.urls import urlpatterns as reports_urls

register_converter(IdConverter, "id")
handler404 = "ambon112.views.not_found"

# Detail routes match bigint ids only: /api/tickets/abc/ is a 404, never a database error.
router = IdRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # JSON only: no `.json` twin of every route
router.register("agencies", AgencyViewSet)
router.register("stations", StationViewSet)
router.register("units", UnitViewSet, basename="unit")
router.register("areas", AreaViewSet, basename="area")
router.register("incident-types", IncidentTypeViewSet)
router.register("calls", CallViewSet, basename="call")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("incidents", IncidentDispatchViewSet, basename="incident-dispatch")
router.register("callers", CallerViewSet, basename="caller")
router.register("positions", PositionViewSet, basename="position")
router.register("presence", PresenceViewSet, basename="presence")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("fleet", UnitOperationsViewSet, basename="fleet")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("sla-policies", SlaPolicyViewSet, basename="slapolicy")
router.register("accounts", AccountViewSet, basename="account")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", views.healthz, name="healthz"),
    path("landing/", views.landing, name="landing"),
    path("console/calls/", calls_console, name="calls_console"),
    path("console/dispatch/", dispatch_console, name="dispatch_console"),
    path("console/agency/", agency_console, name="agency_console"),
    path("console/crew/", crew_console, name="crew_console"),
    path("console/map/", map_console, name="map_console"),
    path("console/wallboard/", wallboard_console, name="wallboard_console"),
    path("audit/", audit, name="audit"),
    path("incidents/", incident_list, name="incident_list"),
    path("incidents/<id:pk>/", incident_detail, name="incident_detail"),
    path("reports/", include(reports_urls)),
    path("api/events/", EventListView.as_view(), name="events"),
    path("api/cti/events/", CtiEventView.as_view(), name="cti-events"),
    path("api/cti/aml/", CtiAmlView.as_view(), name="cti-aml"),
    path("api/gateway/messages/", GatewayMessageView.as_view(), name="gateway-messages"),
    path("api/tracker/positions/", TrackerView.as_view(), name="tracker-positions"),
    path("lokasi/<str:secret>/", location_link_page, name="location_link_page"),
    path(
        "api/calls/<id:pk>/location-link/",
        CallLocationLinkView.as_view(),
        name="call-location-link",
    ),
    path("api/location-links/<str:secret>/", SharedLocationView.as_view(), name="location-share"),
    path("api/crew/", CrewView.as_view(), name="crew"),
    path("api/crew/shift/", CrewShiftView.as_view(), name="crew-shift"),
    path("api/crew/steps/", CrewStepView.as_view(), name="crew-steps"),
    path("api/crew/position/", CrewPositionView.as_view(), name="crew-position"),
    path("api/dispatch/board/", DispatchBoardView.as_view(), name="dispatch-board"),
    path("api/deadlines/", DeadlineListView.as_view(), name="deadlines"),
    path("api/situation/map/", SituationMapView.as_view(), name="situation-map"),
    path("api/situation/wallboard/", WallboardView.as_view(), name="situation-wallboard"),
    path("api/situation/calls-today/", CallsTodayView.as_view(), name="situation-calls-today"),
    path("api/situation/areas/<str:code>/", AreaSituationView.as_view(), name="situation-area"),
    path("api/reports/", include(reports_api)),
    path("api/hazards/", include(hazards_api)),
    path("", include(hazards_urls)),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
