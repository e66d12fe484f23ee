"""Configuration errors that name the file and the field at fault."""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class ConfigError(ValueError):
    def __init__(self, source: Path | str, field: str, message: str):
        self.source = str(source)
        self.field = field
        self.message = message
        super().__init__(f"{self.source}: {field}: {message}" if field else f"{self.source}: {message}")


def from_validation(source: Path | str, error: ValidationError, prefix: str = "") -> ConfigError:
    """One ConfigError listing every pydantic error as `field: message`."""
    lines = []
    for e in error.errors():
        field = ".".join(str(p) for p in (prefix, *e["loc"]) if p != "")
        lines.append(f"{field or '(root)'}: {e['msg']}")
    return ConfigError(source, "", "; ".join(lines))
