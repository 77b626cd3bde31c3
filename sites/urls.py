from django.urls import path

from sites import views

app_name = "sites"
urlpatterns = [
    path("tallies/", views.entry_index, name="entry_index"),
    path("tallies/<int:site_id>/<str:day>/", views.tally_entry, name="entry"),
    path("tallies/<int:site_id>/<str:day>/history/", views.tally_history_page, name="history"),
    path("board/", views.unreported_board, name="board"),
]
