"""What a service says when it refuses: domain errors, free of any web framework.

A service raises one of these with a message for the person, in their language; the API's one
exception handler (ambon112/api.py) turns each kind into its HTTP answer, and the callers that
are not API views (a page, the admin, a management command) handle them themselves.
"""


class DomainError(Exception):
    """A refusal with a human message (`str(error)`) and, when a caller can act on more than
    words, named details (the steps a unit may take instead)."""

    def __init__(self, message: str, **details):
        self.message = message
        self.details = details
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class Conflict(DomainError):
    """Two people acted on the same thing, or the thing is no longer in a state that allows it."""


class Gone(DomainError):
    """The thing existed but may no longer be used (a spent or expired link)."""


class NotFound(DomainError):
    """There is no such thing, or it is not the caller's to see."""


class Forbidden(DomainError):
    """This person's role or agency may not do this."""


class Invalid(DomainError):
    """What was asked is wrong field by field: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(str(text) for texts in errors.values() for text in texts))


class Throttled(DomainError):
    """Asked again too soon; `wait_s`, when known, says when asking again may succeed."""

    def __init__(self, message: str, *, wait_s: float | None = None):
        self.wait_s = wait_s
        super().__init__(message)
