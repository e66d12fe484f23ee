import uuid

from hypothesis import given, strategies as st

from yidi_common.ids import uuid5_text

NAMESPACE = uuid.UUID("6f0b7a8e-3c1d-4d6e-9a51-2b8c1e9d7f30")


@given(st.text())
def test_same_ids_as_the_standard_library(name):
    assert uuid5_text(NAMESPACE, name) == str(uuid.uuid5(NAMESPACE, name))


def test_a_known_id():
    assert uuid5_text(uuid.NAMESPACE_DNS, "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d"
