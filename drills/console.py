"""A console as the browser runs one: follow /ws/console/, resync over REST, reconnect.

It remembers every sequence number it applied and when each event arrived *live* over the
socket (not through a resync), so that a drill can measure how long a console was deaf after a
fault, and how many events it never got even after resyncing. It resyncs (GET
/api/events/?after=N) after every (re)connect, when an event's `prev` shows it missed one, and
when a heartbeat (`{"type": "heartbeat", "head": N}`) says the feed is ahead of it.

It runs its own asyncio loop in a thread, so that synchronous drills can use it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse

import websockets

from drills.client import ConsoleUser

HANDSHAKE_TIMEOUT_S = 20.0


class Console:
    def __init__(self, user: ConsoleUser, *, base: str | None = None, name: str = "console"):
        self.user = user
        self.base = base or user.base
        self.name = name
        netloc = urllib.parse.urlsplit(self.base).netloc
        self.ws_url = f"ws://{netloc}/ws/console/"
        self.origin = f"http://{netloc}"
        self.applied: set[int] = set()
        self.last = 0  # the highest sequence number applied
        self.first_head: int | None = None
        self.live: list[tuple[float, int]] = []  # (time.monotonic(), seq) arrived on the socket
        self.heartbeats: list[tuple[float, int | None]] = []
        self.handshakes: list[tuple[float, float, bool]] = []  # (started, seconds, ok)
        self.resyncs = 0
        self.resync_errors = 0
        self.disconnects = 0
        self.connected = False
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- Control from the drill's thread ----------------------------------------------------

    def start(self, timeout: float = HANDSHAKE_TIMEOUT_S) -> Console:
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-loop", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"{self.name}: no hello within {timeout} s: {self.errors[-3:]}")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def heard_live_after(self, since: float) -> float | None:
        """Seconds from `since` (time.monotonic()) to the first event that came live after it."""
        with self._lock:
            for at, _seq in self.live:
                if at > since:
                    return at - since
        return None

    def missing(self, upto: int) -> list[int]:
        """Sequence numbers after the first hello's head, up to `upto`, never applied."""
        start = self.first_head or 0
        with self._lock:
            return [seq for seq in range(start + 1, upto + 1) if seq not in self.applied]

    def wait_until_applied(self, head: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.last >= head and not self.missing(head):
                return True
            time.sleep(0.1)
        return False

    # --- The loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._follow())
        finally:
            self._loop.close()

    async def _follow(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                async with websockets.connect(
                    self.ws_url,
                    additional_headers={"Cookie": self.user.cookie_header, "Origin": self.origin},
                    open_timeout=HANDSHAKE_TIMEOUT_S,
                    close_timeout=2,
                ) as socket:
                    hello = json.loads(
                        await asyncio.wait_for(socket.recv(), timeout=HANDSHAKE_TIMEOUT_S)
                    )
                    self.handshakes.append((started, time.monotonic() - started, True))
                    if self.first_head is None:
                        self.first_head = self.last = int(hello.get("head") or 0)
                    self.connected = True
                    self._ready.set()
                    await self._resync()
                    await self._listen(socket)
            except Exception as exc:  # noqa: BLE001 (any failure: reconnect)
                if not self.connected:
                    self.handshakes.append((started, time.monotonic() - started, False))
                self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            if self.connected:
                self.disconnects += 1
            self.connected = False
            if not self._stop.is_set():
                await asyncio.sleep(0.5)

    async def _listen(self, socket) -> None:
        while not self._stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "event":
                event = message.get("event") or {}
                seq = int(event.get("seq") or 0)
                prev = event.get("prev")
                with self._lock:
                    self.live.append((time.monotonic(), seq))
                    gap = prev is not None and prev > self.last and prev not in self.applied
                    self._apply(seq)
                if gap:
                    await self._resync()
            elif kind == "heartbeat":
                head = message.get("head")
                self.heartbeats.append((time.monotonic(), head))
                if isinstance(head, int) and head > self.last:
                    await self._resync()

    def _apply(self, seq: int) -> None:
        self.applied.add(seq)
        self.last = max(self.last, seq)

    async def _resync(self) -> None:
        """Fetch what the console missed: the events after the last contiguous one applied."""
        self.resyncs += 1
        after = self._contiguous()
        for _page in range(200):
            answer = await asyncio.to_thread(
                self.user.get, f"/api/events/?after={after}&limit=1000", base=self.base
            )
            if answer.status != 200 or not isinstance(answer.data, dict):
                self.resync_errors += 1
                return
            events = answer.data.get("events") or []
            with self._lock:
                for event in events:
                    self._apply(int(event["seq"]))
            if not answer.data.get("has_more") or not events:
                return
            after = int(events[-1]["seq"])

    def _contiguous(self) -> int:
        """The highest n such that every seq from the first head to n was applied."""
        with self._lock:
            n = self.first_head or 0
            while n + 1 in self.applied:
                n += 1
            return n
