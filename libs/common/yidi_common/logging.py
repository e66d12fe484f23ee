"""Structured logging: JSON lines by default, key=value on a terminal when LOG_FORMAT=console."""
from __future__ import annotations

import logging
import sys

import structlog

from .personal_data import mask_text, redact_log_event
from .tracing import add_trace_id


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> structlog.BoundLogger:
    renderer = structlog.dev.ConsoleRenderer(colors=False) if fmt == "console" else structlog.processors.JSONRenderer()
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, _MaskedStderr) for h in root.handlers):
        root.addHandler(_MaskedStderr())
    for noisy in ("aiokafka", "kafka", "uvicorn.access", "httpx", "httpcore"):  # httpx logs each request at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_trace_id,  # the trace of the request being handled
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_log_event,  # personal data never reaches a log line
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    return structlog.get_logger()


def _redact_record(record: logging.LogRecord) -> bool:
    """Standard-library log records (uvicorn, SQLAlchemy, aiokafka) masked like structlog's."""
    message = record.getMessage()
    if record.exc_info:
        message += "\n" + logging.Formatter().formatException(record.exc_info)
        record.exc_info, record.exc_text = None, None
    record.msg, record.args = mask_text(message), ()
    return True


class _MaskedStderr(logging.StreamHandler):
    """The standard library's log records, masked, on the current sys.stderr."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))
        self.addFilter(_redact_record)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass
