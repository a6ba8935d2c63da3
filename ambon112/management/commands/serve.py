import logging
import os

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.models import User
from ambon112.production import production_problems, refusal

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve HTTP and the console WebSocket (ASGI, uvicorn); the one web entry point."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1"))
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only run the startup checks (production refusals), then exit without serving.",
        )

    def handle(self, *args, host, port, workers, check, **options):
        # Production refuses to start rather than take real calls with a public key or with
        # accounts whose password is in the README (ambon112/production.py).
        problems = production_problems()
        if problems:
            raise CommandError(refusal(problems))
        mode = "production" if settings.PRODUCTION else "development"
        if settings.EMBEDDED:
            # The in-memory channel layer and the ticker live in one process.
            workers = 1
            mode = "embedded default"
            if User.objects.filter(username="operator", is_active=True).exists():
                self.stderr.write(
                    "WARNING: demo accounts are active (operator, dispatcher, supervisor, "
                    "verifier, admin, one desk per agency) with password "
                    f"{settings.DEMO_PASSWORD!r}. Not for real calls: a production server "
                    "(AMBON112_ENV=production) refuses to start while they are."
                )
        if check:
            self.stdout.write(f"Startup checks passed ({mode}).")
            return
        self.stdout.write(f"Ambon 112 on http://{host}:{port}/ ({mode})")
        uvicorn.run(
            "ambon112.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="on",
            ws="websockets",
            # Each event goes to every console from the event loop; compressed, every frame
            # cost one deflate per console, each waiting for the GIL behind the request threads:
            # with 20 consoles in a surge, events arrived seconds late (issue #18).
            ws_per_message_deflate=False,
            proxy_headers=settings.PRODUCTION or not settings.EMBEDDED,
            log_config=None,
        )
