"""Light pages (issue 15, item 5): the charts load ECharts built with what they draw, and
the browser's own request for /favicon.ico finds an icon instead of logging a 404."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PROJECT = Path(settings.BASE_DIR)
ECHARTS = PROJECT / "static" / "vendor" / "echarts" / "echarts-6.1.0-bar-line.min.js"


def test_the_icon_browsers_ask_for_is_there(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"


def test_only_the_built_echarts_is_vendored_and_it_is_half_the_full_build():
    vendored = sorted(p.name for p in ECHARTS.parent.glob("*.js"))
    assert vendored == [ECHARTS.name]
    assert ECHARTS.stat().st_size < 600_000  # the full build was 1,121,883 bytes
    built_from = (PROJECT / "tools" / "echarts" / "entry.js").read_text(encoding="utf-8")
    assert "BarChart, LineChart" in built_from
    assert "SVGRenderer" in built_from  # the renderer static/js/charts.js asks for
    assert 'renderer: "svg"' in (PROJECT / "static" / "js" / "charts.js").read_text()


@pytest.mark.django_db
def test_chart_pages_load_the_built_echarts_on_demand(client, district_leader, committee):
    client.force_login(district_leader)
    page = client.get(reverse("reports:ranking")).content.decode()
    # charts.js fetches it when a chart comes near the viewport, never the page itself.
    assert 'data-echarts="/static/vendor/echarts/echarts-6.1.0-bar-line.min.js"' in page
    assert '<script src="/static/vendor/echarts/' not in page
