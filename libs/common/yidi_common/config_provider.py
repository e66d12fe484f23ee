"""The province's regional configuration, loaded from YIDI_CONFIG_DIR and reloadable without a redeploy."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog

from .regional_config import ProvinceConfig, load_config

log = structlog.get_logger()


@dataclass
class ConfigProvider:
    directory: Path
    current: ProvinceConfig

    @classmethod
    def load(cls, directory: Path) -> "ConfigProvider":
        config = load_config(directory)
        log.info("configuration loaded", directory=str(directory), version=config.version)
        return cls(directory, config)

    def reload(self) -> ProvinceConfig:
        """Validate the directory anew; the running configuration changes only if it is valid."""
        self.current = load_config(self.directory)
        log.info("configuration reloaded", version=self.current.version)
        return self.current
