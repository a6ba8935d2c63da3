import logging
import os

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from agencies.models import User

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve HTTP and the console WebSocket (ASGI, uvicorn); the one web entry point."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1"))
        )

    def handle(self, *args, host, port, workers, **options):
        if settings.EMBEDDED:
            # The in-memory channel layer and the ticker live in one process.
            workers = 1
            if User.objects.filter(username="operator").exists():
                self.stderr.write(
                    "WARNING: demo accounts are active (operator, dispatcher, supervisor, "
                    "verifier, admin, one desk per agency) with password "
                    f"{settings.DEMO_PASSWORD!r}. Embedded default only: never for real calls."
                )
        mode = "embedded default" if settings.EMBEDDED else "production"
        self.stdout.write(f"Ambon 112 on http://{host}:{port}/ ({mode})")
        uvicorn.run(
            "ambon112.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="on",
            ws="websockets",
            proxy_headers=not settings.EMBEDDED,
            log_config=None,
        )
