"""Admission and discharge times: China Standard Time, whether or not the HIS sends an offset."""
import copy
from datetime import datetime

import pytest
from pydantic import ValidationError

from yidi_common.settlement_list import EXAMPLE, SettlementList


def _times(adm: str, dscg: str) -> dict:
    body = copy.deepcopy(EXAMPLE)
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
