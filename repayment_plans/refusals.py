"""What a service refuses to do, with the message the page shows."""

from __future__ import annotations


class Refused(Exception):
    """A change decided under the row lock that cannot be made as asked; the
    message says why, for the page."""


class NothingChanged(Refused):
    """Finalising again with no change since the last version (e.g. a double click)."""
