"""Pages are in Simplified Chinese by default, and English can be chosen."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "Log in" not in page


def test_home_page_is_chinese_by_default(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    page = client.get(reverse("home")).content.decode()
    assert "您的权限范围" in page
    assert "街道工作人员" in page
    assert "万里街道" in page


def test_english_can_be_selected_and_sticks(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in page
    assert "Your scope" in page
    assert "subdistrict staff" in page
    assert "您的权限范围" not in page


def test_admin_speaks_chinese(client, administrator):
    client.force_login(administrator)
    page = client.get(reverse("admin:sites_dailytally_changelist")).content.decode()
    assert "每日接种数" in page
    assert "剂次" in page


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page
    client.cookies["django_language"] = "en"
    assert "Log in" in client.get(reverse("login")).content.decode()
