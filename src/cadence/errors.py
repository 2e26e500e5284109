"""Errors the edges turn into 4xx answers: each names the field and the problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InputError(Exception):
    """Input that cannot be accepted; nothing was written."""

    def __init__(
        self, errors: list[FieldError], *, code: str = "invalid_request", status: int = 400
    ):
        self.errors = errors
        self.code = code
        self.status = status
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)


class NotFound(Exception):
    """The thing asked for does not exist."""

    def __init__(self, what: str, field: str = "id"):
        self.what = what
        self.field = field
        super().__init__(f"{what} not found")
