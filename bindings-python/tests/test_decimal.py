"""Money is never a float: strict Decimal conversion in, exact Decimal out."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import brokerx
from conftest import accepted_id


@pytest.mark.parametrize("bad", [1.5, 100.0, float("nan"), float("inf")])
def test_float_prices_and_quantities_raise_type_error(eng: brokerx.Engine, bad: float) -> None:
    with pytest.raises(TypeError, match="float"):
        eng.place(1, 0, "buy", bad, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        eng.place(1, 0, "buy", "1", bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        brokerx.Place(1, 0, "buy", bad, 1)  # type: ignore[arg-type]


def test_bool_and_other_types_raise_type_error(eng: brokerx.Engine) -> None:
    with pytest.raises(TypeError):
        eng.place(1, 0, "buy", True, 1)
    with pytest.raises(TypeError):
        eng.place(1, 0, "buy", [1], 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "abc", "", "1..2", " 1"])
def test_non_finite_or_unparsable_values_raise_invalid_decimal(eng: brokerx.Engine, text: str) -> None:
    for value in (text, Decimal(text) if text.strip("-").lower() in {"nan", "snan", "infinity", "inf"} else text):
        with pytest.raises(brokerx.InvalidDecimal) as ei:
            eng.place(1, 0, "buy", value, 1)
        assert ei.value.code == "invalid_decimal"
        assert isinstance(ei.value, brokerx.InvalidOrder)


@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("100.001", "off_tick"),  # too many decimals for the tick
        ("0." + "0" * 40 + "1", "off_tick"),  # more decimals than rust_decimal holds
        ("1e40", "price_out_of_range"),  # huge
        ("123456789012345678901234567890", "price_out_of_range"),
        (str(2**60), "price_out_of_range"),  # beyond 2^53 ticks
        ("-0", "invalid_price"),  # negative zero is zero
        ("-0.00", "invalid_price"),
        ("-1", "invalid_price"),
    ],
)
def test_decimal_edge_cases_have_stable_codes(eng: brokerx.Engine, price: str, code: str) -> None:
    for value in (price, Decimal(price)):
        with pytest.raises(brokerx.InvalidOrder) as ei:
            eng.place(1, 0, "buy", value, 1)
        assert ei.value.code == code, value


def test_huge_int_quantity_is_out_of_range(eng: brokerx.Engine) -> None:
    with pytest.raises(brokerx.InvalidOrder) as ei:
        eng.place(1, 0, "buy", "1", 10**30)
    assert ei.value.code == "quantity_out_of_range"


@pytest.mark.parametrize("value", ["100.10", "100.1000000000000000000000000000000000", "1.001E+2", "10010E-2", Decimal("100.100"), "+100.1"])
def test_equal_values_in_any_spelling_are_the_same_price(eng: brokerx.Engine, value: object) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", value, 1))  # type: ignore[arg-type]
    o = eng.order(oid)
    assert o is not None and o.price == Decimal("100.1") and str(o.price) == "100.1"


def test_decimals_come_out_as_decimal_not_float(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "sell", "0.07", 3)
    _, ask = eng.bbo(0)
    assert ask is not None and type(ask.price) is Decimal and type(ask.qty) is Decimal
    assert ask.price == Decimal("0.07")


def test_subclass_of_decimal_is_accepted(eng: brokerx.Engine) -> None:
    class Money(Decimal):
        pass

    assert accepted_id(eng.place(1, 0, "buy", Money("1.23"), 1)) == 1


def test_timestamps_accept_aware_datetimes_and_refuse_naive_and_float(eng: brokerx.Engine) -> None:
    aware = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    evs = eng.place(1, 0, "buy", "1", 1, ts=aware)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    d = aware - epoch
    expected = ((d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds) * 1_000
    assert evs[0].ts == expected
    with pytest.raises(ValueError, match="naive"):
        eng.place(1, 0, "buy", "1", 1, ts=datetime.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        eng.place(1, 0, "buy", "1", 1, ts=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        eng.place(1, 0, "buy", "1", 1, ts=-1)


ticks = st.integers(min_value=1, max_value=2**53)
scales = st.integers(min_value=0, max_value=8)


@settings(max_examples=300, deadline=None)
@given(t=ticks, tick_mantissa=st.integers(min_value=1, max_value=9_999), tick_scale=scales, lot_scale=scales,
       lots=st.integers(min_value=1, max_value=10**9))
def test_prices_and_quantities_round_trip_exactly(t: int, tick_mantissa: int, tick_scale: int, lot_scale: int, lots: int) -> None:
    tick = Decimal(tick_mantissa).scaleb(-tick_scale)
    lot = Decimal(1).scaleb(-lot_scale)
    e = brokerx.Engine()
    e.register_instrument("X", tick, lot)
    price = tick * t
    qty = lot * lots
    evs = e.place(1, 0, "buy", price, qty)
    a = evs[0]
    assert isinstance(a, brokerx.Accepted)
    assert a.price == price and a.qty == qty
    # off-grid by the smallest step the grid does not contain
    with pytest.raises(brokerx.InvalidOrder) as ei:
        e.place(1, 0, "buy", price + tick / 2 if tick_mantissa % 2 == 0 else price + tick * Decimal("0.1"), qty)
    assert ei.value.code in {"off_tick", "price_out_of_range"}


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_accepted_exactly_or_refused_with_a_code(d: Decimal) -> None:
    e = brokerx.Engine()
    e.register_instrument("X", "0.01", "1")
    try:
        evs = e.place(1, 0, "buy", d, 1)
    except brokerx.InvalidOrder as err:
        assert err.code in {"invalid_decimal", "invalid_price", "off_tick", "price_out_of_range"}
        assert e.live_orders == 0
    else:
        a = evs[0]
        assert isinstance(a, brokerx.Accepted) and a.price == d and d > 0
