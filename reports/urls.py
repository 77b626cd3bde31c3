from django.urls import path

from reports.views import bulletins as bulletin_views
from reports.views import quality as quality_views
from reports.views import ranking as views

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
    path("bulletins/", bulletin_views.bulletin_index, name="bulletins"),
    path("bulletins/preview/", bulletin_views.bulletin_preview, name="bulletin_preview"),
    path("bulletins/publish/", bulletin_views.bulletin_publish_view, name="bulletin_publish"),
    path("bulletins/<int:bulletin_id>/", bulletin_views.bulletin_detail, name="bulletin"),
    path(
        "bulletins/<int:bulletin_id>/bulletin.png",
        bulletin_views.bulletin_image,
        name="bulletin_png",
    ),
    path(
        "bulletins/<int:bulletin_id>/bulletin.xlsx",
        bulletin_views.bulletin_workbook,
        name="bulletin_xlsx",
    ),
    path("milestones/", bulletin_views.milestone_timeline, name="milestones"),
    path("data-quality/", quality_views.data_quality, name="quality"),
    path(
        "data-quality/flags/<int:flag_id>/verify/",
        quality_views.quality_flag_verify_view,
        name="quality_verify",
    ),
    path("milestones/notes/", bulletin_views.milestone_note_add, name="milestone_note_add"),
]
