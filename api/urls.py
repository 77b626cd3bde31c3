from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"


def token_view(view_class):
    """API views answer to a token, not to a login: the login middleware lets them
    through and they answer 401 themselves."""
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("tallies/", token_view(views.TalliesView), name="tallies"),
    path("imports/<str:import_id>/", token_view(views.ImportView), name="import"),
    path("areas/", token_view(views.AreasView), name="areas"),
    path("sites/", token_view(views.SitesView), name="sites"),
    path("ranking/", token_view(views.RankingView), name="ranking"),
    path("targets/", token_view(views.TargetsView), name="targets"),
    path("summary/", token_view(views.SummaryView), name="summary"),
    # The description and its docs page hold no data: open, like the login page.
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
