"""Process entry point: `yidi-dashboard` migrates its database, then serves HTTP and consumes events."""
from pathlib import Path

from yidi_common.runtime import run_service

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def run() -> None:
    run_service("dashboard", "yidi_dashboard.app:app", MIGRATIONS)


if __name__ == "__main__":
    run()
