"""Process entry point: `yidi-reports` migrates its database, then serves HTTP and consumes events."""
from pathlib import Path

from yidi_common.runtime import run_service

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def run() -> None:
    run_service("reports", "yidi_reports.app:app", MIGRATIONS)


if __name__ == "__main__":
    run()
