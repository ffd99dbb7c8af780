"""What keeps ``ingest serve`` safe to expose: the bind check, the token, the request size
cap, the response headers, and access logs without the token."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from worker.core.errors import ConfigError
from worker.core.settings import Settings

MAX_BODY = 4096  # bytes; every route is a GET, a body has no use here
MIN_TOKEN = 16  # characters; `openssl rand -hex 24` gives 48

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """``host`` reaches this machine only (a name other than localhost counts as wide)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def configured_token(settings: Settings) -> str | None:
    """INGEST_API_TOKEN, or None when unset or empty."""
    token = settings.api_token.get_secret_value() if settings.api_token is not None else ""
    return token or None


def check_bind(settings: Settings, host: str) -> str | None:
    """The token to require; a ``ConfigError`` when bound wide without a usable one."""
    token = configured_token(settings)
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"--host {host} is not a loopback address: set INGEST_API_TOKEN "
            "(e.g. `openssl rand -hex 24`), or serve on 127.0.0.1"
        )
    if token is not None and len(token) < MIN_TOKEN:
        raise ConfigError(
            f"INGEST_API_TOKEN is too short ({len(token)} characters; use at least {MIN_TOKEN})"
        )
    return token


_bearer = HTTPBearer(auto_error=False, description="INGEST_API_TOKEN, when it is set.")
_query = APIKeyQuery(
    name="token", auto_error=False, description="The same token, for EventSource (no headers)."
)


def token_check(expected: str | None) -> Callable[..., None]:
    """A dependency that lets a request through with the token (or when none is set)."""
    wanted = expected.encode() if expected is not None else None

    def check(
        header: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        query: Annotated[str | None, Depends(_query)],
    ) -> None:
        if wanted is None:
            return
        given = header.credentials if header is not None else query
        # Constant time: the comparison does not tell how much of a guess was right.
        if given is None or not hmac.compare_digest(given.encode(), wanted):
            raise HTTPException(
                401,
                "a valid token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


class Guard:
    """ASGI middleware: a request body over ``MAX_BODY`` gets 413 before any route runs (by
    its Content-Length, or counted as it arrives), and every response gets safe headers."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        if not length.isdigit() or int(length) > MAX_BODY:
            await _too_large(send)
            return
        if chunked or int(length):
            body = await _read_body(receive)
            if body is None:
                await _too_large(send)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, self._with_headers(send))

    def _with_headers(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.extra if k not in have]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        return sending


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None as soon as it passes ``MAX_BODY``."""
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return body
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(send: Send) -> None:
    text = b'{"detail":"request body too large (at most 4096 bytes)"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(text)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": [
        *headers, (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": text})


_TOKEN_PARAM = re.compile(r"([?&]token=)[^&\s]*")
_USERINFO = re.compile(r"(\w+://)[^/@\s]*@")


def without_token(text: str) -> str:
    """``text`` with any ``token=`` query value masked (for access logs)."""
    return _TOKEN_PARAM.sub(r"\1***", text)


def without_userinfo(text: str) -> str:
    """``text`` with the user and password of any URL in it masked."""
    return _USERINFO.sub(r"\1***@", text)


class RedactToken(logging.Filter):
    """uvicorn's access log line shows the path with its query: mask the token there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(without_token(a) if isinstance(a, str) else a for a in record.args)
        return True
