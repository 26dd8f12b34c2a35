from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doover_tui.api import snowflake


def test_reference_example_decodes_to_2026_new_year() -> None:
    assert snowflake.id_to_datetime("132271570944000000") == datetime(2026, 1, 1, tzinfo=UTC)
    assert snowflake.id_at(datetime(2026, 1, 2, tzinfo=UTC)) == 132633958809600000


def test_ids_accepted_as_strings_or_numbers() -> None:
    assert snowflake.id_to_unix_ms(132271570944000000) == snowflake.id_to_unix_ms(" 132271570944000000 ")


@pytest.mark.parametrize("bad", ["abc", "-1", True, str(1 << 63), ""])
def test_bad_ids_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by input
        snowflake.parse_id(bad)  # type: ignore[arg-type]


def test_time_before_epoch_is_refused() -> None:
    with pytest.raises(ValueError, match="before the Doover epoch"):
        snowflake.id_at_unix_ms(0)


@given(
    st.integers(min_value=snowflake.DOOVER_EPOCH_MS, max_value=snowflake.DOOVER_EPOCH_MS + (1 << 40)),
    st.integers(0, 15),
    st.integers(0, 1023),
    st.integers(0, 15),
)
def test_made_ids_keep_their_time_and_sort_by_time(unix_ms: int, kind: int, instance: int, seq: int) -> None:
    made = snowflake.make_id(unix_ms, kind=kind, instance=instance, sequence=seq)
    assert snowflake.id_to_unix_ms(made) == unix_ms
    assert snowflake.id_at_unix_ms(unix_ms) <= made < snowflake.id_at_unix_ms(unix_ms + 1)


def test_sort_key_orders_numerically_then_text() -> None:
    ids = ["10", "9", "abc", "100"]
    assert sorted(ids, key=snowflake.id_sort_key) == ["9", "10", "100", "abc"]


def test_unicode_digits_are_not_ids() -> None:
    with pytest.raises(ValueError, match="not a snowflake id"):
        snowflake.parse_id("²")
    assert sorted(["²", "5"], key=snowflake.id_sort_key) == ["5", "²"]
