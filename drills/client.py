"""HTTP clients of the drills: the telephony adapter (retrying, as the API is idempotent) and a
signed-in console user. Standard library only; every request has a timeout.

Each request is recorded as an `Attempt` (wall-clock start, status or error, duration), so that a
drill can tell a 5xx answer whose write had in fact committed (a "false 500") from one that did
not: the retry of a committed CTI event answers 200 ("nothing changed"), and the event row's
time precedes the retry.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

REQUEST_TIMEOUT_S = 15.0


@dataclass
class Attempt:
    started: float  # time.time()
    status: int | None  # None: no HTTP answer (connection refused, reset, timeout)
    elapsed: float
    error: str = ""
    data: object = None


@dataclass
class Outcome:
    """One logical request and every attempt it took."""

    what: str  # "ringing", "answered", "ended", "abandoned", "aml", "take", …
    key: str  # call_id (or call pk for a take)
    base: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def status(self) -> int | None:
        return self.final.status if self.final else None

    @property
    def acked(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def five_xx(self) -> int:
        return sum(1 for a in self.attempts if a.status is not None and a.status >= 500)

    @property
    def errors(self) -> int:
        return sum(1 for a in self.attempts if a.status is None)

    @property
    def data(self):
        return self.final.data if self.final else None


_local = threading.local()


def _connection(base: str) -> http.client.HTTPConnection:
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(base)
    if conn is None:
        parts = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S)
        conns[base] = conn
    return conn


def _drop(base: str) -> None:
    conn = getattr(_local, "conns", {}).pop(base, None)
    if conn is not None:
        conn.close()


def request(
    base: str,
    method: str,
    path: str,
    *,
    body: object = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT_S,
) -> Attempt:
    """One HTTP request on this thread's kept-alive connection to `base`."""
    started, t0 = time.time(), time.perf_counter()
    payload = json.dumps(body) if body is not None and not isinstance(body, str) else body
    all_headers = {"Accept": "application/json"}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    for reused in (True, False):
        conn = _connection(base)
        reused = reused and conn.sock is not None
        conn.timeout = timeout
        try:
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
            if response.getheader("Connection", "").lower() == "close":
                _drop(base)
            break
        except (OSError, http.client.HTTPException) as exc:
            _drop(base)
            # A kept-alive connection the server closed while idle: once more on a new one.
            stale = isinstance(
                exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
            )
            if reused and stale and not isinstance(exc, TimeoutError):
                continue
            error = f"{type(exc).__name__}: {exc}"
            return Attempt(started, None, time.perf_counter() - t0, error)
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw[:300].decode(errors="replace")
    return Attempt(started, response.status, time.perf_counter() - t0, data=data)


def with_retries(
    outcome: Outcome,
    send,
    *,
    give_up_after_s: float = 60.0,
    final_statuses: tuple[int, ...] = (),
) -> Outcome:
    """Send until a non-5xx answer (or a status in final_statuses), backing off on 5xx and
    connection errors, for at most give_up_after_s."""
    deadline = time.monotonic() + give_up_after_s
    delay = 0.05
    while True:
        attempt = send()
        outcome.attempts.append(attempt)
        retry = attempt.status is None or attempt.status >= 500
        if attempt.status in final_statuses:
            retry = False
        if not retry or time.monotonic() + delay > deadline:
            return outcome
        time.sleep(delay * (0.5 + random.random()))  # noqa: S311 (jitter, not crypto)
        delay = min(delay * 2, 1.0)


class CtiAdapter:
    """The telephony adapter: posts call events and AML bodies, retrying 5xx and errors."""

    def __init__(self, token: str, *, give_up_after_s: float = 60.0):
        self.headers = {"Authorization": f"Token {token}"}
        self.give_up_after_s = give_up_after_s

    def event(self, base: str, call_id: str, event: str, number: str, **extra) -> Outcome:
        body = {"call_id": call_id, "event": event, "number": number, "line": "112-1", **extra}
        return with_retries(
            Outcome(event, call_id, base),
            lambda: request(base, "POST", "/api/cti/events/", body=body, headers=self.headers),
            give_up_after_s=self.give_up_after_s,
        )

    def aml(self, base: str, call_id: str, number: str, aml_body: str) -> Outcome:
        body = {"number": number, "body": aml_body}
        return with_retries(
            Outcome("aml", call_id, base),
            lambda: request(base, "POST", "/api/cti/aml/", body=body, headers=self.headers),
            give_up_after_s=self.give_up_after_s,
        )


class ConsoleUser:
    """A person signed in through the ordinary sign-in form; REST with session and CSRF."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.username = base, username
        self.cookies: dict[str, str] = {}
        self._sign_in(password)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _remember(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            match = re.match(r"\s*([^=;]+)=([^;]*)", header)
            if match:
                self.cookies[match.group(1)] = match.group(2)

    def _sign_in(self, password: str) -> None:
        parts = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request("GET", "/login/")
            page = conn.getresponse()
            html = page.read().decode(errors="replace")
            self._remember(page.headers.get_all("Set-Cookie") or [])
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            if token is None:
                raise RuntimeError(f"no sign-in form at {self.base}/login/ ({page.status})")
            form = urllib.parse.urlencode(
                {
                    "username": self.username,
                    "password": password,
                    "csrfmiddlewaretoken": token.group(1),
                }
            )
            conn.request(
                "POST",
                "/login/",
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": self.cookie_header,
                    "Referer": f"{self.base}/login/",
                },
            )
            answer = conn.getresponse()
            answer.read()
            self._remember(answer.headers.get_all("Set-Cookie") or [])
        finally:
            conn.close()
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {self.username} failed (HTTP {answer.status})")

    def _headers(self) -> dict[str, str]:
        return {
            "Cookie": self.cookie_header,
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "Referer": f"{self.base}/",
        }

    def get(self, path: str, *, base: str | None = None, timeout: float = REQUEST_TIMEOUT_S):
        return request(base or self.base, "GET", path, headers=self._headers(), timeout=timeout)

    def take(self, call_pk: int, *, base: str | None = None, give_up_after_s: float = 30.0):
        target = base or self.base
        return with_retries(
            Outcome("take", str(call_pk), target),
            lambda: request(
                target, "POST", f"/api/calls/{call_pk}/take/", body={}, headers=self._headers()
            ),
            give_up_after_s=give_up_after_s,
        )
