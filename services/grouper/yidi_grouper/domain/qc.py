"""Settlement-list quality control (质控) before grouping, DOMAIN.md §3.

`run_qc` returns every failed rule (field path, stable rule id, message), never only the
first. Without code tables (`codes=None`) only the structural and arithmetic rules run.

Regions are checked, not trusted: the claim's scope follows from the region codes
(`yidi_common.claims.claim_scope`), so a list whose `cross_province` flag says otherwise is
rejected (cross-province cases stay per item, outside the pools: seed 000 五(二); lists of
in-province cross-region cases are under QC: seed 001 (五)).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from yidi_common.claims import ClaimScope, claim_scope, province_of

from .codes import canonical_code

TOLERANCE = Decimal("0.01")
INFANT_DAYS = 365


@dataclass(frozen=True, slots=True)
class QcError:
    field: str
    rule: str
    message: str


@dataclass(frozen=True)
class CodeTables:
    """医保版 ICD-10 and ICD-9-CM-3 code lists of one coding version, with gray codes."""

    version: str
    diagnoses: frozenset[str]
    procedures: frozenset[str]
    gray_diagnoses: frozenset[str]
    gray_procedures: frozenset[str]
    # a 1.0 code that 2.0 no longer has -> its 2.0 code (the published 1.0→2.0 crosswalks), named in the message
    replacements: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, icd_dir: str | Path, version: str = "2.0") -> "CodeTables":
        directory = Path(icd_dir)

        def codes(name: str, required: bool = True) -> frozenset[str]:
            path = directory / name
            if not path.is_file():
                if required:
                    raise FileNotFoundError(f"{path}: code list for version {version} missing")
                return frozenset()
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            return frozenset(canonical_code(line.split()[0]) for line in lines if line.strip())

        diagnoses, procedures = codes(f"icd10-chs-{version}.dat"), codes(f"icd9cm3-chs-{version}.dat")
        replacements: dict[str, str] = {}
        known = diagnoses | procedures
        for name in (f"icd10-chs-1.0-to-{version}.dat", f"icd9cm3-chs-1.0-to-{version}.dat"):
            path = directory / name
            if path.is_file():
                for line in path.read_text(encoding="utf-8-sig").splitlines():
                    parts = line.split()
                    if len(parts) >= 2 and canonical_code(parts[0]) not in known:
                        replacements[canonical_code(parts[0])] = parts[1]
        return cls(
            version=version,
            diagnoses=diagnoses,
            procedures=procedures,
            gray_diagnoses=codes(f"icd10-chs-{version}-gray.dat", required=False),
            gray_procedures=codes(f"icd9cm3-chs-{version}-gray.dat", required=False),
            replacements=replacements,
        )

    def unknown(self, code: str, written: str, what: str) -> str:
        """Why a code is refused, with its code in this version when the crosswalk names one."""
        replacement = self.replacements.get(code)
        hint = f" (医保版 {self.version} code: {replacement})" if replacement else ""
        return f"{written} is not in 医保版 {what} {self.version}{hint}"


# ICD-10 ranges restricted by sex or age (category = letter + two digits).
FEMALE_ONLY = (("O00", "O99"), ("N70", "N98"), ("C51", "C58"), ("D06", "D06"), ("D25", "D28"), ("Z32", "Z37"),
               ("Z39", "Z39"))
MALE_ONLY = (("N40", "N53"), ("C60", "C63"), ("D29", "D29"))
NEWBORN = (("P00", "P96"),)


def _in_ranges(code: str, ranges) -> bool:
    category = code[:3]
    return any(low <= category <= high for low, high in ranges)


def run_qc(sl, codes: CodeTables | None = None, newborn_max_days: int = INFANT_DAYS) -> list[QcError]:
    """Every failed QC rule of a settlement list.

    newborn_max_days: perinatal codes (P00-P96) are accepted up to this age in days; the
    default (one year) keeps CHS-DRG's PV1 (29 days to 1 year) reachable.
    """
    errors: list[QcError] = []
    errors += _diagnosis_rules(sl, codes, newborn_max_days)
    errors += _procedure_rules(sl, codes)
    errors += _stay_rules(sl)
    errors += _money_rules(sl)
    info = sl.setlinfo
    scope = claim_scope(insured_region=info.insu_admdvs, treatment_region=info.treat_admdvs)
    if info.cross_province is not (scope is ClaimScope.CROSS_PROVINCE):
        errors += _cross_province_flag_problems(info)
    return errors


CROSS_PROVINCE_FLAG_FIELDS = ("setlinfo.cross_province", "setlinfo.insu_admdvs")


def _cross_province_flag_problems(info) -> list[QcError]:
    """One problem per field the contradiction involves, with one message saying what each says."""
    insured_province = province_of(info.insu_admdvs) + "0000"
    if info.cross_province:
        message = (f"cross_province is true (insured in another province) but insu_admdvs {info.insu_admdvs} is in "
                   f"province {insured_province}, the treatment region's (treat_admdvs {info.treat_admdvs})")
    else:
        message = (f"cross_province is false (insured in this province) but insu_admdvs {info.insu_admdvs} is in "
                   f"province {insured_province}, not the treatment region's {province_of(info.treat_admdvs)}0000 "
                   f"(treat_admdvs {info.treat_admdvs})")
    return [QcError(field, "QC-CROSS-PROVINCE-FLAG", message) for field in CROSS_PROVINCE_FLAG_FIELDS]


def reference_problems(sl, config) -> list[QcError]:
    """What pricing needs of the regional configuration (a ProvinceConfig): the hospital, in the treatment
    region, which is configured for the settlement year with a pool for the case. A list failing these
    would be grouped and then stop at pricing; rejected here, the hospital learns why and can correct it."""
    info = sl.setlinfo
    errors: list[QcError] = []
    outside_province = province_of(info.treat_admdvs) != province_of(config.province)
    if outside_province:
        errors.append(QcError("setlinfo.treat_admdvs", "QC-TREATMENT-PROVINCE",
                              f"treat_admdvs {info.treat_admdvs} is not in the configured province {config.province}"))
    hospital = config.hospitals.get(info.fixmedins_code)
    if hospital is None:
        errors.append(QcError("setlinfo.fixmedins_code", "QC-HOSPITAL-UNKNOWN",
                              f"hospital {info.fixmedins_code} is not in the regional configuration"))
    elif hospital.region != info.treat_admdvs:
        errors.append(QcError("setlinfo.treat_admdvs", "QC-HOSPITAL-REGION",
                              f"hospital {hospital.code} is in {hospital.region}, not {info.treat_admdvs}"))
    if outside_province:  # no region-year or pool of this province to look up
        return errors
    year = int(info.setl_period[:4])
    scope = claim_scope(insured_region=info.insu_admdvs, treatment_region=info.treat_admdvs)
    pricing_region = config.pricing_region(info.fixmedins_code, info.treat_admdvs, scope)  # 省本级: its pool region
    named = f"treatment region {pricing_region}" if pricing_region == info.treat_admdvs else f"pool region {pricing_region}"
    try:
        region = config.region_year(pricing_region, year)
    except KeyError:
        errors.append(QcError("setlinfo.setl_period", "QC-REGION-YEAR-UNCONFIGURED",
                              f"{named} has no configuration for {year}"))
        return errors
    if scope is not ClaimScope.CROSS_PROVINCE:  # paid per item, outside every pool
        pool = region.pool_key(info.insutype, scope is ClaimScope.CROSS_REGION)
        if pool.label not in region.pools:
            errors.append(QcError("setlinfo.insutype", "QC-POOL-MISSING",
                                  f"{named} has no pool {pool.label} in {year}"))
    return errors


def fits_patient(code: str, gender: str, age_days: int, newborn_max_days: int = INFANT_DAYS) -> bool:
    """Whether a diagnosis code is consistent with the patient's sex and age."""
    if gender == "1" and _in_ranges(code, FEMALE_ONLY):
        return False
    if gender == "2" and _in_ranges(code, MALE_ONLY):
        return False
    return not (_in_ranges(code, NEWBORN) and age_days >= newborn_max_days)


def _diagnosis_rules(sl, codes: CodeTables | None, newborn_max_days: int) -> list[QcError]:
    errors = []
    info = sl.setlinfo
    gender = str(getattr(info.gend, "value", info.gend))
    days = info.nwb_age_days if info.nwb_age_days is not None else info.age * INFANT_DAYS
    principals = [i for i, d in enumerate(sl.diseinfo) if d.maindiag_flag]
    if not principals or not sl.diseinfo[principals[0]].diag_code.strip():
        errors.append(QcError("diseinfo", "QC-DIAG-PRINCIPAL-MISSING", "no principal diagnosis (maindiag_flag)"))
    for index, diagnosis in enumerate(sl.diseinfo):
        path = f"diseinfo[{index}].diag_code"
        code = canonical_code(diagnosis.diag_code)
        if codes is not None and code not in codes.diagnoses:
            errors.append(QcError(path, "QC-DIAG-UNKNOWN", codes.unknown(code, diagnosis.diag_code, "ICD-10")))
        if codes is not None and diagnosis.maindiag_flag and code in codes.gray_diagnoses:
            errors.append(QcError(path, "QC-DIAG-GRAY-PRINCIPAL", f"{diagnosis.diag_code} is a gray code (灰码) and cannot be the principal diagnosis"))
        if gender == "1" and _in_ranges(code, FEMALE_ONLY):
            errors.append(QcError(path, "QC-SEX-FEMALE-CODE", f"{diagnosis.diag_code} is for women only; gender is male"))
        if gender == "2" and _in_ranges(code, MALE_ONLY):
            errors.append(QcError(path, "QC-SEX-MALE-CODE", f"{diagnosis.diag_code} is for men only; gender is female"))
        if _in_ranges(code, NEWBORN) and days >= newborn_max_days:
            errors.append(QcError(path, "QC-AGE-NEWBORN-CODE",
                                  f"{diagnosis.diag_code} is a perinatal/newborn code; patient is {info.age} years old"))
    if info.age == 0 and info.nwb_age_days is None:
        errors.append(QcError("setlinfo.nwb_age_days", "QC-AGE-DAYS-MISSING", "age 0 requires the age in days"))
    if info.nwb_age_days is not None and info.nwb_age_days < 29 and info.nwb_bir_wt is None:
        errors.append(QcError("setlinfo.nwb_bir_wt", "QC-NEWBORN-WEIGHT-MISSING", "newborn under 29 days needs the birth weight"))
    return errors


def _procedure_rules(sl, codes: CodeTables | None) -> list[QcError]:
    errors = []
    for index, procedure in enumerate(sl.oprninfo):
        path = f"oprninfo[{index}].oprn_code"
        code = canonical_code(procedure.oprn_code)
        if codes is not None and code not in codes.procedures:
            errors.append(QcError(path, "QC-OPRN-UNKNOWN", codes.unknown(code, procedure.oprn_code, "ICD-9-CM-3")))
        if codes is not None and procedure.main_oprn_flag and code in codes.gray_procedures:
            errors.append(QcError(path, "QC-OPRN-GRAY-MAIN", f"{procedure.oprn_code} is a gray code (灰码) and cannot be the main procedure"))
    return errors


def _stay_rules(sl) -> list[QcError]:
    info = sl.setlinfo
    errors = []
    if info.dscg_time < info.adm_time:
        errors.append(QcError("setlinfo.dscg_time", "QC-DATES-ORDER", "discharge is before admission"))
        return errors
    span = (info.dscg_time.date() - info.adm_time.date()).days
    if info.act_ipt_days not in (span, max(span, 1)):
        errors.append(QcError("setlinfo.act_ipt_days", "QC-LOS-DATES",
                              f"act_ipt_days {info.act_ipt_days} but the dates span {span} day(s)"))
    return errors


def _money_rules(sl) -> list[QcError]:
    errors = []
    for index, item in enumerate(sl.iteminfo):
        parts = item.claa_sumfee + item.clab_amt + item.fulamt_ownpay_amt + item.oth_amt
        if parts and abs(parts - item.amt) > TOLERANCE:
            errors.append(QcError(f"iteminfo[{index}].amt", "QC-FEE-ITEM-SPLIT",
                                  f"甲类+乙类+全自费+其他 = {parts} but amt = {item.amt}"))
    total = sl.total_cost
    if total <= 0:
        errors.append(QcError("iteminfo", "QC-FEE-TOTAL-ZERO", "total cost of the fee items is zero"))
    paid = sl.fund_payments_total + sl.payinfo.psn_selfpay + sl.payinfo.psn_ownpay
    if abs(paid - total) > TOLERANCE:
        errors.append(QcError("payinfo", "QC-PAY-BALANCE",
                              f"fund payments {sl.fund_payments_total} + patient self-pay {sl.payinfo.psn_selfpay} "
                              f"+ own-pay {sl.payinfo.psn_ownpay} = {paid}, total cost is {total}"))
    return errors
