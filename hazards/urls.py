"""Hazards' routes, included by ambon112/urls.py."""

from django.urls import path

from core.api import IdRouter
from hazards import views

router = IdRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("quakes", views.QuakeViewSet, basename="quake")
router.register("major-incidents", views.MajorIncidentViewSet, basename="major-incident")
router.register("warnings", views.WarningViewSet, basename="warning")

api_urlpatterns = [
    path("situation/", views.SituationView.as_view(), name="hazard-situation"),
    *router.urls,
]

urlpatterns = [
    path("console/hazards/", views.hazards_page, name="hazards_page"),
    # Public and stable: BPBD, broadcasters and apps read these without an account.
    path("cap/feed.atom", views.cap_feed, name="cap-feed"),
    path("cap/alerts/<str:identifier>.xml", views.cap_alert, name="cap-alert"),
]
