"""What a verifier may read of a caller: masked numbers and initialised names (UU 27/2022).

Verifiers (ministry / Diskominfo staff) review timelines and reports; they do not need to reach
a caller, so a caller's numbers keep only their last 4 digits and a caller's name only its
initials. Everyone in the operations room keeps seeing the full data: they call back.

Staff names are not masked — the call-taker who took a call, an event's actor — because the
accountability of public servants is what a verifier is there to review.
"""

import re

from agencies.models import Role

MASK = "•"
VISIBLE_DIGITS = 4
NUMBER_KEYS = frozenset({"number", "callback_number"})
NAME_KEYS = frozenset({"caller_name"})
# A phone number inside any other string: an escalation's summary ("+62812… · 112-1"), a tel:
# URI, a note a call-taker typed ("pelapor minta ditelepon ke 0812-3456-7890"). E.164 with or
# without spaces or hyphens, seven digits at least so that a time's "+09:00" stays; a national
# number (0…, 62…, "(0911) 352123") of nine to fourteen digits, so that a date (01-10-2026, 8
# digits), a clock time, a shift (07-14) or a coordinate's decimals stay. Names in free text
# cannot be told from other words: a call-taker's note keeps them.
NUMBER_IN_TEXT = re.compile(
    r"\+\d(?:[ .-]?\d){6,14}(?![\w])"
    r"|(?<![\w+.])(?:62|0)[1-9]\d(?:[ .-]?\d){6,11}(?![\w])"
    r"|\(0[1-9]\d{1,3}\) ?\d(?:[ .-]?\d){4,8}(?![\w])"
)


def masks_personal_data(user) -> bool:
    """Whether this person reads callers' numbers and names masked: verifiers do."""
    return bool(user and user.is_authenticated and user.role == Role.VERIFIER)


def mask_number(number: str) -> str:
    """Keep a leading "+" and the last 4 digits, every other character becomes "•":
    +6281234567890 → +•••••••••7890 (and masking twice changes nothing).

    A number of 4 digits or fewer is masked whole: its "last 4 digits" would be all of it, and
    a short number (an extension, a service code) is no less the caller's identity.
    """
    digits = sum(c.isdigit() or c == MASK for c in number)  # a masked digit is still one
    keep = VISIBLE_DIGITS if digits > VISIBLE_DIGITS else 0
    masked, seen = [], 0
    for index, char in enumerate(number):
        if char.isdigit() or char == MASK:
            seen += 1
            masked.append(char if seen > digits - keep else MASK)
        elif char == "+" and index == 0:
            masked.append(char)
        else:
            masked.append(MASK)
    return "".join(masked)


def initials(name: str) -> str:
    """Budi Santoso → B. S."""
    return " ".join(f"{word[0].upper()}." for word in name.split())


def mask_payload(obj):
    """A deep copy of an event payload (or any JSON value) with callers' numbers and names
    masked wherever they appear; the stored event, and its hash, stay as they were."""
    if isinstance(obj, dict):
        return {key: _mask_item(key, value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [mask_payload(value) for value in obj]
    if isinstance(obj, str):
        return NUMBER_IN_TEXT.sub(lambda match: mask_number(match.group()), obj)
    return obj


def _mask_item(key, value):
    if isinstance(value, str) and key in NUMBER_KEYS:
        return mask_number(value)
    if isinstance(value, str) and key in NAME_KEYS:
        return initials(value)
    return mask_payload(value)
