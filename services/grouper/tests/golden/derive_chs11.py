"""How chs11_cases.jsonl was derived: an independent reading of the published CHS-DRG 1.1 files.

    .venv/bin/python services/grouper/tests/golden/derive_chs11.py ../shared/reference > chs11_cases.jsonl

It shares no code with the grouper (its own parsing of 4_ADRG_DETAIL.txt, MDC/*.dat, 3_DRG.txt, 5_MCC.txt,
6_CC.txt, 7_CCE.txt and icd/icd9cm3-procedure-category.dat) and only picks cases whose group follows from
DOMAIN.md §4 by one short argument, which it writes as the case's reason with the file lines it rests on:

- medical: a principal diagnosis listed in exactly one MDC (its MDC/*.dat and 主诊表) and in exactly one
  ADRG block, a medical one (R-Z) whose only rule is 包含以下主要诊断; no procedure -> that ADRG;
- surgical / non-OR: a procedure listed once in the whole rule text, in an ADRG block whose only rule is
  包含以下主要手术或操作, with a principal of that MDC; skipped where the MDC has an ADRG taking any
  operating-room procedure (全部手术, or WJ1 whose name says 任何手术室手术 and which has no rule text);
- ambiguous: a 手术 of the category file that no ADRG lists, with a principal of an MDC without a
  全部手术 ADRG -> xQY; a 治疗性操作 that no ADRG lists does not change the medical group;
- the DRG: 9 when the ADRG is not split; else by the other diagnoses: an MCC (5_MCC) or CC (6_CC) counts
  unless the principal is in its exclusion table (7_CCE, 表 7-N); MCC -> 1 (or 3 when there is no 1),
  CC -> 3 (or 5 in a 1/5 split: issue 13's default), none -> 5. The MCC/CC codes used appear in no ADRG
  block and in no MDCZ list, so they change nothing else.
Hand-worked cases for MDCA, MDCP, MDCY, MDCZ and ungroupable lists are appended from HAND_CASES.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CODE = re.compile(r"^([A-Z]\d{2}\.[0-9A-Za-z]+|\d{2}\.[0-9A-Za-z]+)(?:\s|$)")
ADRG = re.compile(r"^([A-Z][A-Z]\d) (.*)$")
MDC_HEADER = re.compile(r"^MDC([A-Z]) (.*)$")
COMPLICATION = re.compile(r"([A-Z]\d{2}\.[0-9A-Za-z]+) (.*?)表 ?7-(\d+)")
PRE_MDC = set("APYZ")
PER_ADRG = 2  # medical cases per ADRG without complications


def pure(code: str) -> bool:
    return "+" not in code and "*" not in code


class Scheme:
    def __init__(self, reference: Path):
        root = reference / "chs-drg-1.1"
        self.lines = (root / "4_ADRG_DETAIL.txt").read_text(encoding="utf-8").splitlines()
        self.occurrences: dict[str, list[tuple[int, str]]] = {}  # code -> (line, where: ADRG or "MDCx")
        self.blocks: dict[str, dict] = {}  # ADRG -> mdc, name, line, sections [(label, [(code, line)])]
        self.principal_text: dict[str, set[str]] = {}
        mdc, where, label = "", "", ""
        for number, line in enumerate(self.lines, 1):
            text = line.strip()
            header, adrg, code = MDC_HEADER.match(text), ADRG.match(text), CODE.match(text)
            if header and not code:
                mdc, where, label = header.group(1), f"MDC{header.group(1)}", ""
                continue
            if adrg and not code:
                where = adrg.group(1)
                self.blocks[where] = {"mdc": mdc, "name": adrg.group(2), "line": number, "sections": []}
                continue
            if code:
                self.occurrences.setdefault(code.group(1), []).append((number, where))
                if where.startswith("MDC"):
                    self.principal_text.setdefault(mdc, set()).add(code.group(1))
                else:
                    sections = self.blocks[where]["sections"]
                    if not sections:
                        sections.append(("(none)", []))
                    sections[-1][1].append((code.group(1), number))
                continue
            label = text
            if where and not where.startswith("MDC"):
                self.blocks[where]["sections"].append((label, []))
        self.principal_dat: dict[str, dict[str, int]] = {}
        for path in sorted((root / "MDC").glob("*.dat")):
            codes = {}
            for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
                found = CODE.match(line.strip())
                if found:
                    codes.setdefault(found.group(1), number)
            self.principal_dat[path.name[3]] = codes
        self.dat_names = {path.name[3]: path.name for path in (root / "MDC").glob("*.dat")}
        self.drgs: dict[str, list[tuple[str, str, int]]] = {}
        for number, line in enumerate((root / "3_DRG.txt").read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split(maxsplit=1)
            if parts and re.fullmatch(r"[A-Z][A-Z]\d\d", parts[0]):
                self.drgs.setdefault(parts[0][:3], []).append((parts[0], parts[1] if len(parts) > 1 else "", number))
        self.mcc = self._complications(root / "5_MCC.txt")
        self.cc = self._complications(root / "6_CC.txt")
        self.exclusion: dict[str, tuple[str, int]] = {}  # principal -> (table, line)
        table = ""
        for number, line in enumerate((root / "7_CCE.txt").read_text(encoding="utf-8").splitlines(), 1):
            heading = re.match(r"^表 ?7-(\d+)", line.strip())
            if heading:
                table = heading.group(1)
                continue
            found = CODE.match(line.strip())
            if found and table:
                self.exclusion.setdefault(found.group(1), (table, number))
        self.categories: dict[str, tuple[str, int]] = {}
        category_file = reference / "icd" / "icd9cm3-procedure-category.dat"
        for number, line in enumerate(category_file.read_text(encoding="utf-8-sig").splitlines(), 1):
            parts = line.split()
            if len(parts) >= 2 and CODE.match(parts[0]):
                self.categories[parts[0]] = (parts[1], number)
        self.procedures_2_0 = {line.split()[0] for line in (reference / "icd" / "icd9cm3-chs-2.0.dat").read_text(
            encoding="utf-8-sig").splitlines() if line.strip()}
        # ADRGs taking any operating-room procedure: rule 全部手术, or no rule text and a name saying so
        # (WJ1 烧伤伴除植皮之外的任何手术室手术)
        self.all_surgery = {block["mdc"]: (code, block["line"]) for code, block in self.blocks.items()
                            if any("全部手术" in label for label, _ in block["sections"])
                            or (not block["sections"] and "任何手术室手术" in block["name"])}

    @staticmethod
    def _complications(path: Path) -> dict[str, tuple[str, int]]:
        found = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in COMPLICATION.finditer(line):
                found.setdefault(match.group(1), (match.group(3), number))
        return found

    def mdcs_of(self, code: str) -> set[str]:
        return {mdc for mdc, codes in self.principal_dat.items() if code in codes} | {
            mdc for mdc, codes in self.principal_text.items() if code in codes}

    def only_principal_of(self, code: str, mdc: str) -> bool:
        """In exactly this MDC's lists (the .dat file and the 主诊表), and in no other MDC's."""
        return pure(code) and self.mdcs_of(code) == {mdc} and code in self.principal_dat.get(mdc, {}) and \
            code in self.principal_text.get(mdc, set())


def sex_and_age(mdc: str) -> tuple[str, int]:
    return ("1", 50) if mdc == "M" else ("2", 30) if mdc == "O" else ("2", 50) if mdc == "N" else ("1", 50)


class Deriver:
    def __init__(self, scheme: Scheme):
        self.s = scheme
        self.cases: list[dict] = []
        self.quiet = [code for code in list(scheme.mcc) + list(scheme.cc) if pure(code)
                      and code not in scheme.occurrences and code not in scheme.principal_dat.get("Z", {})]

    def drg(self, adrg: str, level: str) -> tuple[str, str]:
        drgs = self.s.drgs[adrg]
        by_suffix = {code[3]: (code, name, line) for code, name, line in drgs}
        where = ", ".join(f"{code} (3_DRG.txt:{line})" for code, _, line in drgs)
        if set(by_suffix) == {"9"}:
            return by_suffix["9"][0], f"{adrg} is not split: {where}"
        order = {"MCC": ("1", "3", "5"), "CC": ("3", "5") if "3" in by_suffix or "1" in by_suffix else ("5",),
                 "": ("5",)}[level]
        if level == "CC" and "3" not in by_suffix:
            why = "CC only and no 3: 5 (issue 13: a CC-only case is not 伴严重并发症或合并症)"
        else:
            why = {"MCC": "MCC -> 1, else 3", "CC": "CC -> 3", "": "no MCC/CC -> 5"}[level]
        for suffix in order:
            if suffix in by_suffix:
                return by_suffix[suffix][0], f"{where}; {why}"
        raise ValueError(f"{adrg}: no DRG for level {level!r}")

    def complication(self, principal: str, kind: str) -> tuple[str | None, str]:
        """An MCC or CC (CC: not also an MCC) that counts for this principal, with why."""
        table = self.s.exclusion.get(principal)
        for code in self.quiet:
            if kind == "MCC" and code not in self.s.mcc or kind == "CC" and (code not in self.s.cc or code in self.s.mcc):
                continue
            own, line = (self.s.mcc if kind == "MCC" else self.s.cc)[code]
            if table and table[0] == own:
                continue
            principal_table = (f"the principal is in 表 7-{table[0]} (7_CCE.txt:{table[1]})" if table
                               else "the principal is in no 7_CCE table")
            file = "5_MCC.txt" if kind == "MCC" else "6_CC.txt"
            return code, (f"{code} is {kind} of 表 7-{own} ({file}:{line}), {principal_table}: it counts; "
                          f"{code} is in no ADRG block and no MDCZ list")
        return None, ""

    def add(self, name: str, mdc: str, adrg: str, drg: str, status: str, diagnoses, procedures, reason: str,
            **extra) -> None:
        gender, age = sex_and_age(mdc)
        case = {"gender": gender, "age": age, "los": 5, "discharge_way": "1", "diagnoses": list(diagnoses),
                "procedures": list(procedures), **extra}
        self.cases.append({"id": f"{len(self.cases) + 1:04d} {name}", "case": case,
                           "expected": {"mdc": f"MDC{mdc}" if mdc else "", "adrg": adrg, "drg": drg, "status": status},
                           "reason": reason})

    def principal_reason(self, code: str, mdc: str) -> str:
        dat = self.s.principal_dat[mdc][code]
        return (f"principal {code} is listed for MDC{mdc} only (MDC/{self.s.dat_names[mdc]}:{dat} and the MDC{mdc} 主诊表)")

    def medical(self) -> None:
        for adrg, block in self.s.blocks.items():
            mdc = block["mdc"]
            if mdc in PRE_MDC or adrg[1] < "R" or [label for label, _ in block["sections"]] != ["包含以下主要诊断："]:
                continue
            listed = [(code, line) for code, line in block["sections"][0][1]
                      if self.s.only_principal_of(code, mdc) and [w for _, w in self.s.occurrences[code]] == [f"MDC{mdc}", adrg]]
            for index, (code, line) in enumerate(listed[:PER_ADRG]):
                base = (f"{self.principal_reason(code, mdc)}; in one ADRG block only: {adrg} {block['name']} "
                        f"(4_ADRG_DETAIL.txt:{block['line']}, 包含以下主要诊断, code at :{line}), a medical ADRG; "
                        "no procedure")
                drg, why = self.drg(adrg, "")
                self.add(f"{adrg} medical", mdc, adrg, drg, "grouped", [code], [], f"{base} -> {adrg}; {why}")
                if index or set(code[3] for code, _, _ in self.s.drgs[adrg]) == {"9"}:
                    continue
                for kind in ("MCC", "CC"):
                    other, why_other = self.complication(code, kind)
                    if other:
                        drg, why = self.drg(adrg, kind)
                        self.add(f"{adrg} with {kind}", mdc, adrg, drg, "grouped", [code, other], [],
                                 f"{base} -> {adrg}; {why_other}; {why}")

    def procedural(self) -> None:
        for adrg, block in self.s.blocks.items():
            mdc = block["mdc"]
            if mdc in PRE_MDC or adrg[1] > "Q" or [label for label, _ in block["sections"]] != ["包含以下主要手术或操作："]:
                continue
            if mdc in self.s.all_surgery:
                continue  # a 全部手术 ADRG could take the case first
            procedure = next(((code, line) for code, line in block["sections"][0][1]
                              if pure(code) and len(self.s.occurrences[code]) == 1), None)
            principal = next((code for code in self.s.principal_dat.get(mdc, {}) if self.s.only_principal_of(code, mdc)), None)
            if procedure is None or principal is None:
                continue
            kind = "surgical (A-J)" if adrg[1] <= "J" else "non-OR (K-Q)"
            drg, why = self.drg(adrg, "")
            self.add(f"{adrg} {kind.split()[0]}", mdc, adrg, drg, "grouped", [principal], [procedure[0]],
                     f"{self.principal_reason(principal, mdc)}; main procedure {procedure[0]} is listed once in the "
                     f"rule text, in {adrg} {block['name']} (4_ADRG_DETAIL.txt:{block['line']}, 包含以下主要手术或操作, "
                     f"code at :{procedure[1]}), a {kind} ADRG whose only rule is that list; MDC{mdc} has no 全部手术 "
                     f"ADRG -> {adrg}; {why}")

    def unlisted_procedures(self) -> None:
        """A 手术 no ADRG lists makes the case ambiguous (xQY); a 治疗性操作 no ADRG lists changes nothing."""
        surgery = [code for code, (kind, _) in self.s.categories.items() if kind == "手术" and pure(code)
                   and code not in self.s.occurrences and code in self.s.procedures_2_0]
        therapy = [code for code, (kind, _) in self.s.categories.items() if kind == "治疗性操作" and pure(code)
                   and code not in self.s.occurrences and code in self.s.procedures_2_0]
        medical = {}
        for case in self.cases:
            if case["id"].endswith("medical") and case["expected"]["mdc"][3] not in medical:
                medical[case["expected"]["mdc"][3]] = case
        for index, (mdc, case) in enumerate(sorted(medical.items())):
            principal = case["case"]["diagnoses"][0]
            if mdc not in self.s.all_surgery:
                code = surgery[index * 7 % len(surgery)]
                self.add(f"{mdc}QY unlisted surgery", mdc, f"{mdc}QY", f"{mdc}QY", "ambiguous", [principal], [code],
                         f"{self.principal_reason(principal, mdc)}; main procedure {code} is 手术 "
                         f"(icd9cm3-procedure-category.dat:{self.s.categories[code][1]}), an operating-room procedure, "
                         f"and no ADRG lists it (not in 4_ADRG_DETAIL.txt); MDC{mdc} has no 全部手术 ADRG -> the "
                         f"ambiguous group {mdc}QY")
            code = therapy[index * 5 % len(therapy)]
            expected = case["expected"]
            self.add(f"{expected['adrg']} with an unlisted 治疗性操作", mdc, expected["adrg"], expected["drg"], "grouped",
                     [principal], [code],
                     f"main procedure {code} is 治疗性操作 (icd9cm3-procedure-category.dat:{self.s.categories[code][1]}), "
                     f"not an operating-room procedure, and no ADRG lists it: the case groups as without it "
                     f"({case['id']}): {case['reason']}")


# Worked by hand (line numbers: D = 4_ADRG_DETAIL.txt, R = 3_DRG.txt, MCC/CC = 5_MCC/6_CC.txt, CCE = 7_CCE.txt).
HAND_CASES = [
    ("AA1 heart transplant", "A", "AA1", "AA19", "grouped", dict(diagnoses=["I42.000"], procedures=["37.5100"]),
     "D:2-4 AA1 心脏移植 包含以下主要手术或操作 37.5100; pre-MDC MDCA is tried first; R:1 AA19 not split"),
    ("AE1 kidney transplant", "A", "AE1", "AE19", "grouped", dict(diagnoses=["N18.500"], procedures=["55.6901"]),
     "D:28-30 AE1 肾移植, main procedure 55.6901 (AC1 needs 52.8000 too); AE19 not split"),
    ("AH1 ventilator 120 h", "A", "AH1", "AH15", "grouped", dict(diagnoses=["J18.900"], ventilator_hours=120),
     "D:51 AH1 有创呼吸机支持≥96 小时: 120 h qualifies without a procedure; no other diagnosis -> AH15"),
    ("AH1 ECMO with MCC", "A", "AH1", "AH11", "grouped", dict(diagnoses=["J18.900", "J96.000"], procedures=["39.6500"]),
     "D:54 39.6500 ECMO is an AH1 main procedure; J96.000 MCC 表 7-109 (MCC:1137), J18.900 in 表 7-101 -> AH11"),
    ("ventilator 95 h is not AH1", "E", "ES3", "ES35", "grouped", dict(diagnoses=["J18.900"], ventilator_hours=95),
     "95 h < 96 h: no MDCA; J18.900 肺炎 in ES3 (D:20276 block) -> ES35"),
    ("PR1 newborn RDS", "P", "PR1", "PR15", "grouped",
     dict(diagnoses=["P22.000"], age=0, age_days=3, birth_weight=3000, gender="1"),
     "D:62769-62771 PR1 新生儿呼吸窘迫综合征, principal P22.000, 3 days old -> MDCP; R:465 PR15"),
    ("PS1 birth weight 1200 g", "P", "PS1", "PS15", "grouped",
     dict(diagnoses=["P07.200"], gender="2", age=0, age_days=5, birth_weight=1200),
     "D:62777-62779 PS1 主要诊断或其他诊断中包含 P07.200, name 出生体重＜1500g; 1200 g -> R:468 PS15"),
    ("PS2 CC only", "P", "PS2", "PS25", "grouped",
     dict(diagnoses=["P59.901", "P07.300"], gender="2", age=0, age_days=5, birth_weight=1700),
     "D:62786 PS2 (1500-1999g) via the other diagnosis P07.300, itself a CC (CC:4719 表 7-163; P59.901 in 表 7-167, "
     "CCE:21248); PS2 has only PS21/PS25 (R:469-470): a CC-only case -> PS25"),
    ("PU1 term newborn", "P", "PU1", "PU15", "grouped",
     dict(diagnoses=["P59.901"], gender="2", age=0, age_days=5, birth_weight=3200),
     "D:62813 PU1 足月儿相关疾患 holds P59.901 (D:63098); 5 days, 3200 g -> PU15"),
    ("PV1 infant 60 days", "P", "PV1", "PV15", "grouped", dict(diagnoses=["P59.901"], gender="2", age=0, age_days=60),
     "D:63279 PV1 29 天≤出生年龄＜1 周岁, P59.901 at D:63555; 60 days -> R:477 PV15"),
    ("MDCY HIV", "Y", "YR1", "YR15", "grouped", dict(diagnoses=["B20.003"], age=35),
     "D:83766 MDCY 主诊表 B20.003; D:83848-83853 YR1 HIV 相关疾患 -> R:619 YR15"),
    ("MDCZ two regions", "Z", "ZZ1", "ZZ11", "grouped", dict(diagnoses=["S06.500", "S36.101"], age=35),
     "D:83958 S06.500 头颈部创伤, D:84214 S36.101 腹部创伤: two regions, no procedure -> ZZ1 (D:90118); "
     "S36.101 is an MCC outside S06.500's table -> ZZ11"),
    ("trauma in one region", "B", "BY1", "BY15", "grouped", dict(diagnoses=["S06.500"], age=35),
     "one region only: not MDCZ; S06.500 in the MDCB list (D:2911) and BY1 (D:7293) -> BY15"),
    ("BR1 CC only", "B", "BR1", "BR15", "grouped", dict(diagnoses=["I61.900x002", "J18.900"], age=70),
     "I61.900x002 脑出血 in BR1 (D:4865; BR1 at D:4762, BR2 at D:4925); J18.900 CC 表 7-101 (CC:3569), principal in "
     "表 7-96 (CCE:12328): a CC only; BR1 has only BR11/BR15 (R:30-31) -> BR15"),
    ("BR1 MCC", "B", "BR1", "BR11", "grouped", dict(diagnoses=["I61.900x002", "J96.000"], age=70),
     "as BR1 CC only, with J96.000 MCC 表 7-109 (MCC:1137) -> BR11"),
    ("99.2802 is no operation", "X", "XR1", "XR15", "grouped", dict(diagnoses=["R41.000"], procedures=["99.2802"], age=30),
     "R41.000 定向障碍 in XR1 (D:82541 block); 99.2802 小剂量白介素治疗 is 治疗性操作 (category file :13499): not "
     "an operating-room procedure, so XJ1 包含全部手术 (D:82537-82538) does not take it -> XR15"),
    ("appendectomy in pneumonia", "E", "EQY", "EQY", "ambiguous",
     dict(diagnoses=["J18.900"], procedures=["47.0100"], age=30),
     "J18.900 (MDCE) with 47.0100, a 手术 listed only in MDCG's GD1/GD2 (D:30017): no surgical ADRG of MDCE -> EQY"),
    ("delivery code for a man", "", "", "0000", "ungroupable", dict(diagnoses=["Z37.000"], age=28, gender="1"),
     "Z37.000 is only in the MDCO list (women): a man's case groups nowhere"),
    ("newborn code at 2 years", "", "", "0000", "ungroupable", dict(diagnoses=["P59.901"], gender="2", age=2),
     "P59.901 is only in the MDCP list (D:61108); a 2-year-old cannot enter MDCP"),
    ("principal in no list", "", "", "0000", "ungroupable", dict(diagnoses=["Q99.999x999"]),
     "Q99.999x999 is in no MDC principal list"),
    ("principal missing", "", "", "0000", "ungroupable", dict(diagnoses=[]), "no principal diagnosis"),
]


def main() -> None:
    scheme = Scheme(Path(sys.argv[1]))
    deriver = Deriver(scheme)
    deriver.medical()
    deriver.procedural()
    deriver.unlisted_procedures()
    for name, mdc, adrg, drg, status, fields, reason in HAND_CASES:
        fields = dict(fields)
        gender, age = fields.pop("gender", None), fields.pop("age", None)
        deriver.add(name, mdc, adrg, drg, status, fields.pop("diagnoses"), fields.pop("procedures", []), reason, **fields)
        if gender or age is not None:
            deriver.cases[-1]["case"].update({k: v for k, v in (("gender", gender), ("age", age)) if v is not None})
    for case in deriver.cases:
        print(json.dumps(case, ensure_ascii=False))


if __name__ == "__main__":
    main()
