"""What every rule's parameters share."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RuleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
