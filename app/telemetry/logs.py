"""Structured logs: one JSON object per line, each tagged with the request that produced it.

The request id lives in a context variable set by the request-id middleware
(``app.http.requestid``) for the whole of a request, so every record logged while
serving it (access line, warnings from services, uvicorn's own errors) carries
``request_id`` without being passed around. Records logged outside a request
carry ``request_id: null``.

``logging_config`` is a ``logging.config.dictConfig`` document. ``migov serve``
hands it to uvicorn, which applies it in every worker process it starts.
Secrets never reach a log line: the access line names an API key by its public
prefix only.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, Literal

LogFormat = Literal["json", "text", "auto"]

_request_id: ContextVar[str | None] = ContextVar("migov_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


JSON_FIELDS = "{asctime}{levelname}{name}{message}{request_id}"


def json_formatter() -> logging.Formatter:
    """One JSON object per record: time, level, logger, message, request_id and any extras
    but uvicorn's ``color_message`` (the message again, with terminal colour codes)."""
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        JSON_FIELDS,
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def resolved_format(fmt: LogFormat, stream: Any = None) -> Literal["json", "text"]:
    """``auto``: human-readable lines on a terminal, JSON when the output goes elsewhere
    (a file, a pipe, a log collector)."""
    if fmt != "auto":
        return fmt
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


# Loggers whose INFO lines say nothing an operator acts on: alembic's plugin set-up (seven
# lines at every start) and SQLAlchemy's pool disposal at shutdown.
QUIET = ("alembic.runtime.plugins", "alembic.runtime.migration", "app.db.pool.FairPool")


def logging_config(level: str = "info", fmt: LogFormat = "json") -> dict[str, Any]:
    """A dictConfig for the process: migov's, uvicorn's and the root logger to stderr."""
    fmt = resolved_format(fmt)
    formatters: dict[str, Any] = {
        "json": {"()": json_formatter},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    }
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": fmt,
        "filters": ["request_id"],
    }
    loggers = {
        # uvicorn's own access line is replaced by migov.access, which knows the request id.
        "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
        **{name: {"level": "WARNING"} for name in QUIET},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": formatters,
        "handlers": {"stderr": handler},
        "loggers": loggers,
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }
