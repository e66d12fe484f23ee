"""The year demo's 特例单议: which lists hospitals apply for, and how the treatment region's bureau decides
(the year's first application rejected, the others approved, a quota refusal turned into a rejection), against
a stand-in audit answering as the service does."""
from __future__ import annotations

import httpx

from yidi_common.auth import Role
from yidi_demo import year
from yidi_demo.year import YearLog, special_case_candidates


def a_list(hospital: str, *amounts: str, **setlinfo) -> dict:
    return {"setlinfo": {"fixmedins_code": hospital, "treat_admdvs": hospital[1:7], **setlinfo},
            "iteminfo": [{"med_chrgitm_type": "01", "amt": a} for a in amounts]}


LISTS = {
    "c1": a_list("H36070000001", "30000.00", "5000.00"),  # 35 000
    "c2": a_list("H36070000001", "40000.00"),  # 40 000, the same hospital: one case each
    "c3": a_list("H36010000001", "50000.00", manual_reimbursement=True),  # a policy case: never
    "c4": a_list("H36010000002", "20000.00"),
    "c5": a_list("H36010000003", "20000.00", dscg_caty="A15"),  # a bed-day stay: never
    "c6": a_list("H36040000001", "9000.00"),
    "c7": a_list("H36040000002", "59000.00", "1000.01"),  # above SPECIAL_CASE_MAX_COST (60 000): never
}


def test_the_costliest_plain_lists_under_the_cap_one_per_hospital():
    accepted = [{"claim_id": c} for c in LISTS] + [{"claim_id": "unknown"}]
    assert [c for c, _ in special_case_candidates(accepted, LISTS, 3)] == ["c2", "c4", "c6"]
    assert [c for c, _ in special_case_candidates(accepted, LISTS, 1)] == ["c2"]


class Audit:
    """Answers the two routes; approvals of `over_quota` claims are 409, applications for `open` claims 409."""

    def __init__(self, over_quota=(), open_claims=()):
        self.over_quota, self.open_claims, self.calls = set(over_quota), set(open_claims), []

    def post(self, url: str, *, json: dict, headers: dict, timeout: float) -> httpx.Response:
        request = httpx.Request("POST", url)
        role, scope = headers["Authorization"].split("|")
        self.calls.append((url.split("/v1/")[1], json.get("decision"), role, scope))
        if url.endswith("/v1/special-cases"):
            if json["claim_id"] in self.open_claims:
                return httpx.Response(409, json={}, request=request)
            return httpx.Response(201, json={"case_id": f"case-{json['claim_id']}", "pool_admdvs": None},
                                  request=request)
        claim = url.split("/")[-2].removeprefix("case-")
        if json["decision"] == "approve" and claim in self.over_quota:
            return httpx.Response(409, json={"detail": {"quota": {}}}, request=request)
        return httpx.Response(200, json={"status": "approved" if json["decision"] == "approve" else "rejected"},
                              request=request)


def test_the_first_is_rejected_the_others_approved_within_the_quota(monkeypatch):
    audit = Audit(over_quota={"c6"}, open_claims={"c4"})
    monkeypatch.setattr(year.httpx, "post", audit.post)
    monkeypatch.setattr(year, "service_url", lambda name: "http://audit")
    monkeypatch.setattr(year.tokens, "headers", lambda role, region=None, hospital=None, user=None: {
        "Authorization": f"{Role(role).value}|{region or hospital}"})
    log = YearLog()
    chosen = [(c, LISTS[c]) for c in ("c1", "c4", "c2", "c6")]
    assert year._special_cases(chosen, log) == {"c1", "c2", "c6"}
    assert log.special_cases == {"applied": 3, "referred": 0, "approved": 1, "rejected": 2}
    assert audit.calls == [
        ("special-cases", None, "hospital", "H36070000001"),
        ("special-cases/case-c1/decision", "reject", "bureau", "360700"),  # the year's first: rejected
        ("special-cases", None, "hospital", "H36010000002"),  # a case is open already: skipped
        ("special-cases", None, "hospital", "H36070000001"),
        ("special-cases/case-c2/decision", "approve", "bureau", "360700"),
        ("special-cases", None, "hospital", "H36040000001"),
        ("special-cases/case-c6/decision", "approve", "bureau", "360400"),  # beyond the quota: 409
        ("special-cases/case-c6/decision", "reject", "bureau", "360400"),
    ]
