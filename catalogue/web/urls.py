"""The public pages, at paths that can be shared."""

from django.urls import path

from catalogue.web import insights_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("platforms/<slug:slug>/", views.platform_page, name="platform"),
    path("organisations/<slug:slug>/", views.organisation_page, name="organisation"),
    path("capabilities/<slug:slug>/", views.capability_page, name="capability"),
    path("compare/", views.compare_page, name="compare"),
    path("register/", views.register_platform, name="register"),
    path("data-sources/", views.data_sources, name="data-sources"),
    path("insights/", insights_views.insights, name="insights"),
    path("insights/duplication/", insights_views.duplication, name="insights-duplication"),
    path("insights/contracts/", insights_views.contracts, name="insights-contracts"),
    path("insights/matrix/", insights_views.matrix, name="insights-matrix"),
    path("insights/platforms/<slug:slug>/trend/", insights_views.trend, name="insights-trend"),
    path("platforms/<slug:slug>/impact/", insights_views.impact, name="platform-impact"),
]
