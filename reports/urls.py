from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("ranking/", views.ranking, name="ranking"),
    path("targets/", views.targets, name="targets"),
    path("committees/<int:committee_id>/", views.committee_detail, name="committee"),
]
