"""Domain errors raised by services and turned into friendly 4xx answers by routes."""


class ConfigError(RuntimeError):
    """The configuration cannot work; raised at start-up with a message saying what to fix."""


class DomainError(Exception):
    """A rule of wol was broken by the request; ``message`` is already translated."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user may not do this."""

    status = 403


class Conflict(DomainError):
    """The request clashes with the current state (full circle, already joined...)."""

    status = 409


class TooManyAttempts(DomainError):
    """Rate limit reached."""

    status = 429
