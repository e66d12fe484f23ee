"""The pricing service's pure pricing API (`POST /v1/price/batch`), called by the simulation with the caller's
own bearer token: pricing checks it as for any caller, and nothing is kept on either side."""
from __future__ import annotations

import httpx

from ..service_layer.simulation import PricingUnavailable

CHUNK = 1000  # pricing's MAX_BATCH
TIMEOUT_SECONDS = 30


class PricingClient:
    def __init__(self, base_url: str, authorization: str | None):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": authorization} if authorization else {}

    async def price(self, cases: list[dict]) -> list[dict]:
        results: list[dict] = []
        try:
            async with httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=TIMEOUT_SECONDS) as client:
                for start in range(0, len(cases), CHUNK):
                    answer = await client.post("/v1/price/batch", json={"cases": cases[start:start + CHUNK]})
                    if answer.status_code != 200:
                        raise PricingUnavailable(f"pricing answered {answer.status_code}: {answer.text[:300]}")
                    results += answer.json()["results"]
        except httpx.HTTPError as error:
            raise PricingUnavailable(f"pricing at {self.base_url} did not answer ({type(error).__name__})") from None
        return results
