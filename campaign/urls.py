from django.urls import path

from campaign import views

app_name = "campaign"
urlpatterns = [
    path("buildings/", views.buildings, name="buildings"),
    path(
        "buildings/committees/<int:committee_id>/",
        views.building_committee,
        name="building_committee",
    ),
    path("buildings/<int:building_id>/", views.building_detail, name="building"),
]
