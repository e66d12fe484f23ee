"""Admission and discharge times: China Standard Time, whether or not the HIS sends an offset."""
import copy
from datetime import datetime

import pytest
from pydantic import ValidationError

from yidi_common.settlement_list import SettlementList

BODY = {
    "setlinfo": {"setl_id": "S1", "fixmedins_code": "H1", "psn_no": "P1", "certno": "360100197001010011",
                 "psn_name": "甲", "gend": "1", "brdy": "1970-01-01", "age": 56, "insutype": "310",
                 "insu_admdvs": "360100", "treat_admdvs": "360100", "adm_time": "2026-10-01T08:00:00",
                 "dscg_time": "2026-10-05T08:00:00", "act_ipt_days": 4, "dscg_way": "1", "setl_period": "2026-10"},
    "diseinfo": [{"diag_code": "J18.900", "maindiag_flag": True}],
    "iteminfo": [{"med_chrgitm_type": "01", "amt": "100.00"}],
    "payinfo": {"funds": [{"fund_pay_type": "310100", "fund_payamt": "60.00"}], "psn_cash_pay": "40.00"},
}


def _times(adm: str, dscg: str) -> dict:
    body = copy.deepcopy(BODY)
    body["setlinfo"] |= {"adm_time": adm, "dscg_time": dscg}
    return body


@pytest.mark.parametrize(("adm", "dscg", "expected"), [
    ("2026-10-01T08:00:00", "2026-10-05T08:00:00", (datetime(2026, 10, 1, 8), datetime(2026, 10, 5, 8))),
    ("2026-10-01T08:00:00+08:00", "2026-10-05T08:00:00", (datetime(2026, 10, 1, 8), datetime(2026, 10, 5, 8))),
    ("2026-09-30T20:30:00Z", "2026-10-05T08:00:00", (datetime(2026, 10, 1, 4, 30), datetime(2026, 10, 5, 8))),
])
def test_times_with_and_without_offsets_are_china_local_times(adm, dscg, expected):
    info = SettlementList.model_validate(_times(adm, dscg)).setlinfo
    assert (info.adm_time, info.dscg_time) == expected
    assert info.adm_time.tzinfo is None and info.dscg_time.tzinfo is None


def test_order_is_checked_on_the_same_clock():
    # 00:30 UTC is 08:30 in China: half an hour before the admission at 09:00
    with pytest.raises(ValidationError) as caught:
        SettlementList.model_validate(_times("2026-10-05T09:00:00", "2026-10-05T00:30:00Z"))
    assert "dscg_time is before adm_time" in str(caught.value)


def test_the_same_stay_sent_with_an_offset_dumps_alike():
    plain = SettlementList.model_validate(_times("2026-10-01T08:00:00", "2026-10-05T08:00:00"))
    offset = SettlementList.model_validate(_times("2026-10-01T00:00:00Z", "2026-10-05T08:00:00+08:00"))
    assert plain.model_dump(mode="json") == offset.model_dump(mode="json")
