"""The errors of an export."""

from __future__ import annotations


class ExportError(Exception):
    """A request that cannot be carried out as asked (a bad flag, window, query rule or destination).

    The message says what is wrong, with the flag or JSON path and the value, and what is allowed.
    """


class SnapshotNotReady(ExportError):
    """The serving snapshot, or the export mart asked for, has not been published yet."""
