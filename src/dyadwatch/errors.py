"""User-facing errors: one clear message (what, where, what to do), never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input or options; the CLI prints it as one line."""

    def __init__(self, what: str, where: str | None = None, hint: str | None = None) -> None:
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.hint:
            parts.append(self.hint)
        return " - ".join(parts)
