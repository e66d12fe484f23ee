"""Regenerate the demo configurations (see README.md for the rules).

    uv run python demo/config/generate.py [../shared/reference]

Writes weights/chs-drg-1.1-demo.csv, dip/360500-2026.csv (derived with yidi_grouper's DIP
domain from a generated history), hospitals.csv, insured_budgets.csv, regions/*.toml, the audit
service's group norms ../audit/group-norms.csv, and the transition configuration
../config-transition/ (its own province.toml and regions/*.toml; tables shared with this directory).
province.toml is written by hand. Budgets are sized by pricing a demo year drawn by the workload
(simulate_year). Deterministic: same reference files, same output.
"""
from __future__ import annotations

import csv
import hashlib
import math
import random
import statistics
import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRANSITION = HERE.parent / "config-transition"  # the 2025-2026 layout: local and cross-region pools apart
YEAR = 2026
WEIGHT_HEADERS = {"RW", "权重", "初始权重"}
PLACEHOLDER_RW = Decimal("1")  # several tables list unstable groups at RW 1: not a measured weight

# region, name, scheme, merge employee/resident, employee rate, resident rate, budget factor
# (factor: B_p = factor × the pool's simulated Σ FundDue / (1 − ρ); < 1 ends the year over budget)
TIGHT, BALANCED, AMPLE = Decimal("0.85"), Decimal("1.00"), Decimal("1.15")
REGIONS = [
    ("360100", "南昌市", "DRG", False, "11800", "10200", TIGHT),
    ("360200", "景德镇市", "DRG", False, "10600", "9300", AMPLE),
    ("360300", "萍乡市", "DRG", False, "10400", "9100", AMPLE),
    ("360400", "九江市", "DRG", False, "11000", "9700", TIGHT),
    ("360500", "新余市", "DIP", False, "9.80", "8.90", AMPLE),
    ("360600", "鹰潭市", "DRG", True, "10300", "10300", BALANCED),
    ("360700", "赣州市", "DRG", False, "11200", "9800", TIGHT),
    ("360800", "吉安市", "DRG", False, "10500", "9200", AMPLE),
    ("360900", "宜春市", "DRG", False, "10700", "9400", BALANCED),
    ("361000", "抚州市", "DRG", False, "10400", "9100", AMPLE),
    ("361100", "上饶市", "DRG", False, "10800", "9500", TIGHT),
]
# the demo year budgets are sized on: the workload's draw (yidi_demo.workload.generate, its default
# shares: 25 % cross-region, hospitals by level², 310/390 alike) of 12 months × 500 lists, month m
# seeded SIM_SEED + m, grouped and priced at the provisional rates
SIM_MONTHS = 12
SIM_LISTS_PER_MONTH = 500
SIM_SEED = 2026
BUDGET_ROUNDING = Decimal("1000")  # budgets and estimates in whole thousands of yuan

HOSPITALS = [  # code, name, region, level, grade, basic coefficient, bonus
    ("H36010000001", "南昌大学第一附属医院(演示)", "360100", 3, "三甲", "1.05", "0.03"),
    ("H36010000002", "南昌大学第二附属医院(演示)", "360100", 3, "三甲", "1.05", "0.02"),
    ("H36010000003", "南昌市第一医院(演示)", "360100", 3, "", "1.00", "0"),
    ("H36010000004", "南昌县人民医院(演示)", "360100", 2, "", "0.88", "0"),
    ("H36010000005", "湾里区卫生院(演示)", "360100", 1, "", "0.75", "0"),
    ("H36020000001", "景德镇市第一人民医院(演示)", "360200", 3, "", "1.00", "0"),
    ("H36020000002", "浮梁县人民医院(演示)", "360200", 2, "", "0.86", "0"),
    ("H36030000001", "萍乡市人民医院(演示)", "360300", 3, "", "1.00", "0"),
    ("H36030000002", "芦溪县卫生院(演示)", "360300", 1, "", "0.74", "0"),
    ("H36040000001", "九江市第一人民医院(演示)", "360400", 3, "", "1.00", "0.01"),
    ("H36040000002", "瑞昌市人民医院(演示)", "360400", 2, "", "0.87", "0"),
    ("H36050000001", "新余市人民医院(演示)", "360500", 3, "", "1.00", "0"),
    ("H36050000002", "分宜县人民医院(演示)", "360500", 2, "", "0.85", "0"),
    ("H36060000001", "鹰潭市人民医院(演示)", "360600", 3, "", "0.98", "0"),
    ("H36060000002", "贵溪市卫生院(演示)", "360600", 1, "", "0.72", "0"),
    ("H36070000001", "赣南医学院第一附属医院(演示)", "360700", 3, "三甲", "1.03", "0.02"),
    ("H36070000002", "赣州市人民医院(演示)", "360700", 3, "", "1.00", "0"),
    ("H36070000003", "瑞金市人民医院(演示)", "360700", 2, "", "0.86", "0"),
    ("H36080000001", "吉安市中心人民医院(演示)", "360800", 3, "", "1.00", "0"),
    ("H36080000002", "井冈山市人民医院(演示)", "360800", 2, "", "0.85", "0"),
    ("H36090000001", "宜春市人民医院(演示)", "360900", 3, "", "1.00", "0"),
    ("H36090000002", "樟树市人民医院(演示)", "360900", 2, "", "0.86", "0"),
    ("H36100000001", "抚州市第一人民医院(演示)", "361000", 3, "", "1.00", "0"),
    ("H36100000002", "南城县卫生院(演示)", "361000", 1, "", "0.73", "0"),
    ("H36110000001", "上饶市人民医院(演示)", "361100", 3, "", "1.00", "0"),
    ("H36110000002", "鄱阳县人民医院(演示)", "361100", 2, "", "0.86", "0"),
]

# DIP demo catalogue for 新余: hand-written well-known core types (code = diagnosis category +
# procedure set, name, mean cost yuan), then the types derived from a generated history (write_dip).
DIP_TYPES = [
    ("I63.9:保守", "脑梗死 保守治疗", "9800"),
    ("I63.9:00.4000x001", "脑梗死 取栓", "68000"),
    ("J18.9:保守", "肺炎 保守治疗", "6200"),
    ("J44.1:保守", "慢阻肺急性加重 保守治疗", "8600"),
    ("I25.1:00.6600", "冠心病 经皮冠状动脉介入", "42000"),
    ("I20.0:保守", "不稳定型心绞痛 保守治疗", "7400"),
    ("I50.9:保守", "心力衰竭 保守治疗", "9100"),
    ("K80.1:51.2301", "胆囊结石伴胆囊炎 腹腔镜胆囊切除", "15800"),
    ("K35.8:47.0100", "急性阑尾炎 腹腔镜阑尾切除", "11200"),
    ("K40.9:53.0200", "腹股沟疝 疝修补", "9300"),
    ("E11.9:保守", "2型糖尿病 保守治疗", "6800"),
    ("N20.0:98.5100", "肾结石 体外碎石", "7600"),
    ("S72.0:81.5100", "股骨颈骨折 全髋置换", "52000"),
    ("M17.1:81.5400", "膝关节病 全膝置换", "56000"),
    ("O80.0:保守", "顺产", "4300"),
    ("O82.0:74.1x01", "剖宫产", "7900"),
    ("C34.9:32.4100", "肺癌 肺叶切除", "61000"),
    ("C16.9:化疗", "胃癌 化疗", "8200"),
    ("C50.9:85.4300", "乳腺癌 改良根治", "26000"),
    ("H25.9:13.4100", "老年性白内障 超声乳化", "6900"),
]
# D_g = 1000 × mean_g / 10 000 for every type: 10 000 yuan is the reference mean the demo point
# values (9.80 / 8.90 yuan per point) were set against, so a typical case pays about its cost
DIP_REFERENCE_COST = Decimal("10000")
# the history the derived types come from: cases drawn from CHS-DRG 1.1 like the demo workload
DIP_HISTORY_CASES = 20000
DIP_HISTORY_SEED = 2025
DIP_HISTORY_RATE = Decimal("10000")  # yuan per RW: a case costs RW × rate × lognormal(-0.05, 0.45)
DIP_MIN_CORE_CASES = 15  # DOMAIN.md §4 default N
DIP_MIN_CATEGORY_CASES = 30  # thinner ICD-10 categories roll up into their chapter
ICD10_CHAPTER_NAMES = {
    "A00-B99": "传染病和寄生虫病", "C00-D48": "肿瘤", "D50-D89": "血液及造血器官疾病和免疫疾患",
    "E00-E90": "内分泌、营养和代谢疾病", "F00-F99": "精神和行为障碍", "G00-G99": "神经系统疾病",
    "H00-H59": "眼和附器疾病", "H60-H95": "耳和乳突疾病", "I00-I99": "循环系统疾病", "J00-J99": "呼吸系统疾病",
    "K00-K93": "消化系统疾病", "L00-L99": "皮肤和皮下组织疾病", "M00-M99": "肌肉骨骼系统和结缔组织疾病",
    "N00-N99": "泌尿生殖系统疾病", "O00-O99": "妊娠、分娩和产褥期", "P00-P96": "起源于围生期的某些情况",
    "Q00-Q99": "先天性畸形、变形和染色体异常", "R00-R99": "症状、体征和临床与实验室异常所见",
    "S00-T98": "损伤、中毒和外因的某些其他后果", "U00-U85": "特殊目的编码", "V01-Y98": "疾病和死亡的外因",
    "Z00-Z99": "影响健康状态和与保健机构接触的因素",
}
DIP_BASE_TYPES = {"J18.9:保守", "E11.9:保守", "O80.0:保守"}


def fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def published_weights(reference: Path) -> tuple[dict[str, list[Decimal]], dict[str, int]]:
    """Every published RW per DRG code (placeholders left out) and how many tables call it a base group."""
    weights: dict[str, list[Decimal]] = {}
    base_votes: dict[str, int] = {}
    for path in sorted((reference / "payment").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header = [h.strip() for h in rows[0]]
        weight_columns = [i for i, h in enumerate(header) if h in WEIGHT_HEADERS]
        if not weight_columns:
            continue  # e.g. a points table (标准分值): another scale
        rw_at = weight_columns[0]
        base_at = header.index("基础病组") if "基础病组" in header else None
        for row in rows[1:]:
            code = row[0].strip()
            try:
                rw = Decimal(row[rw_at].strip())
            except (ArithmeticError, IndexError):
                continue
            if rw > 0 and rw != PLACEHOLDER_RW:
                weights.setdefault(code, []).append(rw)
            if base_at is not None and row[base_at].strip() == "是":
                base_votes[code] = base_votes.get(code, 0) + 1
    return weights, base_votes


def fallback_rw(code: str) -> Decimal:
    """Deterministic weight for a code no table prices: by split digit, varied by a hash of the code."""
    by_split = {"1": Decimal("1.6"), "3": Decimal("1.1"), "5": Decimal("0.8"), "9": Decimal("1.0")}
    spread = Decimal(int(hashlib.sha256(code.encode()).hexdigest()[:4], 16) % 41) / 100  # 0.00-0.40
    return by_split.get(code[-1], Decimal("1")) + spread


def write_weights(reference: Path) -> int:
    weights, base_votes = published_weights(reference)
    drgs = [line.split(maxsplit=1) for line in (reference / "chs-drg-1.1/3_DRG.txt").read_text("utf-8").splitlines() if line.strip()]
    out = HERE / "weights/chs-drg-1.1-demo.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["DRG编码", "DRG名称", "RW", "基础病组"])
        for code, name in drgs:
            published = weights.get(code)
            rw = statistics.median(published) if published else fallback_rw(code)
            rw = rw.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            w.writerow([code, name.replace("~~", "").strip(), rw, "是" if base_votes.get(code, 0) >= 2 else ""])
    return len(drgs)


def _code_names(path: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text("utf-8-sig").splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                names.setdefault(parts[0], parts[1])
    return names


def dip_history(reference: Path) -> list[tuple[object, Decimal]]:
    """(case, total cost) pairs: CHS-DRG 1.1 cases drawn as the demo workload draws them, costed by
    the demo weight of their DRG (0.8 when ungroupable or unweighted) × DIP_HISTORY_RATE × lognormal."""
    from yidi_demo.casegen import generate_cases
    from yidi_grouper.domain.drg import GroupingInput, group_case
    from yidi_grouper.domain.scheme import load_scheme

    scheme = load_scheme(reference / "chs-drg-1.1")
    with (HERE / "weights/chs-drg-1.1-demo.csv").open(encoding="utf-8") as f:
        weights = {row["DRG编码"]: Decimal(row["RW"]) for row in csv.DictReader(f)}
    rng = random.Random(DIP_HISTORY_SEED)
    history = []
    for case in generate_cases(scheme, DIP_HISTORY_CASES, DIP_HISTORY_SEED):
        grouping_input = GroupingInput.from_dict(case)
        rw = weights.get(group_case(grouping_input, scheme).drg or "") or Decimal("0.8")
        factor = Decimal(str(math.exp(rng.gauss(-0.05, 0.45))))
        history.append((grouping_input, fen(rw * DIP_HISTORY_RATE * factor)))
    return history


def dip_types(reference: Path) -> list[tuple[str, str, Decimal]]:
    """(code, name, mean cost): the hand-written types, then the types build_catalogue derives from
    dip_history (a derived type replaces a hand-written one of the same code)."""
    from yidi_grouper.domain.dip import CONSERVATIVE, load_procedure_kinds
    from yidi_grouper.domain.dip_history import CatalogueOptions, build_from_history

    kinds = load_procedure_kinds(reference / "icd/icd9cm3-procedure-category.dat")
    options = CatalogueOptions(core_threshold=DIP_MIN_CORE_CASES, category_threshold=DIP_MIN_CATEGORY_CASES)
    catalogue = build_from_history(dip_history(reference), kinds, options, version=f"360500-{YEAR}")  # as yidi-dip
    diagnoses = _code_names(reference / "icd/icd10-chs-1.0.dat")
    procedures = _code_names(reference / "icd/icd9cm3-chs-1.0.dat")
    types = {code: (name, Decimal(cost)) for code, name, cost in DIP_TYPES}
    for code, t in catalogue.types.items():
        treatment = "保守治疗" if t.procedures == CONSERVATIVE else t.procedures
        if t.diagnosis in ICD10_CHAPTER_NAMES:
            name = f"{ICD10_CHAPTER_NAMES[t.diagnosis]} {treatment}(综合病种)"
        elif t.kind == "comprehensive":
            name = f"{t.diagnosis} 类 {treatment}(综合病种)"
        else:
            dx = diagnoses.get(f"{t.diagnosis}00") or next(
                (n for c, n in diagnoses.items() if c.startswith(t.diagnosis)), t.diagnosis)
            treatment = "保守治疗" if t.procedures == CONSERVATIVE else "+".join(
                procedures.get(p, p) for p in t.procedures.split("+"))
            name = f"{dx} {treatment}"
        types[code] = (name, t.mean_cost)
    return [(code, name, cost) for code, (name, cost) in types.items()]


def write_dip(reference: Path) -> int:
    rows = dip_types(reference)
    out = HERE / "dip/360500-2026.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "score", "mean_cost", "base_group"])
        for code, name, cost in rows:
            score = (1000 * Decimal(cost) / DIP_REFERENCE_COST).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            w.writerow([code, name, score, fen(Decimal(cost)), "yes" if code in DIP_BASE_TYPES else ""])
    return len(rows)


def write_hospitals() -> None:
    with (HERE / "hospitals.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "region", "level", "grade", "basic_coefficient", "bonus_coefficient"])
        w.writerows(HOSPITALS)


PoolSizing = dict[tuple[str, str, str], list[Decimal]]  # (region, insutype, origin) -> [cases, Σ FundDue, Σ F]


def simulate_year(config_dir: Path, reference: Path) -> tuple[PoolSizing, dict[str, Decimal]]:
    """A demo year as the workload draws it, grouped and priced at config_dir's provisional rates: per
    region, insurance type and origin the cases, Σ FundDue and Σ F; per insured region Σ every fund's
    payments of its people's cross-region lists. Budgets do not enter: any budgets in config_dir will do."""
    from yidi_common.claims import ClaimScope
    from yidi_common.config_provider import ConfigProvider
    from yidi_common.settings import Settings
    from yidi_common.settlement_list import SettlementList
    from yidi_demo.workload import generate
    from yidi_grouper.adapters.grouping_engine import GroupingEngine
    from yidi_pricing.adapters.mapping import case_inputs_of_list
    from yidi_pricing.domain.inputs import GroupingStatus
    from yidi_pricing.domain.pricing import price_case

    provider = ConfigProvider.load(config_dir)
    config = provider.current
    engine = GroupingEngine.from_settings(Settings(yidi_reference_dir=reference, yidi_config_dir=config_dir), provider)
    pools: PoolSizing = {}
    insured: dict[str, Decimal] = {}
    for month in range(1, SIM_MONTHS + 1):
        workload = generate(config, engine.scheme, count=SIM_LISTS_PER_MONTH, period=f"{YEAR}-{month:02d}",
                            seed=SIM_SEED + month, codes=engine.codes, id_prefix=f"S{month:02d}")
        final = {(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]): sl for sl in workload.lists}
        final.update({(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]): sl for _, sl in workload.corrections})
        for body in final.values():
            if not body["diseinfo"]:
                continue  # malformed: refused at the door
            sl = SettlementList.model_validate(body)
            grouping = engine.group(sl)
            code = grouping.dip_type if grouping.payment_method == "DIP" else grouping.drg
            inputs = case_inputs_of_list(sl, GroupingStatus(grouping.status), code)
            priced = price_case(inputs, config)
            if inputs.scope is ClaimScope.CROSS_REGION:
                region = sl.setlinfo.insu_admdvs
                insured[region] = insured.get(region, Decimal(0)) + sl.fund_payments_total
            if priced.pool is None:
                continue  # cross-province: outside every pool
            origin = "cross" if inputs.scope is ClaimScope.CROSS_REGION else "local"
            sums = pools.setdefault((inputs.treatment_region, str(inputs.insutype), origin), [Decimal(0)] * 3)
            sums[0] += 1
            sums[1] += priced.fund_due
            sums[2] += sl.basic_fund_payment
    return pools, insured


def thousands(value: Decimal) -> Decimal:
    return (value / BUDGET_ROUNDING).quantize(Decimal(1), rounding=ROUND_HALF_UP) * BUDGET_ROUNDING


def risk_reserve() -> Decimal:
    with (HERE / "province.toml").open("rb") as f:
        return tomllib.load(f, parse_float=Decimal)["policy"]["risk_reserve"]


def simulated(sizing: PoolSizing, region: str, insutypes: tuple[str, ...], origins: tuple[str, ...],
              column: int) -> Decimal:
    """A simulated sum (1: Σ FundDue, 2: Σ F) over these insurance types and origins of the region."""
    return sum((sizing.get((region, i, o), [Decimal(0)] * 3)[column] for i in insutypes for o in origins), Decimal(0))


def budget(sizing: PoolSizing, region: str, insutypes: tuple[str, ...], origins: tuple[str, ...],
           factor: Decimal) -> Decimal:
    """B_p = factor × the cases' simulated Σ FundDue / (1 − ρ): factor 1 makes A_p that Σ FundDue."""
    return thousands(factor * simulated(sizing, region, insutypes, origins, 1) / (1 - risk_reserve()))


def region_lines(region: str, name: str, scheme: str, merged: bool, merge_origins: bool, table_dir: str,
                 header: str) -> list[str]:
    table = (f'dip_catalogue = "{table_dir}/dip/360500-2026.csv"' if scheme == "DIP"
             else f'weight_table = "{table_dir}/weights/chs-drg-1.1-demo.csv"')
    version = "新余 DIP 2026 (demo)" if scheme == "DIP" else "CHS-DRG 1.1"
    lines = [
        header,
        f'region = "{region}"',
        f'name = "{name}"',
        f"year = {YEAR}",
        f'scheme = "{scheme}"',
        f'scheme_version = "{version}"',
        table,
        f"merge_insutypes = {'true' if merged else 'false'}",
        f"merge_origins = {'true' if merge_origins else 'false'}",
        "",
        '[bed_day.psychiatric]  # 按床日 (seed 000 二(一), seed 003 四(四)): yuan per day, stays at psychiatric hospitals or discharged from 精神科',
        'name = "精神疾病"',
        'rate = 320.00',
        'max_days = 180',
        'hospital_types = ["psychiatric"]',
        'departments = ["A15"]',
        '',
        '[bed_day.rehabilitation]  # stays at rehabilitation hospitals or discharged from 康复医学科',
        'name = "康复"',
        'rate = 460.00',
        'max_days = 90',
        'hospital_types = ["rehabilitation"]',
        'departments = ["A21"]',
    ]
    if region == "360100":
        lines += ["", "[policy.outlier]  # 南昌: thresholds by weight band", "low = 0.4", "high = 2.0",
                  "[[policy.outlier.bands]]", "rw_below = 1.0", "low = 0.4", "high = 3.0",
                  "[[policy.outlier.bands]]", "rw_below = 3.0", "low = 0.4", "high = 2.5"]
    return lines


def write_regions(sizing: PoolSizing | None = None) -> None:
    """Jiangxi (seed 000 四(一)): one pool for local and cross-region cases at the same rate; employee
    and resident apart except where merge_insutypes. sizing None: provisional budgets (1 yuan) to simulate on."""
    out = HERE / "regions"
    out.mkdir(exist_ok=True)
    for region, name, scheme, merged, employee_rate, resident_rate, factor in REGIONS:
        lines = region_lines(region, name, scheme, merged, True, "..",
                             "# Generated by demo/config/generate.py: demo numbers, not a published policy.")
        insutypes = [(None, employee_rate, ("310", "390"))] if merged else [
            ("310", employee_rate, ("310",)), ("390", resident_rate, ("390",))]
        for insutype, rate, covers in insutypes:
            amount = budget(sizing, region, covers, ("local", "cross"), factor) if sizing else Decimal(1)
            lines += ["", "[[pools]]"]
            if insutype:
                lines.append(f'insutype = "{insutype}"')
            lines += [f"provisional_rate = {rate}", f"budget = {amount:.2f}"]
        (out / f"{region}-{YEAR}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_transition(sizing: PoolSizing | None = None) -> None:
    """The transition layout (seed 001, 2025-2026): local and cross-region pools apart, at the same
    rate; 南昌's cross-region pools budgeted by the insured regions' per-item fund payments (seed 001
    (四)), with an estimate of that sum for alerts. province.toml: this directory's, another version."""
    out = TRANSITION / "regions"
    out.mkdir(parents=True, exist_ok=True)
    province = (HERE / "province.toml").read_text(encoding="utf-8")
    head, _, rest = province.partition("\nversion = ")
    _, _, rest = rest.partition("\n")
    (TRANSITION / "province.toml").write_text(
        "# Generated by demo/config/generate.py from ../config/province.toml: the transition layout.\n"
        + head.replace('hospitals = "hospitals.csv"', 'hospitals = "../config/hospitals.csv"')
        + '\nversion = "demo-transition-2026.1"\n'
        + rest.replace('hospitals = "hospitals.csv"', 'hospitals = "../config/hospitals.csv"')
              .replace('insured_budgets = "insured_budgets.csv"', 'insured_budgets = "../config/insured_budgets.csv"'),
        encoding="utf-8")
    for region, name, scheme, merged, employee_rate, resident_rate, factor in REGIONS:
        lines = region_lines(region, name, scheme, merged, False, "../../config",
                             "# Generated by demo/config/generate.py: the transition layout, demo numbers.")
        insutypes = [(None, employee_rate, ("310", "390"))] if merged else [
            ("310", employee_rate, ("310",)), ("390", resident_rate, ("390",))]
        for insutype, rate, covers in insutypes:
            for origin in ("local", "cross"):
                lines += ["", "[[pools]]"]
                if insutype:
                    lines.append(f'insutype = "{insutype}"')
                lines += [f'origin = "{origin}"', f"provisional_rate = {rate}"]
                if origin == "cross" and region == "360100":
                    estimate = thousands(simulated(sizing, region, covers, (origin,), 2)) if sizing else Decimal(1)
                    lines += ['budget_source = "item_fund_payments"  # seed 001 (四): Σ F paid per item',
                              f"budget_estimate = {max(estimate, Decimal(1)):.2f}  # the year's Σ F expected, for alerts"]
                else:
                    amount = budget(sizing, region, covers, (origin,), factor) if sizing else Decimal(1)
                    lines.append(f"budget = {amount:.2f}")
        (out / f"{region}-{YEAR}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (TRANSITION / "README.md").write_text(TRANSITION_README, encoding="utf-8")


TRANSITION_README = """# Demo configuration: Jiangxi 2026, transition layout

Generated by `../config/generate.py` (see `../config/README.md`): the same hospitals, weights, DIP
catalogue, rates and insured budgets as `../config` (read from there), but local and cross-region
cases in separate pools, as during the 2025-2026 transition (seed 001), 南昌's cross-region pools
budgeted by the insured regions' per-item fund payments. Load it with YIDI_CONFIG_DIR=demo/config-transition.
"""


def write_insured_budgets(insured: dict[str, Decimal] | None = None) -> None:
    """Each insured region's cross-region budget: factor × its people's simulated cross-region fund payments."""
    with (HERE / "insured_budgets.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["region", "year", "budget"])
        for region, *_, factor in REGIONS:
            amount = thousands(factor * insured.get(region, Decimal(0))) if insured else Decimal(1)
            w.writerow([region, YEAR, f"{amount:.2f}"])


NORM_RATE = Decimal("10000")  # yuan per RW: the demo province's reference average cost


def norm_los(rw: Decimal) -> Decimal:
    """Demo average stay: longer for heavier groups (4 + 4 x RW^0.6 days); the workload draws around it."""
    return Decimal(4 + 4 * float(rw) ** 0.6).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def write_group_norms() -> int:
    """病组标杆 for the audit rules: average cost RW x NORM_RATE and average LOS per DRG."""
    with (HERE / "weights/chs-drg-1.1-demo.csv").open(encoding="utf-8") as f:
        rows = [(row["DRG编码"], row["DRG名称"], Decimal(row["RW"])) for row in csv.DictReader(f)]
    with (HERE.parent / "audit/group-norms.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["DRG编码", "DRG名称", "例均费用", "平均住院日"])
        for code, name, rw in rows:
            w.writerow([code, name, fen(rw * NORM_RATE), norm_los(rw)])
    return len(rows)


if __name__ == "__main__":
    reference = Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parents[2] / "shared/reference")
    count = write_weights(reference)
    dip_count = write_dip(reference)
    write_hospitals()
    write_group_norms()
    write_regions()  # provisional budgets: the year is drawn and priced on the rates alone
    write_insured_budgets()
    pools, insured = simulate_year(HERE, reference)
    write_regions(pools)
    write_insured_budgets(insured)
    write_transition(pools)
    cases = sum(p[0] for p in pools.values())
    print(f"wrote {count} DRG weights, {dip_count} DIP types, {len(HOSPITALS)} hospitals, {len(REGIONS)} regions "
          f"(two layouts), budgets sized on {cases} simulated cases")
