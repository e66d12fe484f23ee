"""The HTTP answers, rendered by the real routers from an in-memory repository."""
from contextlib import asynccontextmanager
from decimal import Decimal as D
from types import SimpleNamespace

import httpx

from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
import pytest
from fastapi import FastAPI

from yidi_budget.api import budgets as api
from yidi_budget.domain.alerts import Alert
from yidi_budget.domain.consumption import BudgetKind, BudgetRef, Sums
from yidi_budget.domain.execution import Basis
from yidi_budget.service_layer.repository import FinalRate
from yidi_common.regional_config import AlertLevel

from .fakes import RAISED_AT, FakeBudgetRepository

LOCAL_310 = BudgetRef(BudgetKind.POOL, "360100-2026-DRG-310-local")
CROSS_390 = BudgetRef(BudgetKind.POOL, "360100-2026-DRG-390-cross")
INSURED_360500 = BudgetRef(BudgetKind.INSURED, "360500-2026")


class NoDatabase:
    @asynccontextmanager
    async def begin(self):
        yield None


ISSUER = TestIssuer()


@pytest.fixture
async def client(config, monkeypatch):
    repo = FakeBudgetRepository()
    repo.running = {LOCAL_310: Sums(2, D("16000.00"), D("23000.00")), CROSS_390: Sums(1, D("3050.00"), D("6000.00")),
                    INSURED_360500: Sums(1, D("7000.00"))}
    repo.cleared = {LOCAL_310.key: FinalRate(LOCAL_310.key, "360100", 2026, D("9876.5432"), D("189999.99"),
                                             D("0.01"), D("10000.01"), D("1500.00")),
                    "360100-2026-DRG-390-local": FinalRate("360100-2026-DRG-390-local", "360100", 2026, D("9000"),
                                                           D("120000.00"), D("0.00"), D("0.00"))}
    await repo.record_alert(Alert(INSURED_360500, AlertLevel.NOTICE, D("0.8"), D("40000.00"), D("50000.00"),
                                  D("0.8000"), Basis.BUDGET, D("50000.00")))
    monkeypatch.setattr(api, "PostgresBudgetRepository", lambda conn: repo)
    app = FastAPI()
    app.include_router(api.router)
    app.state.runtime = SimpleNamespace(engine=NoDatabase())
    app.state.config = SimpleNamespace(current=config)
    app.state.verifier = ISSUER.verifier()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://budget",
                                 headers=ISSUER.headers(Role.PROVINCE)) as c:
        yield c


async def test_pool_view(client):
    answer = (await client.get("/v1/pools/360100/2026")).json()
    assert (answer["region"], answer["year"], answer["scheme"]) == ("360100", 2026, "DRG")
    pools = {p["pool"]: p for p in answer["pools"]}
    # B_p 200000.00, A_p = 200000 × 0.95 = 190000.00; execution 16000 / 200000 = 0.0800
    assert pools[LOCAL_310.key] == {
        "pool": LOCAL_310.key, "budget_source": "fixed", "budget": "200000.00", "distributable": "190000.00",
        "risk_reserve": "10000.00", "provisional_rate": "10000", "final_rate": "9876.5432",
        "fund_due_final": "189999.99", "reserve_after_clearing": "10000.01", "clearing_total": "191499.99",
        "cases": 2, "fund_due": "16000.00", "execution": "0.0800", "alert_basis": "budget",
        "alert_basis_amount": "200000.00", "no_alert_reason": None}  # clearing total 189999.99 + 1500.00
    # B_p = Σ F = 6000.00; A_p = 5700.00; 3050 / 6000 = 0.50833 → 0.5083; not cleared yet; no 2025 figures
    assert pools[CROSS_390.key] == {
        "pool": CROSS_390.key, "budget_source": "item_fund_payments", "budget": "6000.00", "distributable": "5700.00",
        "risk_reserve": "300.00", "provisional_rate": "9000", "final_rate": None, "fund_due_final": None,
        "reserve_after_clearing": None, "clearing_total": None, "cases": 1, "fund_due": "3050.00",
        "execution": "0.5083", "alert_basis": None, "alert_basis_amount": None,
        "no_alert_reason": "B_p is the Σ F paid per item so far: no budget_estimate configured and no 2025 Σ F "
                           "or clearing total stored for this pool"}
    # no claims yet: B_p 150000.00, nothing consumed
    assert pools["360100-2026-DRG-390-local"]["cases"] == 0
    assert pools["360100-2026-DRG-390-local"]["fund_due"] == "0.00"
    assert pools["360100-2026-DRG-390-local"]["execution"] == "0.0000"


async def test_pool_view_of_history_budgets_known_and_unknown(client):
    pools = {p["pool"]: p for p in (await client.get("/v1/pools/360100/2027")).json()["pools"]}
    # 310: 2026's 310-local 191499.99 (310-cross had no cases: not in the clearing) × 1.05 = 201074.9895 → 201074.99;
    # A_p = 201074.99 × 0.95 = 191021.2405 → 191021.24
    employee = pools["360100-2027-DRG-310-all"]
    assert (employee["budget_source"], employee["budget"], employee["distributable"], employee["risk_reserve"],
            employee["alert_basis"], employee["alert_basis_amount"], employee["no_alert_reason"]) == (
        "history", "201074.99", "191021.24", "10053.75", "budget", "201074.99", None)
    # 390: three years needed, only 2026 cleared
    resident = pools["360100-2027-DRG-390-all"]
    assert (resident["budget"], resident["distributable"], resident["execution"], resident["alert_basis"]) == (
        None, None, None, None)
    assert resident["no_alert_reason"] == ("B_p unknown: pool 360100-2027-DRG-390-all: budget_source 'history' "
                                           "needs the clearing totals of 2024, 2025, 2026; missing: 2024, 2025")


async def test_pool_view_of_an_unconfigured_region_year_is_404(client):
    assert (await client.get("/v1/pools/360100/2031")).status_code == 404


async def test_insured_view(client):
    # 7000 of 50000: 0.1400
    assert (await client.get("/v1/insured-budgets/360500/2026")).json() == {
        "region": "360500", "year": 2026, "budget": "50000.00", "cases": 1, "fund_payments": "7000.00",
        "execution": "0.1400", "alert_basis": "budget", "alert_basis_amount": "50000.00", "no_alert_reason": None}
    # no budget configured, nothing consumed
    assert (await client.get("/v1/insured-budgets/360400/2026")).json() == {
        "region": "360400", "year": 2026, "budget": None, "cases": 0, "fund_payments": "0.00", "execution": None,
        "alert_basis": None, "alert_basis_amount": None,
        "no_alert_reason": "no cross-region budget configured for this insured region and year"}


async def test_a_bureau_sees_its_own_region_and_nobody_sees_without_a_token(client):
    nanchang = ISSUER.headers(Role.BUREAU, region="360100")
    assert (await client.get("/v1/pools/360100/2026", headers=nanchang)).status_code == 200
    assert (await client.get("/v1/pools/360500/2026", headers=nanchang)).status_code == 403
    assert (await client.get("/v1/insured-budgets/360500/2026", headers=nanchang)).status_code == 403
    # the alert raised is 新余's (360500): 南昌 sees none, 新余 its one, asking for another region is refused
    assert (await client.get("/v1/alerts", headers=nanchang)).json() == {"alerts": []}
    xinyu = ISSUER.headers(Role.BUREAU, region="360500")
    assert [a["budget_key"] for a in (await client.get("/v1/alerts", headers=xinyu)).json()["alerts"]] == ["360500-2026"]
    assert (await client.get("/v1/alerts", params={"region": "360500"}, headers=nanchang)).status_code == 403
    assert (await client.get("/v1/pools/360100/2026", headers=ISSUER.headers(Role.HOSPITAL, hospital="H1"))).status_code == 403
    assert (await client.get("/v1/pools/360100/2026", headers={"Authorization": ""})).status_code == 401


async def test_alerts(client):
    expected = {"budget_kind": "insured-cross-region", "budget_key": "360500-2026", "period": "2026",
                "level": "notice", "region": "360500", "threshold": "0.8", "consumed": "40000.00",
                "budget": "50000.00", "raised_at": RAISED_AT.isoformat().replace("+00:00", "Z"), "basis": "budget",
                "basis_amount": "50000.00"}
    assert (await client.get("/v1/alerts", params={"region": "360500"})).json() == {"alerts": [expected]}
    assert (await client.get("/v1/alerts", params={"level": "warning"})).json() == {"alerts": []}
