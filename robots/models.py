"""Group robots of the chat apps a street office lives in, and the log of what they posted.

A robot is a webhook of one group: a WeChat Work group robot (企业微信群机器人, its URL
carries a ``key``) or a DingTalk custom robot (钉钉自定义机器人, its URL carries an
``access_token`` and it signs with a secret). It belongs to a district or a subdistrict and
posts that area's evening reminder, its published bulletins and its reached targets.
"""

from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaign.models import District, Subdistrict, Target, TimeStampedModel
from reports.models import Bulletin


class Robot(TimeStampedModel):
    class Platform(models.TextChoices):
        WECOM = "wecom", _("WeChat Work group robot")
        DINGTALK = "dingtalk", _("DingTalk custom robot")

    # The query parameter that names the robot in each platform's webhook URL.
    URL_KEY: dict[str, str] = {"wecom": "key", "dingtalk": "access_token"}

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_(
            "As the group shows it when the robot is added: "
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… (WeChat Work) or "
            "https://oapi.dingtalk.com/robot/send?access_token=… (DingTalk)."
        ),
    )
    # Kept out of the history: a copy of the secret in every history row is one more
    # place for it to leak from.
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "DingTalk only: the secret starting with SEC shown under the robot's "
            '"加签" security setting. Leave empty for WeChat Work.'
        ),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("district"),
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("subdistrict"),
    )
    remind_at = models.TimeField(
        _("evening reminder at"),
        null=True,
        blank=True,
        help_text=_(
            "Beijing time, e.g. 20:00: the sites not reported yet that day are posted then "
            "(once a day). Empty: no reminder."
        ),
    )
    posts_bulletins = models.BooleanField(_("posts published bulletins"), default=True)
    posts_targets = models.BooleanField(_("posts reached targets"), default=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive robot posts nothing.")
    )
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, subdistrict__isnull=True)
                | Q(district__isnull=True, subdistrict__isnull=False),
                name="robot_one_area",
                violation_error_message=_("Choose a district or a subdistrict, not both."),
            ),
            models.CheckConstraint(
                condition=~Q(platform="dingtalk") | ~Q(secret=""),
                name="robot_dingtalk_has_secret",
                violation_error_message=_("A DingTalk robot needs its signing secret."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area(self) -> District | Subdistrict:
        area = self.subdistrict or self.district
        if area is None:  # the constraint keeps this from being stored
            raise ValueError("A robot belongs to a district or a subdistrict.")
        return area

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        parts = urlsplit(self.webhook_url or "")
        key = self.URL_KEY.get(self.platform)
        if self.webhook_url and parts.scheme not in ("http", "https"):
            errors["webhook_url"] = str(_("The webhook URL must start with https://."))
        elif self.webhook_url and key and not parse_qs(parts.query).get(key):
            errors["webhook_url"] = _(
                'This is not a %(platform)s webhook URL: it has no "%(key)s=" parameter.'
            ) % {"platform": self.get_platform_display(), "key": key}
        if self.platform == self.Platform.WECOM and self.secret:
            errors["secret"] = str(_("WeChat Work robots have no signing secret: leave it empty."))
        if errors:
            raise ValidationError(errors)


class TargetAnnouncement(models.Model):
    """A target whose reaching has been announced (to the robots registered then): a
    target is announced once, however often its progress is rebuilt."""

    target = models.OneToOneField(
        Target,
        on_delete=models.CASCADE,
        related_name="announcement",
        verbose_name=_("target"),
    )
    reached_on = models.DateField(_("reached on"))
    announced_at = models.DateTimeField(_("announced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("target announcement")
        verbose_name_plural = _("target announcements")

    def __str__(self) -> str:
        return f"{self.target_id} {self.reached_on}"


class RobotPost(models.Model):
    """One message to one robot: what was posted, the answer and any error."""

    class Event(models.TextChoices):
        REMINDER = "reminder", _("evening reminder")
        BULLETIN = "bulletin", _("bulletin published")
        TARGET = "target", _("target reached")

    class MessageType(models.TextChoices):
        MARKDOWN = "markdown", _("markdown")
        IMAGE = "image", _("image")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    robot = models.ForeignKey(
        Robot, on_delete=models.PROTECT, related_name="posts", verbose_name=_("robot")
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    # What makes the post unique for its robot (a reminder a day, a bulletin's image and
    # its text once, a target once): a second run of the same job finds it and stops.
    key = models.CharField(_("key"), max_length=100)
    day = models.DateField(_("day"))
    bulletin = models.ForeignKey(
        Bulletin,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bulletin"),
    )
    target = models.ForeignKey(
        Target,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target"),
    )
    message_type = models.CharField(_("message type"), max_length=16, choices=MessageType.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    content = models.TextField(_("content"), blank=True)
    image_md5 = models.CharField(_("image MD5"), max_length=32, blank=True)
    image_size = models.PositiveIntegerField(_("image size (bytes)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("robot post")
        verbose_name_plural = _("robot posts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["robot", "key"], name="robotpost_once_per_robot")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="robotpost_status")]

    def __str__(self) -> str:
        return f"{self.robot} · {self.get_event_display()} · {self.day}"
