"""Errors services raise; the web layers turn them into 404 / 400 answers in plain Chinese."""


class NotFound(LookupError):
    """The object does not exist, or lies outside the user's region (indistinguishable on purpose)."""


class ValidationFailed(ValueError):
    """Input was refused. ``fields`` maps a field name to its Chinese message."""

    def __init__(self, fields: dict[str, str] | str):
        if isinstance(fields, str):
            fields = {"": fields}
        self.fields = fields
        super().__init__("；".join(fields.values()))


class PermissionDenied(Exception):
    """The user's role may not do this (the message says why, in Chinese)."""


class Conflict(Exception):
    """A client id already names a record with different content (the message says so, in Chinese)."""
