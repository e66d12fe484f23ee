"""The province's regional configuration, loaded from YIDI_CONFIG_DIR and reloadable without a redeploy.

Every service holding one watches the directory (YIDI_CONFIG_POLL_SECONDS, default 10; 0 stops it)
and also takes `POST /v1/config/reload`: a changed directory is validated as a whole and replaces
the running configuration only if it is valid; otherwise the previous one stays and the error is
logged (and answered with 422 on the endpoint).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from .regional_config import ConfigError, load_config

log = structlog.get_logger()

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(directory: Path) -> Fingerprint:
    """Every file below the directory with its modification time and size."""
    return tuple(sorted((str(p.relative_to(directory)), p.stat().st_mtime_ns, p.stat().st_size)
                        for p in directory.rglob("*") if p.is_file()))


@dataclass
class ConfigProvider:
    """A configuration read from the files below `directory` by `loader` (which raises ValueError on
    invalid files); the regional configuration by default."""

    directory: Path
    current: Any  # ProvinceConfig for the regional configuration
    seen: Fingerprint = field(default=())  # the files as last read, valid or not
    loader: Callable[[Path], Any] = load_config

    @classmethod
    def load(cls, directory: Path, loader: Callable[[Path], Any] = load_config) -> "ConfigProvider":
        seen = fingerprint(directory)
        config = loader(directory)
        log.info("configuration loaded", directory=str(directory), version=getattr(config, "version", None))
        return cls(directory, config, seen, loader)

    def reload(self) -> Any:
        """Validate the directory anew; the running configuration changes only if it is valid."""
        self.seen = fingerprint(self.directory)
        self.current = self.loader(self.directory)
        log.info("configuration reloaded", directory=str(self.directory), version=getattr(self.current, "version", None))
        return self.current

    def reload_if_changed(self) -> bool:
        """Reload when a file changed since it was last read; True if the configuration was replaced."""
        if fingerprint(self.directory) == self.seen:
            return False
        try:
            self.reload()
        except (ConfigError, ValueError, OSError) as e:
            log.error("changed configuration rejected; the previous one stays", directory=str(self.directory),
                      error=str(e))
            return False
        return True

    async def watch(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await asyncio.to_thread(self.reload_if_changed)
