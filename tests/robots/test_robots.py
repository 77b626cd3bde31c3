"""Group robots against a stub of WeChat Work's and DingTalk's webhooks: what each posts
and when, the payloads' formats, retries and the post log, and saves and publications that
never wait for a robot."""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports.models import Bulletin
from robots import services
from robots.models import Robot, RobotPost, TargetAnnouncement
from robots.tasks import MAX_RETRIES, robot_post_send, robot_sweep
from sites.models import DailyTally
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DailyTallyFactory,
    SiteFactory,
    SubdistrictFactory,
)
from tests.reports.bulletin_scene import DAY, DAY1, build_scene
from tests.robots.conftest import BASE_URL

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2021, 6, 30)


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, 7, hour, minute, tzinfo=SHANGHAI)


def wecom_robot(stub, area, **fields) -> Robot:
    kind = "district" if area._meta.model_name == "district" else "subdistrict"
    return Robot.objects.create(
        name=f"{area.name}工作群",
        platform=Robot.Platform.WECOM,
        webhook_url=stub.wecom_url(f"key-{area.pk}"),
        **{kind: area},
        **fields,
    )


def dingtalk_robot(stub, area, **fields) -> Robot:
    kind = "district" if area._meta.model_name == "district" else "subdistrict"
    secret = f"SEC{area.pk:064d}"
    return Robot.objects.create(
        name=f"{area.name}钉钉群",
        platform=Robot.Platform.DINGTALK,
        webhook_url=stub.dingtalk_url(f"token-{area.pk}", secret),
        secret=secret,
        **{kind: area},
        **fields,
    )


def links(text: str) -> list[tuple[str, str]]:
    """The links a markdown reader shows: brackets escaped with a backslash are text."""
    return re.findall(r"(?<!\\)\[((?:[^\]\\]|\\.)+)(?<!\\)\]\(([^)]+)\)", text)


def markdown_of(post) -> str:
    markdown = post.payload["markdown"]
    return markdown.get("content") or markdown["text"]


# The evening reminder --------------------------------------------------------------------


@pytest.fixture
def evening(settings, district, subdistrict, committee):
    """万里街道 on 06-30: two sites open and silent, one reported, one closed; a second
    subdistrict of the district with one silent site; a far district's silent site."""
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    silent = [
        SiteFactory(
            subdistrict=subdistrict, code="WL-T-JLF", name="家乐福临时接种点", kind="temporary"
        ),
        SiteFactory(subdistrict=subdistrict, code="WL-M-01", name="移动疫苗接种车", kind="mobile"),
    ]
    reported = SiteFactory(subdistrict=subdistrict, code="WL-F-01", name="万里社区卫生服务中心")
    DailyTallyFactory(date=TODAY, site=reported, committee=committee, count=12)
    DailyTallyFactory(date=TODAY - datetime.timedelta(days=1), site=silent[0], committee=committee)
    SiteFactory(
        subdistrict=subdistrict,
        code="WL-T-HN",
        name="花鸟市场临时接种点",
        active_to=datetime.date(2021, 6, 1),
    )
    neighbour = SubdistrictFactory(district=district, code="310107-CF", name="长风新村街道")
    CommitteeFactory(subdistrict=neighbour)
    neighbour_silent = SiteFactory(subdistrict=neighbour, code="CF-F-01", name="长风接种点")
    SiteFactory(subdistrict=SubdistrictFactory(name="五里堡街道"), name="五里堡接种点")
    return {"silent": silent, "neighbour_silent": neighbour_silent}


def test_the_evening_reminder_lists_exactly_the_silent_sites_with_links_to_their_grids(
    stub, evening, subdistrict, django_capture_on_commit_callbacks
):
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.robot_reminders_due(at(19, 55)) == []
    assert stub.posts == []

    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 3))
    assert stub.problems == []
    [post] = stub.posts
    assert (post.platform, post.token, post.payload["msgtype"]) == (
        "wecom",
        f"key-{subdistrict.pk}",
        "markdown",
    )
    text = markdown_of(post)
    assert "万里街道：2 个接种点 2021-06-30 尚未上报" in text
    day = TODAY.isoformat()
    assert links(text) == [
        ("移动疫苗接种车", f"{BASE_URL}/tallies/{evening['silent'][1].pk}/{day}/"),
        ("家乐福临时接种点", f"{BASE_URL}/tallies/{evening['silent'][0].pk}/{day}/"),
        ("打开未上报看板", f"{BASE_URL}/board/"),
    ]
    assert "上次上报 2021-06-29" in text
    assert RobotPost.objects.get().status == RobotPost.Status.SENT


def test_the_reminder_is_posted_once_a_day_however_often_the_beat_runs(
    stub, evening, subdistrict, django_capture_on_commit_callbacks
):
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        for minute in (0, 5, 10):
            robot_sweep.apply() if minute == 10 else services.robot_reminders_due(at(20, minute))
    assert len(stub.posts) == 1


def test_a_district_robot_on_dingtalk_signs_and_lists_every_subdistricts_silent_sites(
    stub, evening, district, django_capture_on_commit_callbacks
):
    dingtalk_robot(stub, district, remind_at=datetime.time(19, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(21, 0))
    assert stub.problems == []  # the timestamp is fresh and the sign verifies
    [post] = stub.posts
    assert post.platform == "dingtalk"
    assert post.payload["markdown"]["title"] == "普陀区 2021-06-30 未上报接种点"
    shown = [name for name, _url in links(markdown_of(post))]
    assert shown == [
        "长风新村街道 · 长风接种点",
        "万里街道 · 移动疫苗接种车",
        "万里街道 · 家乐福临时接种点",
        "打开未上报看板",
    ]


def test_a_reminder_with_every_site_reported_says_so(
    stub, evening, subdistrict, committee, django_capture_on_commit_callbacks
):
    for site in evening["silent"]:
        DailyTallyFactory(date=TODAY, site=site, committee=committee, count=0)
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    assert "万里街道：2021-06-30 开放的接种点均已上报。" in markdown_of(stub.posts[0])


def test_a_long_list_is_cut_to_the_platforms_limit_and_says_how_many_more(
    stub, evening, subdistrict, django_capture_on_commit_callbacks
):
    for n in range(120):
        SiteFactory(subdistrict=subdistrict, code=f"WL-X-{n:03d}", name=f"临时接种点{n:03d}号")
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    assert stub.problems == []  # within 4,096 bytes
    text = markdown_of(stub.posts[0])
    shown = len(links(text)) - 1
    assert 10 < shown < 122
    assert f"… 另有 {122 - shown} 个接种点" in text


# A published bulletin ----------------------------------------------------------------------


@pytest.fixture
def scene(settings, subdistrict, committee):
    built = build_scene(settings, subdistrict, committee)
    # What the scene's build reached (中浩云's target, on 04-29) is old news by now: the
    # build's announcement ran before any robot was registered.
    services.robot_posts_for_reached_targets([DAY1, DAY])
    return built


def publish(client, user, subdistrict) -> None:
    client.force_login(user)
    response = client.post(
        reverse("reports:bulletin_publish"),
        {"subdistrict": subdistrict.pk, "date": DAY.isoformat(), "unreported_confirmed": "on"},
    )
    assert response.status_code == 302
    assert "/bulletins/" in response["Location"]


def test_publishing_posts_the_png_and_the_headline_figures(
    client,
    stub,
    scene,
    district,
    subdistrict,
    subdistrict_staff,
    django_capture_on_commit_callbacks,
):
    wecom_robot(stub, subdistrict)
    dingtalk_robot(stub, district)
    wecom_robot(stub, scene["far"])  # another district's group hears nothing
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    assert stub.problems == []
    by_kind = {(p.platform, p.payload["msgtype"]): p for p in stub.posts}
    assert sorted(by_kind) == [("dingtalk", "markdown"), ("wecom", "image"), ("wecom", "markdown")]
    image = by_kind["wecom", "image"].payload["image"]
    png = base64.b64decode(image["base64"])
    assert png.startswith(b"\x89PNG")
    assert hashlib.md5(png, usedforsecurity=False).hexdigest() == image["md5"]
    for key in [("wecom", "markdown"), ("dingtalk", "markdown")]:
        text = markdown_of(by_kind[key])
        assert "万里街道每日通报 · 2021-04-29" in text
        assert "当日接种 **390** 剂" in text
        assert "第一剂接种率 **13.0%**（1,300 人）" in text
        assert "全程接种率 **0.9%**（90 人）" in text
        assert "1 个接种点未上报" in text
        assert links(text)[-1] == ("查看通报", f"{BASE_URL}/bulletins/{bulletin.pk}/")
    logged = RobotPost.objects.get(message_type="image")
    assert (logged.status, logged.image_md5, logged.image_size) == ("sent", image["md5"], len(png))


def test_a_publication_answers_even_when_the_broker_is_down_and_the_sweep_posts_it(
    client,
    stub,
    scene,
    subdistrict,
    subdistrict_staff,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    from robots import tasks

    def broker_down(*args):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    wecom_robot(stub, subdistrict)
    monkeypatch.setattr(tasks.robot_posts_for_bulletin, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, subdistrict_staff, subdistrict)
    assert Bulletin.objects.count() == 1
    assert stub.posts == []
    assert "Could not schedule the robots' posts" in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        robot_sweep.apply()
    assert sorted(p.payload["msgtype"] for p in stub.posts) == ["image", "markdown"]


# A target reached --------------------------------------------------------------------------


def save_grid(client, user, site, committee, count: int):
    client.force_login(user)
    return client.post(
        reverse("sites:entry", args=[site.pk, DAY.isoformat()]),
        {f"count-{committee.pk}-first": str(count)},
    )


def test_a_target_reached_is_posted_once(
    client,
    stub,
    scene,
    subdistrict,
    committee,
    subdistrict_staff,
    django_capture_on_commit_callbacks,
):
    robot = wecom_robot(stub, subdistrict)
    with django_capture_on_commit_callbacks(execute=True):
        response = save_grid(client, subdistrict_staff, scene["temporary"], committee, 120)
    assert response.status_code == 302
    assert stub.problems == []
    [post] = stub.posts
    text = markdown_of(post)
    assert "目标达成：万里街道4月接种任务" in text
    assert "万里街道 · 全部剂次：已完成 1,510 / 1,500（100.7%）" in text
    assert "于 2021-04-29 达成，提前 1 天" in text
    # Saved again, still reached: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        save_grid(client, subdistrict_staff, scene["temporary"], committee, 130)
    assert len(stub.posts) == 1
    assert robot.posts.get().event == RobotPost.Event.TARGET
    assert TargetAnnouncement.objects.count() == 2


# Failing robots ----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "errcode"), [(500, -1), (200, 93000)])
def test_a_failing_robot_is_retried_then_logged_as_failed(
    stub, evening, subdistrict, status, errcode, deferred, django_capture_on_commit_callbacks
):
    stub.fail_with(status=status, errcode=errcode)
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    assert deferred.names() == ["robot_post_send"]
    deferred.run_all(django_capture_on_commit_callbacks)
    assert len(stub.posts) == MAX_RETRIES + 1
    post = RobotPost.objects.get()
    assert (post.status, post.attempts) == (RobotPost.Status.FAILED, MAX_RETRIES + 1)
    assert post.error.count("\n") == MAX_RETRIES + 1
    assert (f"HTTP {status}" if status != 200 else f"errcode {errcode}") in post.error
    assert "stub told to fail" in post.answer
    # A failed post stays failed: a second delivery of its task posts nothing.
    robot_post_send.apply(args=[post.pk])
    assert len(stub.posts) == MAX_RETRIES + 1


def test_a_save_made_while_a_robot_fails_answers_without_calling_it(
    client,
    stub,
    scene,
    subdistrict,
    committee,
    subdistrict_staff,
    deferred,
    django_capture_on_commit_callbacks,
):
    stub.fail_with(status=500)
    wecom_robot(stub, subdistrict)
    with django_capture_on_commit_callbacks(execute=True):
        response = save_grid(client, subdistrict_staff, scene["temporary"], committee, 120)
    assert response.status_code == 302
    assert DailyTally.objects.get(site=scene["temporary"], date=DAY).count == 120
    # The request made no call to the robot: it only handed a task over after commit.
    assert stub.posts == []
    assert deferred.names() == ["robot_posts_for_reached_targets"]
    deferred.run_all(django_capture_on_commit_callbacks)
    assert len(stub.posts) == MAX_RETRIES + 1
    assert RobotPost.objects.get().status == RobotPost.Status.FAILED


def test_without_a_broker_a_failing_robot_is_tried_once_in_process_and_logged(
    stub, evening, subdistrict, django_capture_on_commit_callbacks
):
    stub.fail_with(status=502)
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    assert len(stub.posts) == 1
    post = RobotPost.objects.get()
    assert (post.status, post.attempts) == (RobotPost.Status.FAILED, 1)
    assert "HTTP 502" in post.error


# Registering a robot -----------------------------------------------------------------------


def test_a_robot_is_checked_before_it_is_saved(subdistrict, district):
    wrong = [
        (
            Robot(platform="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send"),
            "webhook_url",
        ),
        (
            Robot(
                platform="dingtalk",
                webhook_url="https://oapi.dingtalk.com/robot/send?access_token=x",
            ),
            None,
        ),
        (
            Robot(
                platform="wecom", webhook_url="https://qyapi.weixin.qq.com/x?key=k", secret="SEC1"
            ),
            "secret",
        ),
    ]
    for robot, field in wrong:
        robot.name, robot.subdistrict = "群", subdistrict
        with pytest.raises(ValidationError) as raised:
            robot.full_clean()
        if field:
            assert field in raised.value.message_dict
        else:
            assert "钉钉机器人需要填写加签密钥。" in str(raised.value)
    both = Robot(
        name="群",
        platform="wecom",
        webhook_url="https://q.example/?key=k",
        district=district,
        subdistrict=subdistrict,
    )
    with pytest.raises(ValidationError, match="请选择区或街道之一"):
        both.full_clean()


def test_administrators_read_the_post_log_in_the_admin_and_nobody_writes_it(
    client,
    stub,
    evening,
    subdistrict,
    administrator,
    subdistrict_staff,
    django_capture_on_commit_callbacks,
):
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    post = RobotPost.objects.get()
    client.force_login(administrator)
    listing = client.get(reverse("admin:robots_robotpost_changelist")).content.decode()
    assert "万里街道工作群" in listing
    assert "已发送" in listing
    detail = client.get(reverse("admin:robots_robotpost_change", args=[post.pk])).content.decode()
    assert "家乐福临时接种点" in detail
    assert "errcode" in detail
    assert client.get(reverse("admin:robots_robotpost_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:robots_robotpost_delete", args=[post.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:robots_robot_add")).status_code == 200

    client.force_login(subdistrict_staff)
    assert client.get(reverse("admin:robots_robotpost_changelist")).status_code in (302, 403)


def test_the_beat_runs_the_robots_sweep(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert robot_sweep.name in entries


def test_a_name_written_as_markdown_stays_text(
    stub, evening, subdistrict, django_capture_on_commit_callbacks
):
    SiteFactory(
        subdistrict=subdistrict, code="WL-X", name="[点此领奖](https://evil.example) **急**"
    )
    wecom_robot(stub, subdistrict, remind_at=datetime.time(20, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.robot_reminders_due(at(20, 0))
    text = markdown_of(stub.posts[0])
    assert all(not url.startswith("https://evil") for _name, url in links(text))
    assert "\\[点此领奖\\](https://evil.example) \\*\\*急\\*\\*" in text
