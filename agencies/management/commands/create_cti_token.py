from django.core.management.base import BaseCommand, CommandError

from agencies.models import MachineToken
from agencies.services import create_machine_token


class Command(BaseCommand):
    help = "Create a token for the telephony (PBX/SIP) adapter. It can only post call events."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="pbx", help="a name for this adapter")

    def handle(self, *args, name, **options):
        if MachineToken.objects.filter(name=name).exists():
            raise CommandError(f"A token named {name!r} exists already; choose another name.")
        token, secret = create_machine_token(name=name, kind=MachineToken.Kind.CTI)
        self.stderr.write(
            f"Token {token.name!r} created. Give the adapter this secret; it is shown only once:"
        )
        self.stdout.write(secret)
