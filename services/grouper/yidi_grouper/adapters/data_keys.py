"""Personal data of stored list bodies, encrypted: `certno`, `psn_name` (any PERSONAL_FIELDS of setlinfo).

Keys come from the environment: YIDI_DATA_KEY is a comma-separated list of Fernet keys
(`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`),
newest first. New bodies are sealed with the first key; a sealed value is `enc:<key id>:<Fernet token>`,
the key id being the first 8 hex digits of the key's SHA-256, so each value is opened by the key that
sealed it, whichever position it has in the list.

Rotation: put a new key first and keep the older ones after it (`YIDI_DATA_KEY=new,old`), restart the
grouper; new lists are sealed with the new key, older ones still open. A key may leave the list once no
row uses it:
`SELECT split_part(body->'setlinfo'->>'certno', ':', 2) AS key_id, count(*) FROM settlement_lists GROUP BY 1`.
Values stored before encryption (no `enc:` prefix) are read as they are.

Unset (local development only): the DEVELOPMENT key in `$YIDI_LOCAL_DIR/grouper/data-key` (default
`.local/`), made on first use, with a warning; `make clean` deletes it with the database. Deployments
must set YIDI_DATA_KEY (a Secret): a key made inside a container dies with it.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from cryptography.fernet import Fernet, InvalidToken

from yidi_common.personal_data import PERSONAL_FIELDS
from yidi_common.settings import REPO_ROOT

ENVIRONMENT = "YIDI_DATA_KEY"
PREFIX = "enc:"

log = structlog.get_logger()


class DataKeyError(LookupError):
    """A sealed value whose key is not configured (or that does not open with it)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


class DataKeys:
    """The keyring: seals with the newest key, opens with the key a value names."""

    def __init__(self, keys: list[bytes | str]) -> None:
        if not keys:
            raise ValueError(f"{ENVIRONMENT} holds no key")
        raw = [k.encode() if isinstance(k, str) else k for k in keys]
        self._fernets = {key_id(k): Fernet(k) for k in raw}  # raises ValueError for a malformed key
        self.current = key_id(raw[0])

    @classmethod
    def parse(cls, value: str) -> "DataKeys":
        return cls([k.strip() for k in value.split(",") if k.strip()])

    @property
    def key_ids(self) -> list[str]:
        return list(self._fernets)

    def seal(self, value: str) -> str:
        return f"{PREFIX}{self.current}:{self._fernets[self.current].encrypt(value.encode()).decode()}"

    def open(self, value: str) -> str:
        if not is_sealed(value):
            return value  # stored before encryption
        kid, token = value[len(PREFIX):].split(":", 1)
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise DataKeyError(f"sealed with data key {kid}, which {ENVIRONMENT} does not hold")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DataKeyError(f"a value sealed with data key {kid} does not open (altered?)") from None

    def seal_list(self, body: dict[str, Any]) -> dict[str, Any]:
        """A list as JSON with its personal fields sealed (a new dict; the given one is left as it is)."""
        setlinfo = body.get("setlinfo")
        if not isinstance(setlinfo, dict):
            return body
        return {**body, "setlinfo": {k: self.seal(v) if k in PERSONAL_FIELDS and isinstance(v, str) else v
                                     for k, v in setlinfo.items()}}

    def open_list(self, body: dict[str, Any]) -> dict[str, Any]:
        setlinfo = body.get("setlinfo")
        if not isinstance(setlinfo, dict):
            return body
        return {**body, "setlinfo": {k: self.open(v) if k in PERSONAL_FIELDS and isinstance(v, str) else v
                                     for k, v in setlinfo.items()}}


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX) and value.count(":") >= 2


def development_key_file() -> Path:
    local = os.environ.get("YIDI_LOCAL_DIR")
    return (Path(local) if local else REPO_ROOT / ".local") / "grouper" / "data-key"


@lru_cache
def data_keys() -> DataKeys:
    """The process's keyring: YIDI_DATA_KEY, else the development key file (made on first use)."""
    configured = os.environ.get(ENVIRONMENT, "").strip()
    if configured:
        return DataKeys.parse(configured)
    path = development_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        draft.write_bytes(Fernet.generate_key())
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: of grouper processes starting together, one key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    log.warning(f"{ENVIRONMENT} is not set: personal data is sealed with the DEVELOPMENT key file, "
                "not for production", path=str(path))
    return DataKeys([path.read_bytes().strip()])
