"""Password rules beyond Django's: long passwords that are still the first ones guessed."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SERVICE_NAME = "ambon112"
# Runs along these (and backwards) are what people type when asked for twelve characters:
# the alphabet, the digits (0 after 9, as on the keyboard), the letter rows read on into the
# next row, and the keyboard's columns.
SEQUENCES = [
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
]
RUN_MIN = 3  # "ab" is chance, "abc" is a sequence
# A password keeps at least this many characters outside runs and repeats: `qwerty123456`
# keeps none, `pemadam-abc-kebakaran` keeps fifteen.
OTHER_CHARACTERS_MIN = 4


def _followers() -> list[dict[str, str]]:
    """For every sequence and its reverse: which character comes after which."""
    maps = []
    for sequence in SEQUENCES:
        for ordered in (sequence, sequence[::-1]):
            maps.append({a: b for a, b in zip(ordered, ordered[1:], strict=False)})
    return maps


FOLLOWERS = _followers()


def is_repeated_unit(text: str) -> bool:
    """`aaaaaaaaaaaa`, `abcabcabcabc`, `kopikopikopi`: a shorter unit, at least twice over."""
    n = len(text)
    return n > 1 and any(
        all(text[i] == text[i % k] for i in range(n)) for k in range(1, n // 2 + 1)
    )


def run_positions(text: str) -> set[int]:
    """Positions inside a run of RUN_MIN or more: one character repeated, or steps along a
    sequence in one direction (`qwertyuiop`, `54321`, `wxyz`)."""
    covered: set[int] = set()

    def mark(start: int, end: int) -> None:
        if end - start >= RUN_MIN:
            covered.update(range(start, end))

    steps = [lambda a, b: a == b] + [lambda a, b, m=m: m.get(a) == b for m in FOLLOWERS]
    for step in steps:
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or not step(text[i - 1], text[i]):
                mark(start, i)
                start = i
    return covered


class PatternPasswordValidator:
    """Refuses the service's own name, one repeated unit, and keyboard, alphabet or digit runs.

    Letters and digits are compared in lower case with separators removed, so `Ambon-112!`
    and `q-w-e-r-t-y` are what they look like.
    """

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        core = re.sub(r"[\W_]", "", lowered)
        if SERVICE_NAME in core:
            raise ValidationError(
                _("This password contains the name of this service, “ambon112”."),
                code="password_has_service_name",
            )
        if is_repeated_unit(lowered) or is_repeated_unit(core):
            raise ValidationError(
                _("This password only repeats one pattern, such as “aaaa” or “abcabc”."),
                code="password_repeated",
            )
        if len(core) - len(run_positions(core)) < OTHER_CHARACTERS_MIN:
            raise ValidationError(
                _(
                    "This password is mostly a keyboard, alphabet or digit sequence, such as "
                    "“qwerty”, “abcdef” or “12345”."
                ),
                code="password_sequence",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t only repeat one pattern, be mostly a keyboard, alphabet or "
            "digit sequence, or contain the name of this service."
        )
