from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("ranking/", views.ranking, name="ranking"),
    path("targets/", views.targets, name="targets"),
    path("committees/<int:committee_id>/", views.committee_detail, name="committee"),
    path("second-doses/", views.second_doses, name="second_doses"),
    path(
        "second-doses/committees/<int:committee_id>/",
        views.second_dose_committee,
        name="second_dose_committee",
    ),
    path("exports/tallies/", views.export_tallies, name="export_tallies"),
    path("exports/ranking/", views.export_ranking, name="export_ranking"),
    path("exports/targets/", views.export_targets, name="export_targets"),
]
