"""Audit's store over PostgreSQL. Domain records (frozen dataclasses) are kept as JSON beside the columns
that filter them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.assistance import AssistanceRequest
from ..domain.claims import ClaimFacts
from ..domain.corrections import FlagChange
from ..domain.review import Review
from ..domain.rules.score_drift import CHINA, DipTally, MixKey
from ..domain.special_cases import CaseStatus, QuotaUse, SpecialCase, Step
from ..service_layer.repository import NewFlag, Scope
from .records import from_json, to_json


class PostgresAuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lock_people(self, people: Sequence[str]) -> None:
        await self.conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(person)) FROM unnest(CAST(:people AS text[])) AS person "
                 "ORDER BY person"),
            {"people": list(people)})

    async def people_histories(self, since: Mapping[str, datetime],
                               claim_ids: Sequence[str]) -> dict[str, dict[str, ClaimFacts]]:
        rows = await self.conn.execute(
            text(
                "SELECT a.psn_no, a.claim_id, CAST(a.facts AS text) AS facts FROM audit_claims a "
                "JOIN unnest(CAST(:people AS text[]), CAST(:since AS timestamptz[])) AS w(psn_no, since) USING (psn_no) "
                "WHERE a.dscg_time >= w.since OR a.claim_id = ANY(:claim_ids)"
            ),
            {"people": list(since), "since": list(since.values()), "claim_ids": list(claim_ids)},
        )
        out: dict[str, dict[str, ClaimFacts]] = {}
        for r in rows:
            out.setdefault(r.psn_no, {})[r.claim_id] = from_json(ClaimFacts, r.facts)
        return out

    async def store_claims(self, claims: Sequence[ClaimFacts]) -> None:
        if not claims:
            return
        await self.conn.execute(
            text(
                "INSERT INTO audit_claims (claim_id, version, psn_no, adm_time, dscg_time, facts, hospital_code, "
                "treat_admdvs, basic_fund, pool_admdvs) "
                "SELECT * FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:people AS text[]), "
                "CAST(:admitted AS timestamptz[]), CAST(:discharged AS timestamptz[]), CAST(:facts AS jsonb[]), "
                "CAST(:hospitals AS text[]), CAST(:treatment_regions AS text[]), CAST(:basic_funds AS numeric[]), "
                "CAST(:pool_regions AS text[])) "
                "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, adm_time = EXCLUDED.adm_time, "
                "dscg_time = EXCLUDED.dscg_time, facts = EXCLUDED.facts, basic_fund = EXCLUDED.basic_fund, "
                "pool_admdvs = EXCLUDED.pool_admdvs "
                "WHERE audit_claims.version < EXCLUDED.version"
            ),
            {"claim_ids": [c.claim_id for c in claims], "versions": [c.version for c in claims],
             "people": [c.psn_no for c in claims], "admitted": [c.adm_time for c in claims],
             "discharged": [c.dscg_time for c in claims], "facts": [to_json(c) for c in claims],
             "hospitals": [c.hospital_code for c in claims],
             "treatment_regions": [c.treatment_region for c in claims],
             "basic_funds": [c.basic_fund_payment for c in claims],
             "pool_regions": [c.pool_region for c in claims]},
        )

    async def insert_flags(self, flags: Sequence[NewFlag]) -> set[str]:
        if not flags:
            return set()
        findings = [f.finding for f in flags]
        rows = await self.conn.execute(
            text(
                "INSERT INTO flags (flag_id, rule_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, "
                "status, suspected_amount, severity, evidence, review, pool_admdvs) SELECT * FROM unnest(CAST(:flag_ids AS text[]), "
                "CAST(:rule_ids AS text[]), CAST(:claim_ids AS text[]), CAST(:versions AS int[]), "
                "CAST(:hospitals AS text[]), CAST(:treatment_regions AS text[]), CAST(:insured_regions AS text[]), "
                "CAST(:statuses AS text[]), CAST(:suspected_amounts AS numeric[]), CAST(:severities AS text[]), "
                "CAST(:evidence AS jsonb[]), CAST(:reviews AS jsonb[]), CAST(:pool_regions AS text[])) "
                "ON CONFLICT DO NOTHING RETURNING flag_id"
            ),
            {"flag_ids": [f.flag_id for f in findings], "rule_ids": [f.rule_id for f in findings],
             "claim_ids": [f.claim_id for f in findings], "versions": [f.version for f in findings],
             "hospitals": [f.hospital_code for f in findings],
             "treatment_regions": [f.treatment_region for f in findings],
             "insured_regions": [f.insured_region for f in findings],
             "statuses": [f.review.status.value for f in flags],
             "suspected_amounts": [f.suspected_amount for f in findings],
             "severities": [f.severity.value for f in findings],
             "evidence": [orjson.dumps(dict(f.evidence)).decode() for f in findings],
             "reviews": [to_json(f.review) for f in flags],
             "pool_regions": [f.pool_region for f in findings]},
        )
        return set(rows.scalars())

    async def claim_flags(self, claim_ids: Sequence[str], *, for_update: bool = True) -> list[Review]:
        sql = ("SELECT CAST(review AS text) FROM flags WHERE claim_id = ANY(CAST(:claim_ids AS text[])) ORDER BY flag_id"
               + (" FOR UPDATE" if for_update else ""))
        rows = await self.conn.scalars(text(sql), {"claim_ids": list(claim_ids)})
        return [from_json(Review, r) for r in rows]

    async def update_flags(self, changes: Sequence[FlagChange]) -> None:
        if not changes:
            return
        reviews = [c.review for c in changes]
        await self.conn.execute(
            text(
                "UPDATE flags f SET version = u.version, status = u.status, closed_reason = u.closed_reason, "
                "suspected_amount = u.suspected_amount, severity = COALESCE(u.severity, f.severity), "
                "evidence = COALESCE(u.evidence, f.evidence), review = u.review, updated_at = now() "
                "FROM unnest(CAST(:flag_ids AS text[]), CAST(:versions AS int[]), CAST(:statuses AS text[]), "
                "CAST(:closed_reasons AS text[]), CAST(:suspected_amounts AS numeric[]), CAST(:severities AS text[]), "
                "CAST(:evidence AS jsonb[]), CAST(:reviews AS jsonb[])) "
                "AS u(flag_id, version, status, closed_reason, suspected_amount, severity, evidence, review) "
                "WHERE f.flag_id = u.flag_id"
            ),
            {"flag_ids": [r.flag_id for r in reviews], "versions": [r.version for r in reviews],
             "statuses": [r.status.value for r in reviews], "closed_reasons": [r.closed_reason for r in reviews],
             "suspected_amounts": [r.suspected_amount for r in reviews],
             "severities": [c.finding.severity.value if c.finding else None for c in changes],
             "evidence": [orjson.dumps(dict(c.finding.evidence)).decode() if c.finding else None for c in changes],
             "reviews": [to_json(r) for r in reviews]},
        )

    async def load_review(self, flag_id: str, *, for_update: bool = False) -> Review | None:
        sql = "SELECT review FROM flags WHERE flag_id = :flag_id" + (" FOR UPDATE" if for_update else "")
        stored = await self.conn.scalar(text(sql), {"flag_id": flag_id})
        return from_json(Review, stored) if stored is not None else None

    async def save_review(self, review: Review) -> None:
        await self.conn.execute(
            text("UPDATE flags SET status = :status, closed_reason = :closed_reason, review = CAST(:review AS jsonb), "
                 "updated_at = now() WHERE flag_id = :flag_id"),
            {"status": review.status.value, "closed_reason": review.closed_reason, "review": to_json(review),
             "flag_id": review.flag_id},
        )

    async def claim_facts(self, claim_id: str) -> ClaimFacts | None:
        stored = await self.conn.scalar(text("SELECT facts FROM audit_claims WHERE claim_id = :claim_id"),
                                        {"claim_id": claim_id})
        return from_json(ClaimFacts, stored) if stored is not None else None

    async def count_in_mix(self, changes: Mapping[MixKey, int]) -> None:
        if not changes:
            return
        keys = sorted(changes)  # rows locked in key order, as every transaction locks them
        await self.conn.execute(
            text("INSERT INTO dip_mix (region, hospital_code, month, principal_diagnosis, dip_type, score, cases) "
                 "SELECT * FROM unnest(CAST(:regions AS text[]), CAST(:hospitals AS text[]), CAST(:months AS date[]), "
                 "CAST(:diagnoses AS text[]), CAST(:types AS text[]), CAST(:scores AS numeric[]), CAST(:counts AS int[])) "
                 "ON CONFLICT (region, hospital_code, month, principal_diagnosis, dip_type, score) "
                 "DO UPDATE SET cases = dip_mix.cases + EXCLUDED.cases"),
            {"regions": [k.region for k in keys], "hospitals": [k.hospital_code for k in keys],
             "months": [k.month.date() for k in keys], "diagnoses": [k.principal_diagnosis for k in keys],
             "types": [k.dip_type for k in keys], "scores": [k.score for k in keys],
             "counts": [changes[k] for k in keys]})

    async def dip_mix(self, region: str, hospital_code: str, start: datetime, end: datetime,
                      diagnosis_chars: int) -> list[DipTally]:
        rows = await self.conn.execute(
            text("SELECT upper(left(principal_diagnosis, :chars)) AS diagnosis, dip_type, score, month, "
                 "sum(cases) AS cases FROM dip_mix WHERE region = :region AND hospital_code = :hospital "
                 "AND month >= :start AND month < :end AND cases > 0 GROUP BY 1, 2, 3, 4"),
            {"region": region, "hospital": hospital_code, "start": start.astimezone(CHINA).date(),
             "end": end.astimezone(CHINA).date(), "chars": diagnosis_chars})
        return [DipTally(r.diagnosis, r.dip_type, r.score, datetime(r.month.year, r.month.month, 1, tzinfo=CHINA),
                         r.cases) for r in rows]

    async def save_assistance(self, request: AssistanceRequest) -> None:
        await self.conn.execute(
            text(
                "INSERT INTO assistance_requests (request_id, claim_id, treat_admdvs, insu_admdvs, status, deadline, body) "
                "VALUES (:request_id, :claim_id, :treatment_region, :insured_region, :status, :deadline, "
                "CAST(:body AS jsonb)) ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body"
            ),
            {"request_id": request.request_id, "claim_id": request.claim_id,
             "treatment_region": request.treatment_region, "insured_region": request.insured_region,
             "status": request.status.value, "deadline": request.deadline, "body": to_json(request)},
        )

    async def load_assistance(self, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None:
        sql = "SELECT body FROM assistance_requests WHERE request_id = :request_id" + (" FOR UPDATE" if for_update else "")
        stored = await self.conn.scalar(text(sql), {"request_id": request_id})
        return from_json(AssistanceRequest, stored) if stored is not None else None

    # what the HTTP views read

    async def list_flags(self, *, scope: Scope, region: str | None, hospital: str | None, rule: str | None,
                         status: str | None, limit: int, offset: int) -> list[dict]:
        rows = await self.conn.execute(
            text(
                "SELECT flag_id, rule_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, pool_admdvs, status, "
                "closed_reason, suspected_amount, severity, evidence, raised_at, updated_at FROM flags "
                f"WHERE {_SCOPED} "
                "AND (CAST(:region AS text) IS NULL OR treat_admdvs = :region OR insu_admdvs = :region "
                "OR pool_admdvs = :region) "
                "AND (CAST(:hospital AS text) IS NULL OR hospital_code = :hospital) "
                "AND (CAST(:rule_id AS text) IS NULL OR rule_id = :rule_id) "
                "AND (CAST(:status AS text) IS NULL OR status = :status) "
                "ORDER BY raised_at, flag_id LIMIT :limit OFFSET :offset"
            ),
            {**_scope(scope), "region": region, "hospital": hospital, "rule_id": rule, "status": status,
             "limit": limit, "offset": offset},
        )
        return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows.mappings()]

    async def flag_counts(self, scope: Scope) -> list[dict]:
        rows = await self.conn.execute(text(
            "SELECT rule_id, status, count(*) AS flags, sum(suspected_amount) AS suspected FROM flags "
            f"WHERE {_SCOPED} GROUP BY rule_id, status ORDER BY rule_id, status"), _scope(scope))
        return [{**dict(r), "suspected": str(r.suspected)} for r in rows.mappings()]

    async def list_assistance(self, scope: Scope, region: str | None) -> list[AssistanceRequest]:
        rows = await self.conn.execute(
            text(f"SELECT body FROM assistance_requests WHERE {_REGION_SCOPED} AND (CAST(:region AS text) IS NULL "
                 "OR treat_admdvs = :region OR insu_admdvs = :region) ORDER BY deadline"),
            {**_scope(scope, hospital=False), "region": region},
        )
        return [from_json(AssistanceRequest, r.body) for r in rows]

    # 特例单议: the case row holds what filters it and the case without its history; the history is its own
    # append-only table (a trigger refuses UPDATE and DELETE)

    async def insert_cases(self, cases: Sequence[SpecialCase]) -> set[str]:
        if not cases:
            return set()
        rows = await self.conn.execute(
            text(
                "INSERT INTO special_cases (case_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, "
                "origin, status, period, dscg_time, basic_fund, applied_at, body, pool_admdvs) SELECT * FROM unnest("
                "CAST(:case_ids AS text[]), CAST(:claim_ids AS text[]), CAST(:versions AS int[]), "
                "CAST(:hospitals AS text[]), CAST(:treatment_regions AS text[]), CAST(:insured_regions AS text[]), "
                "CAST(:origins AS text[]), CAST(:statuses AS text[]), CAST(:periods AS text[]), "
                "CAST(:discharged AS timestamptz[]), CAST(:basic_funds AS numeric[]), CAST(:applied AS timestamptz[]), "
                "CAST(:bodies AS jsonb[]), CAST(:pool_regions AS text[])) ON CONFLICT DO NOTHING RETURNING case_id"
            ),
            {"case_ids": [c.case_id for c in cases], "claim_ids": [c.claim.claim_id for c in cases],
             "versions": [c.claim.version for c in cases], "hospitals": [c.claim.hospital_code for c in cases],
             "treatment_regions": [c.claim.treatment_region for c in cases],
             "insured_regions": [c.claim.insured_region for c in cases], "origins": [c.origin.value for c in cases],
             "statuses": [c.status.value for c in cases], "periods": [c.period for c in cases],
             "discharged": [c.claim.dscg_time for c in cases],
             "basic_funds": [c.claim.basic_fund_payment for c in cases],
             "applied": [c.applied_at for c in cases], "bodies": [_case_body(c) for c in cases],
             "pool_regions": [c.claim.pool_region for c in cases]},
        )
        inserted = set(rows.scalars())
        await self._append_steps([(c.case_id, i, step) for c in cases if c.case_id in inserted
                                  for i, step in enumerate(c.history)])
        return inserted

    async def load_case(self, case_id: str, *, for_update: bool = False) -> SpecialCase | None:
        sql = "SELECT body FROM special_cases WHERE case_id = :case_id" + (" FOR UPDATE" if for_update else "")
        body = await self.conn.scalar(text(sql), {"case_id": case_id})
        if body is None:
            return None
        return (await self._with_history([from_json(SpecialCase, body)]))[0]

    async def save_case(self, case: SpecialCase, new_steps: Sequence[Step]) -> None:
        await self.conn.execute(
            text("UPDATE special_cases SET status = :status, period = :period, body = CAST(:body AS jsonb) "
                 "WHERE case_id = :case_id"),
            {"status": case.status.value, "period": case.period, "body": _case_body(case), "case_id": case.case_id},
        )
        first = len(case.history) - len(new_steps)
        await self._append_steps([(case.case_id, first + i, step) for i, step in enumerate(new_steps)])

    async def open_cases(self, claim_ids: Sequence[str]) -> list[SpecialCase]:
        rows = await self.conn.scalars(
            text("SELECT body FROM special_cases WHERE claim_id = ANY(CAST(:claim_ids AS text[])) AND status = 'open' "
                 "ORDER BY case_id FOR UPDATE"), {"claim_ids": list(claim_ids)})
        return await self._with_history([from_json(SpecialCase, r) for r in rows])

    async def lock_quota(self, region: str, hospital_code: str, period: str) -> None:
        await self.conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                                {"key": f"special-case-quota|{region}|{hospital_code}|{period}"})

    async def quota_use(self, region: str, hospital_code: str, period: str, start: datetime,
                        end: datetime) -> QuotaUse:
        row = (await self.conn.execute(
            text(
                "SELECT (SELECT count(*) FROM audit_claims WHERE COALESCE(pool_admdvs, treat_admdvs) = :region "
                "AND hospital_code = :hospital "
                "AND dscg_time >= :start AND dscg_time < :end) AS claims, "
                "(SELECT COALESCE(sum(basic_fund), 0) FROM audit_claims WHERE COALESCE(pool_admdvs, treat_admdvs) = :region "
                "AND hospital_code = :hospital AND dscg_time >= :start AND dscg_time < :end) AS fund, "
                "(SELECT count(*) FROM special_cases WHERE COALESCE(pool_admdvs, treat_admdvs) = :region "
                "AND hospital_code = :hospital "
                "AND status = 'approved' AND dscg_time >= :start AND dscg_time < :end) AS approved_cases, "
                "(SELECT COALESCE(sum(basic_fund), 0) FROM special_cases WHERE COALESCE(pool_admdvs, treat_admdvs) = :region "
                "AND hospital_code = :hospital AND status = 'approved' AND dscg_time >= :start AND dscg_time < :end) "
                "AS approved_fund"
            ),
            {"region": region, "hospital": hospital_code, "start": start, "end": end},
        )).one()
        return QuotaUse(claims=row.claims, fund=Decimal(row.fund), approved_cases=row.approved_cases,
                        approved_fund=Decimal(row.approved_fund))

    async def list_cases(self, *, scope: Scope, region: str | None, hospital: str | None, status: str | None,
                         period: str | None, limit: int, offset: int) -> list[SpecialCase]:
        rows = await self.conn.scalars(
            text(
                f"SELECT body FROM special_cases WHERE {_SCOPED} "
                "AND (CAST(:region AS text) IS NULL OR treat_admdvs = :region OR insu_admdvs = :region "
                "OR pool_admdvs = :region) "
                "AND (CAST(:hospital AS text) IS NULL OR hospital_code = :hospital) "
                "AND (CAST(:status AS text) IS NULL OR status = :status) "
                "AND (CAST(:period AS text) IS NULL OR period = :period) "
                "ORDER BY applied_at, case_id LIMIT :limit OFFSET :offset"
            ),
            {**_scope(scope), "region": region, "hospital": hospital, "status": status, "period": period,
             "limit": limit, "offset": offset},
        )
        return await self._with_history([from_json(SpecialCase, r) for r in rows])

    async def cases_discharged(self, region: str, start: datetime, end: datetime) -> list[SpecialCase]:
        rows = await self.conn.scalars(
            text("SELECT body FROM special_cases WHERE COALESCE(pool_admdvs, treat_admdvs) = :region "
                 "AND dscg_time >= :start AND dscg_time < :end ORDER BY hospital_code, case_id"),
            {"region": region, "start": start, "end": end})
        return [from_json(SpecialCase, r) for r in rows]

    async def claim_totals(self, region: str, start: datetime, end: datetime) -> dict[str, tuple[int, Decimal]]:
        rows = await self.conn.execute(
            text("SELECT hospital_code, count(*) AS claims, COALESCE(sum(basic_fund), 0) AS fund FROM audit_claims "
                 "WHERE COALESCE(pool_admdvs, treat_admdvs) = :region AND dscg_time >= :start AND dscg_time < :end "
                 "GROUP BY hospital_code"),
            {"region": region, "start": start, "end": end})
        return {r.hospital_code: (r.claims, Decimal(r.fund)) for r in rows}

    async def _append_steps(self, steps: list[tuple[str, int, Step]]) -> None:
        if not steps:
            return
        await self.conn.execute(
            text(
                "INSERT INTO special_case_history (case_id, step, action, status, by_subject, by_role, region, at, "
                "reasons, documents) SELECT * FROM unnest(CAST(:case_ids AS text[]), CAST(:steps AS int[]), "
                "CAST(:actions AS text[]), CAST(:statuses AS text[]), CAST(:subjects AS text[]), CAST(:roles AS text[]), "
                "CAST(:regions AS text[]), CAST(:ats AS timestamptz[]), CAST(:reasons AS jsonb[]), "
                "CAST(:documents AS jsonb[]))"
            ),
            {"case_ids": [c for c, _, _ in steps], "steps": [i for _, i, _ in steps],
             "actions": [s.action for _, _, s in steps], "statuses": [s.status.value for _, _, s in steps],
             "subjects": [s.by for _, _, s in steps], "roles": [s.role for _, _, s in steps],
             "regions": [s.region for _, _, s in steps], "ats": [s.at for _, _, s in steps],
             "reasons": [orjson.dumps(list(s.reasons)).decode() for _, _, s in steps],
             "documents": [orjson.dumps(list(s.documents)).decode() for _, _, s in steps]},
        )

    async def _with_history(self, cases: list[SpecialCase]) -> list[SpecialCase]:
        if not cases:
            return []
        rows = await self.conn.execute(
            text("SELECT case_id, action, status, by_subject, by_role, region, at, reasons, documents "
                 "FROM special_case_history WHERE case_id = ANY(CAST(:case_ids AS text[])) ORDER BY case_id, step"),
            {"case_ids": [c.case_id for c in cases]})
        history: dict[str, list[Step]] = {}
        for r in rows:
            history.setdefault(r.case_id, []).append(Step(
                action=r.action, status=CaseStatus(r.status), by=r.by_subject, role=r.by_role, region=r.region, at=r.at,
                reasons=tuple(r.reasons), documents=tuple(r.documents)))
        return [replace(c, history=tuple(history.get(c.case_id, ()))) for c in cases]


def _case_body(case: SpecialCase) -> str:
    """The case as stored in its row: without its history, which is kept step by step beside it."""
    return to_json(replace(case, history=()))


# a reader's scope: everything, a region as treatment, insured or 省本级 pool region, or a hospital (flags only)
_REGION_SCOPED = ("(CAST(:everything AS boolean) "
                  "OR treat_admdvs = CAST(:scope_region AS text) OR insu_admdvs = CAST(:scope_region AS text))")
_POOL_SCOPED = _REGION_SCOPED[:-1] + " OR pool_admdvs = CAST(:scope_region AS text))"
_SCOPED = _POOL_SCOPED[:-1] + " OR hospital_code = CAST(:scope_hospital AS text))"


def _scope(scope: Scope, *, hospital: bool = True) -> dict:
    if scope.hospital is not None and not hospital:
        raise ValueError("assistance requests have no hospital scope")
    return {"everything": scope.everything, "scope_region": scope.region,
            **({"scope_hospital": scope.hospital} if hospital else {})}
