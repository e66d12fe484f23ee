"""Who acts in joint review and assistance requests, and the region checks every action makes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidInput, WrongActor


class ActorRole(StrEnum):
    TREATMENT_REGION = "treatment_region"  # 就医地
    INSURED_REGION = "insured_region"  # 参保地
    PROVINCE = "province"  # 省级经办机构
    SYSTEM = "system"  # audit itself, carrying or closing a flag on a correction; never acts over HTTP


@dataclass(frozen=True, slots=True)
class Actor:
    role: ActorRole
    region: str  # GB/T 2260 code of the acting bureau
    user_id: str


def province_of(region: str) -> str:
    """GB/T 2260: the province is the first two digits followed by 0000 (360700 -> 360000)."""
    return region[:2] + "0000"


def require_actor(actor: Actor, role: ActorRole, region: str, action: str) -> None:
    if actor.role is not role:
        raise WrongActor(f"{action} needs the {role.value} role, {actor.user_id} acts as {actor.role.value}")
    if actor.region != region:
        raise WrongActor(f"{action} needs {role.value} {region}, {actor.user_id} acts for {actor.region}")


def aware(at: datetime) -> datetime:
    """Every recorded time carries its time zone."""
    if at.tzinfo is None:
        raise InvalidInput(f"time {at.isoformat()} has no time zone")
    return at
