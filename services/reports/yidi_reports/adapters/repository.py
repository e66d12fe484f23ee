"""The reports service's repository over PostgreSQL (one connection, inside its transaction)."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.feedback import FeedbackItem, Reference
from ..domain.indicators import Case
from ..domain.objections import Objection, Step
from ..domain.reports import StoredReport
from ..service_layer.repository import AnnualClearing, CaseQuery, Flag, FlagUpdate

_CASE_COLUMNS = ("claim_id", "version", "stage", "hospital_code", "treatment_region", "insured_region", "origin",
                 "period", "psn_no", "adm_time", "dscg_time", "los", "total_cost", "self_pay", "basic_fund",
                 "grouping_status", "payment_method", "group_code", "weight", "case_kind", "principal_diagnosis")
_TYPES = {"version": "int", "los": "int", "adm_time": "timestamp", "dscg_time": "timestamp",
          "total_cost": "numeric", "self_pay": "numeric", "basic_fund": "numeric", "weight": "numeric"}
_FACTS = _CASE_COLUMNS[3:]
_RANK = "CASE {0}.stage WHEN 'priced' THEN 2 WHEN 'rejected' THEN 1 ELSE 0 END"

# a later version replaces the row; at the same version a later stage's facts win and each stage fills
# what the others left unknown, so the row ends the same whatever order the topics are read in
_MERGE = ", ".join(
    ["version = excluded.version",
     f"stage = CASE WHEN excluded.version > cases.version OR {_RANK.format('excluded')} > {_RANK.format('cases')} "
     f"THEN excluded.stage ELSE cases.stage END"]
    + [f"{c} = CASE WHEN excluded.version > cases.version THEN excluded.{c} "
       f"WHEN {_RANK.format('excluded')} >= {_RANK.format('cases')} THEN COALESCE(excluded.{c}, cases.{c}) "
       f"ELSE COALESCE(cases.{c}, excluded.{c}) END" for c in _FACTS])

_FLAG_COLUMNS = ("flag_id", "claim_id", "version", "hospital_code", "treatment_region", "insured_region", "rule_id",
                 "suspected_amount", "raised_at", "confirmed_amount", "confirmed_period", "withdrawn_by")
_FLAG_TYPES = {"version": "int", "suspected_amount": "numeric", "raised_at": "timestamptz", "confirmed_amount": "numeric"}
_FLAG_VALUES = ", ".join(f"CAST(:{c} AS {_FLAG_TYPES.get(c, 'text')})" for c in _FLAG_COLUMNS)

_SELECT_CASES = f"""
    SELECT {', '.join('c.' + col for col in _CASE_COLUMNS)},
           COALESCE(f.flags, 0) AS flags, COALESCE(f.deductions, 0) AS deductions
    FROM cases c LEFT JOIN (
        SELECT claim_id, count(*) AS flags, sum(COALESCE(confirmed_amount, 0)) AS deductions FROM flags
        WHERE withdrawn_by IS NULL OR confirmed_amount IS NOT NULL GROUP BY claim_id) f ON f.claim_id = c.claim_id
"""


def _case(row) -> Case:
    r = row._mapping
    return Case(claim_id=r["claim_id"], version=r["version"], stage=r["stage"], hospital_code=r["hospital_code"],
                treatment_region=r["treatment_region"], insured_region=r["insured_region"], origin=r["origin"],
                period=r["period"], psn_no=r["psn_no"] or "", adm_time=r["adm_time"], dscg_time=r["dscg_time"],
                los=r["los"] or 0, total_cost=r["total_cost"] or Decimal(0), self_pay=r["self_pay"] or Decimal(0),
                basic_fund=r["basic_fund"] or Decimal(0), grouping_status=r["grouping_status"] or r["stage"],
                payment_method=r["payment_method"], group=r["group_code"], weight=r["weight"],
                case_kind=r["case_kind"], principal_diagnosis=r["principal_diagnosis"],
                flags=r.get("flags", 0) or 0, deductions=r.get("deductions", Decimal(0)) or Decimal(0))


def _report(row) -> StoredReport:
    r = row._mapping
    return StoredReport(id=r["id"], kind=r["kind"], region=r["region"], hospital=r["hospital"], period=r["period"],
                        revision=r["revision"], due_date=r["due_date"], generated_at=r["generated_at"],
                        trigger=r["trigger"], config_version=r["config_version"], data_version=r["data_version"],
                        input_hash=r["input_hash"], content=r["content"])


def _trail_of(stored: list[dict]) -> tuple[Step, ...]:
    """An objection's or a feedback item's steps, as stored (jsonb)."""
    return tuple(Step(s["action"], s["role"], s["subject"], datetime.fromisoformat(s["at"]), s.get("detail", ""))
                 for s in stored)


def _trail_json(trail: tuple[Step, ...]) -> str:
    return orjson.dumps([{"action": s.action, "role": s.role, "subject": s.subject, "at": s.at.isoformat(),
                          "detail": s.detail} for s in trail]).decode()


def _objection(row) -> Objection:
    r = row._mapping
    return Objection(
        id=r["id"], hospital_code=r["hospital_code"], treatment_region=r["treatment_region"],
        target_kind=r["target_kind"], target_id=r["target_id"], reason=r["reason"], documents=tuple(r["documents"]),
        filed_at=r["filed_at"], window_closes=r["window_closes"], status=r["status"], claim_id=r["claim_id"],
        claim_version=r["claim_version"], decided_at=r["decided_at"], decision_reasons=r["decision_reasons"],
        trail=_trail_of(r["trail"]))


def _feedback(row) -> FeedbackItem:
    r = row._mapping
    return FeedbackItem(
        id=r["id"], round=r["round"], hospital_code=r["hospital_code"], region=r["region"], topic=r["topic"],
        text=r["text"], submitted_at=r["submitted_at"], answer_due=r["answer_due"],
        reference=Reference(r["reference_kind"], r["reference_id"]) if r["reference_kind"] else None,
        status=r["status"], answer=r["answer"], answered_at=r["answered_at"],
        trail=_trail_of(r["trail"]))


class PostgresReportsRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------ the read model
    async def upsert_cases(self, cases: list[Case]) -> None:
        latest: dict[str, Case] = {}
        rank = {"submitted": 0, "rejected": 1, "priced": 2}
        for case in cases:  # one row per claim per statement: the latest version and stage of the batch
            held = latest.get(case.claim_id)
            if held is None or (case.version, rank[case.stage]) >= (held.version, rank[held.stage]):
                latest[case.claim_id] = case if held is None or held.version != case.version else _fill(case, held)
            elif held.version == case.version:
                latest[case.claim_id] = _fill(held, case)
        if not latest:
            return
        rows = [_case_row(c) for c in latest.values()]
        arrays = ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text')}[])" for c in _CASE_COLUMNS)
        await self.conn.execute(text(
            f"INSERT INTO cases ({', '.join(_CASE_COLUMNS)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT (claim_id) DO UPDATE SET {_MERGE} WHERE cases.version <= excluded.version"),
            {c: [r[c] for r in rows] for c in _CASE_COLUMNS})

    async def upsert_flags(self, updates: list[FlagUpdate]) -> None:
        for u in updates:  # few per batch; each in order, as a confirmation may follow its raise in one batch
            values = {c: getattr(u, c) for c in _FLAG_COLUMNS}
            sets = ", ".join(f"{c} = COALESCE(excluded.{c}, flags.{c})" for c in _FLAG_COLUMNS[1:])
            await self.conn.execute(text(
                f"INSERT INTO flags ({', '.join(_FLAG_COLUMNS)}) VALUES "
                f"({_FLAG_VALUES}) "
                f"ON CONFLICT (flag_id) DO UPDATE SET {sets}"), {**values, "claim_id": u.claim_id or ""})

    async def store_annual_clearing(self, clearing: AnnualClearing) -> None:
        await self.conn.execute(text(
            "INSERT INTO annual_clearings (region, year, cleared_at, pools) VALUES (:r, :y, :at, CAST(:p AS jsonb)) "
            "ON CONFLICT (region, year) DO UPDATE SET cleared_at = LEAST(annual_clearings.cleared_at, excluded.cleared_at)"),
            {"r": clearing.region, "y": clearing.year, "at": clearing.cleared_at, "p": orjson.dumps(clearing.pools).decode()})

    async def cases(self, query: CaseQuery) -> list[Case]:
        where = ["c.stage IN ('priced', 'rejected')", "c.period = ANY(:months)"]
        params: dict = {"months": list(query.months)}
        if query.regions is not None:
            where.append("c.treatment_region = ANY(:regions)")
            params["regions"] = list(query.regions)
        if query.hospital:
            where.append("c.hospital_code = :hospital")
            params["hospital"] = query.hospital
        if query.insured_region:
            where.append("c.insured_region = :insured")
            params["insured"] = query.insured_region
        rows = await self.conn.execute(text(f"{_SELECT_CASES} WHERE {' AND '.join(where)} ORDER BY c.claim_id"), params)
        return [_case(r) for r in rows]

    async def stays(self, people: set[str], regions: set[str]) -> list[Case]:
        if not people:
            return []
        rows = await self.conn.execute(text(
            f"SELECT {', '.join(_CASE_COLUMNS)} FROM cases WHERE stage = 'priced' AND psn_no = ANY(:p) "
            "AND treatment_region = ANY(:r)"), {"p": sorted(people), "r": sorted(regions)})
        return [_case(r) for r in rows]

    async def flags(self, claim_ids: list[str] | None = None, *, region: str | None = None,
                    hospital: str | None = None) -> list[Flag]:
        where, params = ["true"], {}
        if claim_ids is not None:
            where.append("claim_id = ANY(:ids)")
            params["ids"] = claim_ids
        if region:
            where.append("treatment_region = :region")
            params["region"] = region
        if hospital:
            where.append("hospital_code = :hospital")
            params["hospital"] = hospital
        rows = await self.conn.execute(text(
            f"SELECT {', '.join(c for c in _FLAG_COLUMNS if c != 'insured_region')} FROM flags "
            f"WHERE {' AND '.join(where)} ORDER BY flag_id"), params)
        return [Flag(**r._mapping) for r in rows]

    async def flag(self, flag_id: str) -> Flag | None:
        rows = await self.conn.execute(text(
            f"SELECT {', '.join(c for c in _FLAG_COLUMNS if c != 'insured_region')} FROM flags WHERE flag_id = :id"),
            {"id": flag_id})
        row = rows.first()
        return Flag(**row._mapping) if row else None

    async def case(self, claim_id: str) -> Case | None:
        row = (await self.conn.execute(text(f"{_SELECT_CASES} WHERE c.claim_id = :id"), {"id": claim_id})).first()
        return _case(row) if row else None

    async def annual_clearings(self, region: str | None = None) -> list[AnnualClearing]:
        rows = await self.conn.execute(text(
            "SELECT region, year, cleared_at, pools FROM annual_clearings WHERE (CAST(:r AS text) IS NULL OR region = :r) "
            "ORDER BY region, year"), {"r": region})
        return [AnnualClearing(**r._mapping) for r in rows]

    async def units(self) -> list[tuple[str, str, str]]:
        rows = await self.conn.execute(text(
            "SELECT DISTINCT treatment_region, hospital_code, period FROM cases "
            "WHERE stage IN ('priced', 'rejected') AND period IS NOT NULL AND origin <> 'cross-province' ORDER BY 1, 2, 3"))
        return [tuple(r) for r in rows]

    async def events_applied(self) -> int:
        return await self.conn.scalar(text("SELECT count(*) FROM inbox"))

    # ------------------------------------------------------------------ reports
    async def reports(self, *, kind: str | None = None, region: str | None = None, hospital: str | None = None,
                      period: str | None = None) -> list[StoredReport]:
        rows = await self.conn.execute(text(
            "SELECT id, kind, region, hospital, period, revision, due_date, generated_at, trigger, config_version, "
            "data_version, input_hash, NULL AS content FROM reports "
            "WHERE (CAST(:k AS text) IS NULL OR kind = :k) AND (CAST(:r AS text) IS NULL OR region = :r) "
            "AND (CAST(:h AS text) IS NULL OR hospital = :h) AND (CAST(:p AS text) IS NULL OR period = :p) "
            "ORDER BY due_date NULLS LAST, kind, region, hospital, period, revision"),
            {"k": kind, "r": region, "h": hospital, "p": period})
        return [_report(r) for r in rows]

    async def report(self, report_id: str) -> StoredReport | None:
        row = (await self.conn.execute(text(
            "SELECT id, kind, region, hospital, period, revision, due_date, generated_at, trigger, config_version, "
            "data_version, input_hash, content FROM reports WHERE id = :id"), {"id": report_id})).first()
        return _report(row) if row else None

    async def report_body(self, report_id: str, fmt: str) -> bytes | None:
        assert fmt in ("html", "pdf", "xlsx")
        body = await self.conn.scalar(text(f"SELECT {fmt} FROM reports WHERE id = :id"), {"id": report_id})
        return bytes(body) if body is not None else None

    async def save_report(self, report: StoredReport, bodies: dict[str, bytes] | None = None) -> None:
        bodies = bodies or {}
        await self.conn.execute(text(
            "INSERT INTO reports (id, kind, region, hospital, period, revision, due_date, generated_at, trigger, "
            "config_version, data_version, input_hash, content, html, pdf, xlsx) VALUES (:id, :kind, :region, "
            ":hospital, :period, :revision, :due_date, :generated_at, :trigger, :config_version, :data_version, "
            ":input_hash, CAST(:content AS jsonb), :html, :pdf, :xlsx) ON CONFLICT (id) DO UPDATE SET "
            "due_date = excluded.due_date"),
            {**{f.name: getattr(report, f.name) for f in dataclasses.fields(report) if f.name != "content"},
             "content": None if report.content is None else orjson.dumps(report.content, default=str).decode(),
             "html": bodies.get("html"), "pdf": bodies.get("pdf"), "xlsx": bodies.get("xlsx")})

    async def try_lock_schedule(self) -> bool:
        """One scheduler at a time across the service's processes (transaction-scoped advisory lock)."""
        return await self.conn.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext('yidi-reports-schedule'))"))

    # ------------------------------------------------------------------ objections
    async def objections(self, *, hospital: str | None = None, region: str | None = None) -> list[Objection]:
        rows = await self.conn.execute(text(
            "SELECT * FROM objections WHERE (CAST(:h AS text) IS NULL OR hospital_code = :h) "
            "AND (CAST(:r AS text) IS NULL OR treatment_region = :r) ORDER BY filed_at, id"),
            {"h": hospital, "r": region})
        return [_objection(r) for r in rows]

    async def objection(self, objection_id: str, *, for_update: bool = False) -> Objection | None:
        row = (await self.conn.execute(text(
            f"SELECT * FROM objections WHERE id = :id{' FOR UPDATE' if for_update else ''}"), {"id": objection_id})).first()
        return _objection(row) if row else None

    async def open_objections(self, target_kind: str, target_id: str) -> list[Objection]:
        rows = await self.conn.execute(text(
            "SELECT * FROM objections WHERE target_kind = :k AND target_id = :t AND status = 'open' FOR UPDATE"),
            {"k": target_kind, "t": target_id})
        return [_objection(r) for r in rows]

    async def save_objection(self, objection: Objection) -> None:
        await self.conn.execute(text(
            "INSERT INTO objections (id, hospital_code, treatment_region, target_kind, target_id, claim_id, "
            "claim_version, reason, documents, status, filed_at, window_closes, decided_at, decision_reasons, trail) "
            "VALUES (:id, :hospital_code, :treatment_region, :target_kind, :target_id, :claim_id, :claim_version, "
            ":reason, CAST(:documents AS jsonb), :status, :filed_at, :window_closes, :decided_at, :decision_reasons, "
            "CAST(:trail AS jsonb)) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
            "decided_at = excluded.decided_at, decision_reasons = excluded.decision_reasons, trail = excluded.trail"),
            {**{f.name: getattr(objection, f.name) for f in dataclasses.fields(objection) if f.name not in ("documents", "trail")},
             "documents": orjson.dumps(list(objection.documents)).decode(), "trail": _trail_json(objection.trail)})

    # ------------------------------------------------------------------ feedback rounds
    async def feedback_items(self, *, hospital: str | None = None, region: str | None = None,
                             round_id: str | None = None) -> list[FeedbackItem]:
        rows = await self.conn.execute(text(
            "SELECT * FROM feedback_items WHERE (CAST(:h AS text) IS NULL OR hospital_code = :h) "
            "AND (CAST(:r AS text) IS NULL OR region = :r) AND (CAST(:round AS text) IS NULL OR round = :round) "
            "ORDER BY submitted_at, id"), {"h": hospital, "r": region, "round": round_id})
        return [_feedback(r) for r in rows]

    async def feedback_item(self, item_id: str, *, for_update: bool = False) -> FeedbackItem | None:
        row = (await self.conn.execute(text(
            f"SELECT * FROM feedback_items WHERE id = :id{' FOR UPDATE' if for_update else ''}"), {"id": item_id})).first()
        return _feedback(row) if row else None

    async def save_feedback_item(self, item: FeedbackItem) -> None:
        await self.conn.execute(text(
            "INSERT INTO feedback_items (id, round, hospital_code, region, topic, text, reference_kind, reference_id, "
            "submitted_at, answer_due, status, answer, answered_at, trail) VALUES (:id, :round, :hospital_code, "
            ":region, :topic, :text, :reference_kind, :reference_id, :submitted_at, :answer_due, :status, :answer, "
            ":answered_at, CAST(:trail AS jsonb)) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
            "answer = excluded.answer, answered_at = excluded.answered_at, trail = excluded.trail"),
            {**{f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name not in ("reference", "trail")},
             "reference_kind": item.reference.kind if item.reference else None,
             "reference_id": item.reference.id if item.reference else None, "trail": _trail_json(item.trail)})


def _fill(winner: Case, other: Case) -> Case:
    """Two stages of one version in a batch: the later stage's facts, the other's where it knows nothing."""
    return dataclasses.replace(winner, **{c: getattr(other, c) for c in _DOMAIN_FACTS if getattr(winner, c) is None})


_DOMAIN_FACTS = ("period", "psn_no", "adm_time", "dscg_time", "los", "total_cost", "self_pay", "basic_fund",
                 "grouping_status", "payment_method", "group", "weight", "case_kind", "principal_diagnosis")


def _case_row(case: Case) -> dict:
    row = {c: getattr(case, c) for c in _CASE_COLUMNS if c != "group_code"}
    row["group_code"] = case.group
    return row
