from __future__ import annotations

import shutil
import time

from yidi_grouper.domain.scheme import compile_scheme, load_scheme

from .conftest import DEMO_SCHEME_DIR, reference_path


def test_chs11_counts(scheme11):
    assert len(scheme11.mdc_names) == 26
    assert len(scheme11.adrg_codes) == 376  # 2_ADRG.txt has 376 lines (DOMAIN.md says 375)
    assert len(scheme11.drg_codes) == 628
    assert scheme11.version == "chs-drg-1.1"


def test_chs11_normalises_pdf_artefacts(scheme11):
    # 4_ADRG_DETAIL writes "AH1 … 全~~人工心脏移植术" and codes such as A17.000+G01*
    assert "~~" not in scheme11.adrg_names["AH1"]
    assert "A17.000" in scheme11.principal_mdcs
    assert not any("+" in code or "*" in code for code in scheme11.principal_mdcs)
    # 5_MCC packs many entries on one PDF line; all are read with their 表 7-N column
    assert scheme11.mcc["J96.000"] == "109" and scheme11.mcc["A05.202"] == "1"


def test_chs11_reports_what_it_cannot_understand(scheme11):
    warnings = "\n".join(scheme11.load_warnings)
    assert "commented-out entry skipped" in warnings  # MDC/MDCZ .dat line 98 '# S12.910'
    assert "MDCZ: MDC/ list and 主诊表 differ" in warnings  # MDC/MDCZ .dat is truncated


def test_chs10_loads_without_code_changes(tmp_path):
    scheme = load_scheme(reference_path("chs-drg-1.0"), cache_dir=tmp_path)
    assert len(scheme.drg_codes) == 618
    assert any("ZZ1 has no rule text" in warning for warning in scheme.load_warnings)


def test_unknown_lines_become_warnings(tmp_path):
    copy = tmp_path / "broken"
    shutil.copytree(DEMO_SCHEME_DIR, copy)
    detail = copy / "4_ADRG_DETAIL.txt"
    detail.write_text(detail.read_text(encoding="utf-8").replace("包含以下主要手术或操作：\n55.6901",
                                                                   "这是一条看不懂的规则\n55.6901"), encoding="utf-8")
    scheme = compile_scheme(copy)
    assert any("rule phrase not understood in AE1" in warning for warning in scheme.load_warnings)
    assert any("code 55.6901 in AE1 before any rule phrase" in warning for warning in scheme.load_warnings)


def test_cache_is_reused_and_fast(tmp_path):
    path = reference_path("chs-drg-1.1")
    first = load_scheme(path, cache_dir=tmp_path)
    assert list((tmp_path / "schemes").glob("*.pickle"))
    started = time.perf_counter()
    second = load_scheme(path, cache_dir=tmp_path)
    assert time.perf_counter() - started < 2.0
    assert second.source_hash == first.source_hash and second.drg_codes == first.drg_codes


def test_cache_invalidated_when_a_file_changes(tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SCHEME_DIR, copy)
    before = load_scheme(copy, cache_dir=tmp_path / "cache")
    (copy / "3_DRG.txt").write_text((copy / "3_DRG.txt").read_text(encoding="utf-8") + "ZZ19 extra\n", encoding="utf-8")
    after = load_scheme(copy, cache_dir=tmp_path / "cache")
    assert "ZZ19" in after.drg_codes and "ZZ19" not in before.drg_codes
