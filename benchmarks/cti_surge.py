"""A surge of telephony events against a running server, timed to a console's socket.

Posts N "ringing" events through POST /api/cti/events/ from a few concurrent clients, with a
console signed in and connected to /ws/console/, and prints calls/s and the latency from each
post being sent to its call.ringing event arriving on the socket, and from the post's answer to
the event (what the push adds to the write; negative when the event came first). With
--server-pid (a server on this machine) it also prints the server's CPU per call, summed over
its processes (WEB_CONCURRENCY workers), and the largest peak resident size of one. Each call
comes from a number of its own, as in a surge of many callers (a number's events are handled one
at a time, so one number for all would queue every post behind the one before). With
--consoles C, C - 1 more sockets of the same account follow the feed as the rest of a room's
consoles would (they only count their call.ringing frames): the server sends every event to
each of them, and the run prints how many events the slowest of them got.

    python benchmarks/cti_surge.py --url http://127.0.0.1:8000 --token SECRET \\
        --username supervisor --password ambon112-demo --calls 2000 --clients 8

Needs only the standard library and `websockets` (installed with uvicorn[standard]).
"""

import argparse
import asyncio
import http.client
import json
import os
import queue
import re
import statistics
import time
import urllib.parse
import uuid

import websockets


def sign_in(base: urllib.parse.SplitResult, username: str, password: str) -> str:
    """The session cookie of a console user, through the ordinary sign-in form."""
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=10)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", page.getheader("Set-Cookie") or ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"{base.scheme}://{base.netloc}/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    session = re.search(r"sessionid=([^;]+)", answer.getheader("Set-Cookie") or "")
    if answer.status != 302 or not session:
        raise SystemExit(f"sign-in as {username} failed (HTTP {answer.status})")
    return f"sessionid={session.group(1)}"


def poster(
    base,
    token: str,
    jobs: "queue.Queue[tuple[str, str] | None]",
    sent: dict,
    answered: dict,
    errors: list,
) -> None:
    """One client with a kept-alive connection, posting until it takes None from the queue."""
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    while (job := jobs.get()) is not None:
        call_id, number = job
        body = json.dumps(
            {"call_id": call_id, "event": "ringing", "number": number, "line": "112-1"}
        )
        sent[call_id] = time.perf_counter()
        conn.request("POST", "/api/cti/events/", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        answered[call_id] = time.perf_counter()
        if response.status not in (200, 201):
            errors.append(f"HTTP {response.status}: {payload[:200]!r}")


async def main(args) -> None:
    base = urllib.parse.urlsplit(args.url)
    cookie = sign_in(base, args.username, args.password)
    ws_url = f"{'wss' if base.scheme == 'https' else 'ws'}://{base.netloc}/ws/console/"
    run = uuid.uuid4().hex[:8]
    call_ids = [f"bench-{run}-{i}" for i in range(args.calls)]
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    arrived: dict[str, float] = {}
    errors: list[str] = []

    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": f"{base.scheme}://{base.netloc}"}
    ) as socket:
        hello = json.loads(await socket.recv())
        print(f"console connected to feed {hello['feed']!r} at head {hello['head']}")

        async def listen() -> None:
            while len(arrived) < args.calls:
                message = json.loads(await socket.recv())
                event = message.get("event") or {}
                if event.get("kind") == "call.ringing":
                    call_id = event["data"]["call"]["call_id"]
                    if call_id in sent:
                        arrived[call_id] = time.perf_counter()

        async def follow(other) -> None:
            while followed[other] < args.calls:
                if '"call.ringing"' in await other.recv():
                    followed[other] += 1

        others = [
            await websockets.connect(
                ws_url,
                additional_headers={"Cookie": cookie, "Origin": f"{base.scheme}://{base.netloc}"},
            )
            for _ in range(args.consoles - 1)
        ]
        followed = dict.fromkeys(others, 0)
        followers = [asyncio.create_task(follow(other)) for other in others]
        listener = asyncio.create_task(listen())
        jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        for i, call_id in enumerate(call_ids):
            jobs.put((call_id, f"+628129{i:07d}"))  # a surge is many callers, each once
        for _ in range(args.clients):
            jobs.put(None)
        cpu_before = server_cpu_s(args.server_pid)
        started = time.perf_counter()
        await asyncio.gather(
            *(
                asyncio.to_thread(poster, base, args.token, jobs, sent, answered, errors)
                for _ in range(args.clients)
            )
        )
        posted = time.perf_counter() - started
        try:
            await asyncio.wait_for(asyncio.gather(listener, *followers), timeout=30)
        except TimeoutError:
            print(f"only {len(arrived)} of {args.calls} events arrived within 30 s")
        cpu_used = server_cpu_s(args.server_pid) - cpu_before
        for other in others:
            await other.close()

    print(
        f"{args.calls} calls posted by {args.clients} clients in {posted:.2f} s: "
        f"{args.calls / posted:.0f} calls/s; errors: {len(errors)}"
    )
    for message in errors[:3]:
        print(f"  {message}")
    if args.server_pid:
        peak, processes = peak_rss_mb(args.server_pid)
        print(
            f"server CPU: {cpu_used * 1000 / args.calls:.2f} ms per call, over its {processes} "
            f"processes; the largest peak resident size of one of them: {peak:.0f} MB"
        )
    if others:
        print(f"{len(others)} more consoles: the slowest got {min(followed.values())} events")
    if arrived:
        report("post → event on the console socket", [arrived[c] - sent[c] for c in arrived])
        report("answer → event on the console socket", [arrived[c] - answered[c] for c in arrived])


def report(what: str, seconds: list[float]) -> None:
    latencies = sorted(s * 1000 for s in seconds)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    print(
        f"{what} ({len(latencies)} events): p50 {pct(0.50):.1f} ms, p95 {pct(0.95):.1f} ms, "
        f"p99 {pct(0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms"
    )


def server_processes(pid: int) -> list[int]:
    """The server's process and every process under it (uvicorn's workers), from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rpartition(")")[2].split()[1])
            except OSError:  # ended meanwhile
                continue
    tree, found = [pid], []
    while tree:
        current = tree.pop()
        found.append(current)
        tree += [child for child, parent in parents.items() if parent == current]
    return found


def server_cpu_s(pid: int | None) -> float:
    """User and system CPU seconds the server's processes have used so far (Linux)."""
    if not pid:
        return 0.0
    total = 0
    for process in server_processes(pid):
        try:
            with open(f"/proc/{process}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> tuple[float, int]:
    """The largest peak resident size (VmHWM) of one of the server's processes, in MB, and how
    many processes there are."""
    processes = server_processes(pid)
    peaks = []
    for process in processes:
        with open(f"/proc/{process}/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        peaks.append(int(line.split()[1]) / 1024)
    return max(peaks), len(processes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="from manage.py create_cti_token")
    parser.add_argument("--username", default="supervisor")
    parser.add_argument("--password", default="ambon112-demo")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--server-pid", type=int, help="print the server's CPU per call")
    parser.add_argument("--consoles", type=int, default=1, help="sockets following the feed")
    asyncio.run(main(parser.parse_args()))
