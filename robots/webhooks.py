"""The two webhook formats and the HTTP post, with nothing of the database in them.

WeChat Work group robot (企业微信群机器人):
https://developer.work.weixin.qq.com/document/path/91770 — ``POST …/webhook/send?key=…``
with ``{"msgtype": "markdown", "markdown": {"content": …}}`` (at most 4,096 bytes) or
``{"msgtype": "image", "image": {"base64": …, "md5": …}}`` (the MD5 of the image before
base64, at most 2 MB).

DingTalk custom robot (钉钉自定义机器人):
https://open.dingtalk.com/document/robots/custom-robot-access — ``POST …/robot/send?
access_token=…&timestamp=…&sign=…`` where ``sign`` is base64(HMAC-SHA256(key=secret,
msg=f"{timestamp}\\n{secret}")), URL-encoded, and the timestamp (ms) must be within an
hour of DingTalk's clock; ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``.

Both answer ``{"errcode": 0, "errmsg": "ok"}``; anything else is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote_plus

WECOM = "wecom"
DINGTALK = "dingtalk"
# Short: a post runs on a worker, and a robot that does not answer must not hold it.
TIMEOUT_SECONDS = 5
WECOM_MARKDOWN_MAX_BYTES = 4096
DINGTALK_MARKDOWN_MAX_BYTES = 20000
WECOM_IMAGE_MAX_BYTES = 2 * 1024 * 1024
ANSWER_KEPT = 2000  # characters of an answer kept in the log


class WebhookFailed(Exception):
    """The post did not go through; ``answer`` is what the server said, if anything."""

    def __init__(self, message: str, answer: str = "") -> None:
        super().__init__(message)
        self.answer = answer


def markdown_limit(platform: str) -> int:
    return WECOM_MARKDOWN_MAX_BYTES if platform == WECOM else DINGTALK_MARKDOWN_MAX_BYTES


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of ``timestamp_ms``, not yet URL-encoded."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(url: str, platform: str, secret: str, now_ms: int | None = None) -> str:
    """The URL to post to: DingTalk's with ``&timestamp=…&sign=…`` appended."""
    if platform != DINGTALK:
        return url
    timestamp = int(time.time() * 1000) if now_ms is None else now_ms
    sign = quote_plus(dingtalk_sign(secret, timestamp))
    return f"{url}&timestamp={timestamp}&sign={sign}"


def markdown_payload(platform: str, *, title: str, content: str) -> dict[str, Any]:
    if platform == DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}


def image_payload(png: bytes) -> dict[str, Any]:
    """WeChat Work's image message (DingTalk's robots take no image upload)."""
    return {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(png).decode("ascii"),
            "md5": hashlib.md5(png, usedforsecurity=False).hexdigest(),
        },
    }


def webhook_post(url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> str:
    """POST ``payload`` as JSON; the answer's text when it says errcode 0, otherwise
    ``WebhookFailed`` with the answer."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310  (https URLs an administrator set)
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read(64 * 1024).decode("utf-8", errors="replace")
            status = response.status
    except urllib.error.HTTPError as error:
        answer = error.read(64 * 1024).decode("utf-8", errors="replace")
        raise WebhookFailed(f"HTTP {error.code}", answer[:ANSWER_KEPT]) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise WebhookFailed(f"{type(error).__name__}: {error}") from error
    answer = answer[:ANSWER_KEPT]
    try:
        errcode = json.loads(answer).get("errcode")
    except (ValueError, AttributeError):
        raise WebhookFailed(f"HTTP {status}: not a JSON answer", answer) from None
    if errcode != 0:
        raise WebhookFailed(f"errcode {errcode}", answer)
    return answer
