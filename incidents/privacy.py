"""What a verifier may read of a caller: masked numbers and initialised names (UU 27/2022).

Verifiers (ministry / Diskominfo staff) review timelines and reports; they do not need to reach
a caller, so a caller's numbers keep only their last 4 digits and a caller's name only its
initials. Everyone in the operations room keeps seeing the full data: they call back.

Staff names are not masked — the call-taker who took a call, an event's actor — because the
accountability of public servants is what a verifier is there to review.
"""

import re

from django.conf import settings

from agencies.models import Role

MASK = "•"
VISIBLE_DIGITS = 4
# A social-media account, its link and a message's sender identify a person as a number does.
NUMBER_KEYS = frozenset({"number", "callback_number", "handle", "link", "sender"})
NAME_KEYS = frozenset({"caller_name"})
# An agency's or a station's own number is public: the switchboard, not a caller.
PUBLIC_NUMBER_KEYS = frozenset({"phone"})
# A phone number inside any other string: an escalation's summary ("+62812… · 112-1"), a tel:
# URI, a note a call-taker typed ("pelapor minta ditelepon ke 0812-3456-7890"). E.164 with or
# without spaces or hyphens, seven digits at least so that a time's "+09:00" stays; a national
# number (0…, 62…, "(0911) 352123") of nine to fourteen digits, so that a date (01-10-2026, 8
# digits), a clock time, a shift (07-14) or a coordinate's decimals stay. A name in free text
# cannot be told from other words, so the names callers gave are looked for (CallerNames).
NUMBER_IN_TEXT = re.compile(
    r"\+\d(?:[ .-]?\d){6,14}(?![\w])"
    r"|(?<![\w+.])(?:62[ .-]?|0)[1-9]\d(?:[ .-]?\d){6,11}(?![\w])"
    r"|\(0[1-9]\d{1,3}\) ?\d(?:[ .-]?\d){4,8}(?![\w])"
)


WORD = re.compile(r"\w+")
# A name of fewer letters than this is no one's identity, and masking it would garble text.
NAME_MIN_LETTERS = 3


def masks_personal_data(user) -> bool:
    """Whether this person reads callers' numbers and names masked: verifiers do, and crews on
    their phones unless the centre lets them call callers back (CREW_SEES_CALLER_NUMBER)."""
    if not (user and user.is_authenticated):
        return False
    role = getattr(user, "role", "")
    if role == Role.CREW:
        return not settings.CREW_SEES_CALLER_NUMBER
    return role == Role.VERIFIER


def masked_for(user, data):
    """What `user` may read of `data` (any JSON value): all of it, or callers masked.

    The one place every surface a verifier reaches goes through: API answers (the
    PersonalDataMiddleware), console pages (their recent events), the EIDO document. Pushed
    events go through `mask_payload` with the names the socket knows (ambon112/realtime.py);
    report rows never hold a whole number nor free text (reports/rows.py).
    """
    if not masks_personal_data(user):
        return data
    return mask_payload(data, names=CallerNames.known(data))


class CallerNames:
    """The names callers gave, to find them in free text ("pelapor Budi Santoso minta …").

    Matched as whole words, case-insensitive, the longest name first; every name any caller
    gave counts, in any text: masking a word too many costs a verifier nothing.
    """

    def __init__(self, names=()):
        self.words: set[tuple[str, ...]] = set()
        for name in names:
            words = tuple(word.casefold() for word in WORD.findall(name))
            if sum(len(word) for word in words) >= NAME_MIN_LETTERS:
                self.words.add(words)
        self.longest = max((len(words) for words in self.words), default=0)

    @classmethod
    def known(cls, data=None) -> "CallerNames":
        """Every name a caller gave (one query), with those `data` itself carries."""
        from incidents.models import Call  # privacy is imported by the models' neighbours

        names = set(Call.objects.exclude(caller_name="").values_list("caller_name", flat=True))
        return cls(names | set(_names_in(data)))

    def mask(self, text: str) -> str:
        if not self.words:
            return text
        words = list(WORD.finditer(text))
        masked, done, index = [], 0, 0
        while index < len(words):
            for size in range(min(self.longest, len(words) - index), 0, -1):
                span = words[index : index + size]
                if tuple(w.group().casefold() for w in span) in self.words:
                    start, end = span[0].start(), span[-1].end()
                    masked += [text[done:start], initials(text[start:end])]
                    done, index = end, index + size
                    break
            else:
                index += 1
        return "".join(masked) + text[done:] if masked else text


NO_NAMES = CallerNames()


def _names_in(data):
    if isinstance(data, dict):
        for key, value in data.items():
            if key in NAME_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _names_in(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _names_in(value)


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


def mask_payload(obj, names: CallerNames = NO_NAMES):
    """A deep copy of an event payload (or any JSON value) with callers' numbers and names
    masked wherever they appear: in their own fields, and in any text the numbers and the
    `names` given. The stored event, and its hash, stay as they were."""
    if isinstance(obj, dict):
        return {key: _mask_item(key, value, names) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [mask_payload(value, names) for value in obj]
    if isinstance(obj, str):
        return names.mask(NUMBER_IN_TEXT.sub(lambda match: mask_number(match.group()), obj))
    return obj


def _mask_item(key, value, names: CallerNames):
    if isinstance(value, str) and key in NUMBER_KEYS:
        return mask_number(value)
    if isinstance(value, str) and key in NAME_KEYS:
        return initials(value)
    if isinstance(value, str) and key in PUBLIC_NUMBER_KEYS:
        return value
    return mask_payload(value, names)
