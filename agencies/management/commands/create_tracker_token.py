from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency, MachineToken
from agencies.services import create_machine_token


class Command(BaseCommand):
    help = (
        "Create a token for an agency's vehicle tracker (AVL gateway). It can only report "
        "positions of that agency's units."
    )

    def add_arguments(self, parser):
        parser.add_argument("agency", help="the agency's code, e.g. damkar")
        parser.add_argument(
            "name", nargs="?", help="a name for this tracker (default: <agency>-avl)"
        )

    def handle(self, *args, agency, name, **options):
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(f"No agency with code {agency!r}.")
        name = name or f"{agency}-avl"
        if MachineToken.objects.filter(name=name).exists():
            raise CommandError(f"A token named {name!r} exists already; choose another name.")
        token, secret = create_machine_token(
            name=name, kind=MachineToken.Kind.TRACKER, agency=found
        )
        self.stderr.write(
            f"Token {token.name!r} created for {found}. Give the tracker this secret; "
            "it is shown only once:"
        )
        self.stdout.write(secret)
