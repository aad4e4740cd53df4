"""Errors that carry a message meant for the user, in Chinese first.

Entry points print `user_message` and exit non-zero; they never print a traceback
for these. Messages never contain secrets.
"""

from __future__ import annotations


class ReportQAError(Exception):
    """Base class: `str(exc)` is a one-line message fit to show a user."""


class ConfigError(ReportQAError):
    """A setting (named in the message) is wrong, e.g. an unknown model path."""


class IndexMissingError(ReportQAError):
    """No index has been built yet, or it was deleted."""


class IndexCorruptError(ReportQAError):
    """The index exists but cannot be read."""


class ModelMismatchError(ReportQAError):
    """The index was built with a different embedding model than the one configured."""


class IndexBusyError(ReportQAError):
    """Another ingest holds the index lock."""


class StoreUnavailableError(ReportQAError):
    """The Chroma server cannot be reached."""
