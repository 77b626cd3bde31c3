from django.urls import path

from sites.views import capacity as capacity_views
from sites.views import entry as views
from sites.views import imports as import_views

app_name = "sites"
urlpatterns = [
    path("tallies/", views.entry_index, name="entry_index"),
    path("tallies/<int:site_id>/<str:day>/", views.tally_entry, name="entry"),
    path("tallies/<int:site_id>/<str:day>/history/", views.tally_history_page, name="history"),
    path("board/", views.unreported_board, name="board"),
    path("imports/", import_views.import_index, name="import_index"),
    path("imports/template.csv", import_views.import_template, name="import_template"),
    path("imports/<int:import_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("capacity/", capacity_views.capacity, name="capacity"),
    path("plans/", capacity_views.plan_grid, name="plans"),
    path("visits/", capacity_views.visits, name="visits"),
    path("visits/<int:visit_id>/delete/", capacity_views.visit_delete, name="visit_delete"),
]
