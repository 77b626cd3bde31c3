"""Production settings (issue 8, item 1): headers, cookies, sessions, error pages, passwords.

The test settings are the production settings (DEBUG off) with a throwaway key; HTTPS-only
headers are asked for with ``secure=True``, as a browser behind the proxy would.
"""

import os
import re
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from campaign.services import set_password_link
from tests.auth import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # noqa: S105 (the factories' password)


def production_env(**extra):
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "vax.example.gov.cn",
        **extra,
    }


def test_deployment_checklist_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        # Production as docs/operations.md sets it up: the shared cache included.
        env=production_env(STREETVAX_CACHE_URL="redis://127.0.0.1:6379/1"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (2 silenced)." in result.stdout


def _settings_under(env, names):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "from django.conf import settings; "
        f"print(*[getattr(settings, n, None) for n in {names!r}])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


HTTPS_ONLY = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"]


def test_production_marks_cookies_secure_redirects_to_https_and_sends_hsts():
    values = _settings_under(production_env(), [*HTTPS_ONLY, "SECURE_HSTS_SECONDS"])
    assert values == ["True", "True", "True", "31536000"]


def test_make_run_on_plain_http_has_no_secure_cookies_and_no_hsts():
    env = {"PATH": os.environ["PATH"], "DJANGO_DEBUG": "true"}
    values = _settings_under(env, [*HTTPS_ONLY, "SECURE_HSTS_SECONDS"])
    # Django's defaults: not secure, no redirect, no HSTS, so http://127.0.0.1:8000 works.
    assert values == ["False", "False", "False", "0"]


def test_pages_send_hsts_nosniff_referrer_policy_and_no_framing(client):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_content_security_policy_allows_only_our_own_files(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    directives = _csp_directives(client.get(reverse("reports:ranking")))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    policy = " ".join(directives.values())
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "http" not in policy  # no other host


def test_templates_have_no_inline_script_or_event_handler():
    """Page code lives in static/js; a <script> in a template only loads a file
    (json_script data blocks are written by the filter, not in templates)."""
    offenders = []
    for template in (PROJECT / "templates").rglob("*.html"):
        text = template.read_text()
        scripts = re.findall(r"<script\b[^>]*>", text)
        offenders += [f"{template.name}: {tag}" for tag in scripts if "src=" not in tag]
        offenders += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+=", text)]
        offenders += [f"{template.name}: {m}" for m in re.findall(r"\sstyle=\"", text)]
        offenders += [f"{template.name}: javascript:" for _ in re.findall("javascript:", text)]
    assert offenders == []


def test_session_and_csrf_cookies_are_secure_httponly_and_lax():
    user = UserFactory()
    client = Client()
    client.get(reverse("login"), secure=True)
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def test_sessions_are_kept_in_the_database_and_end_after_a_working_day():
    user = UserFactory()
    client = Client()
    assert log_in(client, user.username, PASSWORD)
    stored = Session.objects.get(session_key=client.session.session_key)
    assert stored.get_decoded()["_auth_user_id"] == str(user.pk)
    left = stored.expire_date - timezone.now()
    assert timedelta(hours=8, minutes=59) < left <= timedelta(hours=9)

    # Sessions are read through the cache (cached_db): its copy expires with the session.
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cached = f"django.contrib.sessions.cached_db{stored.session_key}"
    expires = cache._expire_info[cache.make_key(cached)]  # the memory cache's own record
    assert expires - time.time() <= 9 * 60 * 60

    # Past the working day the same cookie is a stranger's.
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.delete(cached)  # what its timeout does at that moment
    assert client.get(reverse("home")).status_code == 302


def test_logout_is_a_form_post_in_the_menu(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    page = client.get(reverse("home")).content.decode()
    assert re.search(r'<form class="logout" action="/accounts/logout/" method="post"[^>]*>', page)
    assert 'href="/accounts/logout/"' not in page


def test_a_deactivated_user_is_out_on_the_next_request(subdistrict_staff):
    client = Client()
    client.force_login(subdistrict_staff)
    assert client.get(reverse("home")).status_code == 200
    subdistrict_staff.is_active = False
    subdistrict_staff.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not log_in(Client(), subdistrict_staff.username, PASSWORD)


def test_a_password_change_ends_the_users_other_sessions():
    user = UserFactory(username="wanli_clerk")
    office, phone, colleague = Client(), Client(), Client()
    other = UserFactory(username="colleague")
    for client, who in [(office, user), (phone, user), (colleague, other)]:
        assert log_in(client, who.username, PASSWORD)

    response = office.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Wanli-new-passphrase-2021",
            "new_password2": "Wanli-new-passphrase-2021",
        },
    )
    assert response.status_code == 302
    assert office.get(reverse("home")).status_code == 200  # this session stays
    response = phone.get(reverse("home"))
    assert response.status_code == 302  # the other one is out
    assert response["Location"].startswith(reverse("login"))
    assert colleague.get(reverse("home")).status_code == 200  # other users are untouched
    assert log_in(Client(), user.username, "Wanli-new-passphrase-2021")


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Wanli-2021", "密码太短：至少需要 12 个字符。"),
        ("password1234", "这个密码太常见了。"),
        ("wanli_clerk_1", "密码跟 用户名 太相似了。"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(new_password, message):
    user = UserFactory(username="wanli_clerk")
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_both_password_pages_show_the_fields_the_rule_and_their_own_button():
    """The change page and a new account's set-password page share one form: each field
    with its label and its error, the rule, and the page's own button."""
    user = UserFactory(username="wanli_clerk")
    rule = "至少 12 位，不能是常见密码，也不能与用户名相近。"
    client = Client()
    client.force_login(user)
    change = client.get(reverse("password_change")).content.decode()
    assert 'name="old_password"' in change
    assert 'name="new_password1"' in change
    assert rule in change
    assert '<button type="submit" class="primary">修改密码</button>' in change

    link = Client().get(set_password_link(user), follow=True)
    page = link.content.decode()
    assert 'name="old_password"' not in page
    assert 'name="new_password1"' in page
    assert 'name="new_password2"' in page
    assert rule in page
    assert '<button type="submit" class="primary">设置密码</button>' in page
    weak = {"new_password1": "Wanli-2021", "new_password2": "Wanli-2021"}
    refused = link.client.post(link.redirect_chain[-1][0], weak).content.decode()
    assert '<p class="error">密码太短：至少需要 12 个字符。</p>' in refused


# Error pages: in Chinese, without a traceback or the error's text.


def test_page_not_found_is_a_chinese_page(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "返回首页" in page
    assert "Traceback" not in page
    assert "urlpatterns" not in page  # Django's debug 404 lists them


@login_not_required
def _broken_view(request):
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("broken/", _broken_view)]


def test_server_error_is_a_chinese_page_without_traceback(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错" in page
    assert "secret detail" not in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page
