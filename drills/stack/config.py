"""What every part of the drill stack agrees on: the loopback host and how to pick a free port on
it, the database's name, the throwaway accounts and secret, and the shortened timings that let a
drill see a whole escalation ladder within seconds.
"""

import socket
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = "drill-password-112-ambon"  # noqa: S105 (a throwaway stack's accounts)
SECRET_KEY = "drill-only-not-secret-ambon112-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DB_NAME = "ambon112_drill"
HOST = "127.0.0.1"

# Short ladders so that drills see every level within seconds: the call-unanswered policy rings
# L1 after 2 s and L2 after 4 s (docs/architecture.md "Deadlines" says 15 s and 30 s).
CALL_LADDER_S = (2, 4)
CONSOLE_HEARTBEAT_S = 2

# People of the drill stack: one supervisor's console, call-takers who take calls.
SUPERVISOR = "drill-supervisor"
CALL_TAKERS = ("drill-operator-1", "drill-operator-2", "drill-operator-3", "drill-operator-4")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
