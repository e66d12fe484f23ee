"""Who sees which indicators and reports: a hospital its own, a bureau its region (as treatment region, or as
insured region for its own people treated elsewhere), the province, analysts and operations everything
(figures are aggregates: no person is named)."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from yidi_common.auth import Principal, Role, forbid_out_of_scope
from yidi_common.http import json_response


def hospital_region(request: Request, hospital: str) -> str | None:
    config = request.app.state.config.current
    found = config.hospitals.get(hospital)
    return found.region if found else None


def indicator_scope(caller: Principal, region: str | None, hospital: str | None, insured_region: str | None,
                    level: str) -> tuple[str | None, str | None, str | None]:
    """(region, hospital, insured region) the caller may ask for, the request's narrowed to its scope."""
    if caller.role is Role.HOSPITAL:
        forbid_out_of_scope(level != "region", "a region's indicators")
        forbid_out_of_scope(hospital in (None, caller.hospital), f"hospital {hospital}'s indicators")
        return region, caller.hospital, insured_region
    if caller.role is Role.BUREAU:
        if insured_region == caller.region:
            return region, hospital, insured_region
        forbid_out_of_scope(region in (None, caller.region), f"region {region}'s indicators")
        return caller.region, hospital, insured_region
    return region, hospital, insured_region


class Refused(Exception):
    """A request answered with its status and every problem named with its field path (the app's handler)."""

    def __init__(self, status: int, found: list[dict]):
        super().__init__(status)
        self.status, self.found = status, found


def problems(status: int, found: list[dict]) -> Refused:
    return Refused(status, found)


def install_refusal_handler(app) -> None:
    titles = {403: "outside your scope", 404: "not found", 409: "conflict", 422: "invalid request"}

    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> Response:
        return json_response(exc.status, {"title": titles.get(exc.status, "refused"), "status": exc.status,
                                          "problem_count": len(exc.found), "problems": exc.found})
