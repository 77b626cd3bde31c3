"""The entry pages as a web app (issue 14, item 4): a manifest that installs as
"接种录入", a service worker served from the root, and a logout that clears the device."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_manifest_installs_the_entry_pages_as_one_app(client):
    response = client.get(reverse("web_manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "接种录入"
    assert manifest["start_url"] == reverse("sites:entry_index")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_from_the_root_as_a_script(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert 'var ENTRY_LIST = "/tallies/";' in script
    assert "streetvax-pages-" in script
    # A page of the portal registers it and links the manifest.
    login = client.get(reverse("login")).content.decode()
    assert 'data-service-worker="/sw.js"' in login
    assert 'rel="manifest" href="/manifest.webmanifest"' in login


def test_the_service_worker_is_served_with_the_production_static_storage(
    client, settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert 'var STATIC_PREFIX = "/static/";' in response.content.decode()


def test_logging_out_asks_the_browser_to_clear_what_the_site_kept(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_a_session_ended_elsewhere_keeps_the_devices_queued_saves(client, subdistrict_staff):
    """A new password set on another device (or a deactivated account) ends this session,
    but only a logout asks the browser to clear what the site kept: the entry pages'
    queued saves stay until the clerk logs in again and they are sent."""
    client.force_login(subdistrict_staff)
    subdistrict_staff.set_password("set-on-another-phone-2026")
    subdistrict_staff.save()

    response = client.get(reverse("sites:entry_index"))

    assert response.status_code == 302  # to the login page
    assert not response.has_header("Clear-Site-Data")
    assert "no-store" in response["Cache-Control"]
