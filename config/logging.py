"""A safety net for the logs: no email address, mainland phone or ID number,
secret link token or form value in a query string leaves the process.

The app logs ids, never personal data; this filter catches what a library or
an exception message might still carry (an SMTP error quoting a recipient, a
database error quoting a value, a 404 for a URL someone typed). It sits on
every handler (settings.LOGGING, and Celery's own handlers in the worker).
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 18-digit resident identity number (the last character may be X), and the
# old 15-digit one; not inside a longer run of letters or digits.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally with +86 and spaces or dashes: 138 0013 8000.
PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])")
# Query strings carry form values (amounts, lender names) in request lines
# ("GET /debts/preview/?principal=… HTTP/1.1") logged by the servers.
QUERY_STRING = re.compile(r"(\"[A-Z]+ [^\s\"?]*)\?[^\s\"]*")
# Secret tokens in paths: whoever reads them can use them.
PATH_TOKEN = re.compile(
    r"(/(?:calendar/feed|unsubscribe|accounts/reset)/)[^\s\"?/]+(?:/[^\s\"?/]+)?"
)


def redact(text: str) -> str:
    """``text`` with emails, ID numbers, phone numbers, query strings and
    path tokens replaced by [redacted]."""
    text = EMAIL.sub(REDACTED, text)
    text = ID_NUMBER.sub(REDACTED, text)
    text = PHONE.sub(REDACTED, text)
    text = QUERY_STRING.sub(rf"\1?{REDACTED}", text)
    return PATH_TOKEN.sub(rf"\1{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message, exception and stack text through :func:`redact`.

    Never drops a record. The message is formatted once here (record.args
    cleared) so that values passed as arguments are redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_handlers(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (default: root and every
    logger known so far) that lacks it: for loggers configured outside
    settings.LOGGING, such as Celery's in a worker."""
    loggers = (
        [logger]
        if logger is not None
        else [
            logging.getLogger(),
            *(
                item
                for item in logging.Logger.manager.loggerDict.values()
                if isinstance(item, logging.Logger)
            ),
        ]
    )
    for each in loggers:
        for handler in each.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
