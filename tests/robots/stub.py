"""A stand-in for WeChat Work's and DingTalk's robot webhooks on 127.0.0.1.

It checks each post as the real services document it (the message types, the image's
base64 and MD5, DingTalk's timestamp and HMAC-SHA256 signature), records every post with
whatever was wrong with it, and answers as it is told (``{"errcode": 0}`` by default).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Post:
    platform: str
    token: str
    payload: dict
    problems: list[str] = field(default_factory=list)
    thread: str = ""


class RobotStub:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.secrets: dict[str, str] = {}  # DingTalk access_token → secret
        self.status = 200
        self.answer: dict = {"errcode": 0, "errmsg": "ok"}
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                post = stub._check(
                    self.path, self.headers.get("Content-Type", ""), self.rfile.read(length)
                )
                with stub._lock:
                    stub.posts.append(post)
                body = json.dumps(stub.answer).encode()
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # Addresses -------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wecom_url(self, key: str) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str, secret: str) -> str:
        self.secrets[token] = secret
        return f"{self.base}/robot/send?access_token={token}"

    def fail_with(self, status: int = 200, errcode: int = 0) -> None:
        self.status = status
        self.answer = {"errcode": errcode, "errmsg": "stub told to fail" if errcode else "ok"}

    @property
    def problems(self) -> list[str]:
        return [problem for post in self.posts for problem in post.problems]

    # Checks ------------------------------------------------------------------------------

    def _check(self, path: str, content_type: str, body: bytes) -> Post:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        problems = []
        if not content_type.startswith("application/json"):
            problems.append(f"content type {content_type!r}")
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:
            return Post("?", "", {}, ["body is not UTF-8 JSON"], threading.current_thread().name)
        if parts.path == "/cgi-bin/webhook/send":
            platform, token = "wecom", (query.get("key") or [""])[0]
            if not token:
                problems.append("no key")
            problems += self._check_wecom(payload)
        elif parts.path == "/robot/send":
            platform, token = "dingtalk", (query.get("access_token") or [""])[0]
            problems += self._check_signature(token, query)
            problems += self._check_dingtalk(payload)
        else:
            platform, token = "?", ""
            problems.append(f"unknown path {parts.path}")
        return Post(platform, token, payload, problems, threading.current_thread().name)

    @staticmethod
    def _check_wecom(payload: dict) -> list[str]:
        match payload.get("msgtype"):
            case "markdown":
                content = payload.get("markdown", {}).get("content")
                if not isinstance(content, str) or not content:
                    return ["markdown without content"]
                if len(content.encode()) > 4096:
                    return ["markdown over 4096 bytes"]
                return []
            case "image":
                image = payload.get("image", {})
                try:
                    png = base64.b64decode(image.get("base64", ""), validate=True)
                except ValueError:
                    return ["image base64 does not decode"]
                problems = []
                if hashlib.md5(png, usedforsecurity=False).hexdigest() != image.get("md5"):
                    problems.append("image md5 does not match")
                if not png.startswith(b"\x89PNG") or len(png) > 2 * 1024 * 1024:
                    problems.append("image is not a PNG of at most 2 MB")
                return problems
        return [f"msgtype {payload.get('msgtype')!r}"]

    @staticmethod
    def _check_dingtalk(payload: dict) -> list[str]:
        if payload.get("msgtype") != "markdown":
            return [f"msgtype {payload.get('msgtype')!r}"]
        markdown = payload.get("markdown", {})
        if not markdown.get("title") or not markdown.get("text"):
            return ["markdown without title or text"]
        return []

    def _check_signature(self, token: str, query: dict) -> list[str]:
        secret = self.secrets.get(token)
        if secret is None:
            return [f"unknown access_token {token!r}"]
        timestamp, sign = (query.get("timestamp") or [""])[0], (query.get("sign") or [""])[0]
        if not timestamp.isascii() or not timestamp.isdigit():
            return ["no timestamp"]
        if abs(time.time() * 1000 - int(timestamp)) > 60 * 60 * 1000:
            return ["timestamp more than an hour off"]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        return [] if hmac.compare_digest(sign, expected) else ["sign does not verify"]
