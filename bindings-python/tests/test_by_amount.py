"""Orders by quote amount through Python (docs/engine.md and docs/broker.md, "Orders
by amount"): `amount=` on `Engine.place`, `Broker.place` and `Place`, every path and
refusal, the Broker's hold (amount + fee, capped by the quantity at the collar), its
protection and the release of what was not spent, and the Decimal edge cases. The
rules are the core's; these tests check that the binding converts them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

import brokerx

from conftest import accepted_id, names, trading

LIQ, BUYER = 1, 2


def of(events: Sequence[object], cls: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, cls)]


def fills(events: Sequence[object]) -> list[tuple[Decimal, Decimal]]:
    return [(t.price, t.qty) for t in of(events, brokerx.Trade)]


@pytest.fixture
def book(eng: brokerx.Engine) -> brokerx.Engine:
    """ACME (tick 0.01, lot 1): asks 3 at 100.00, 2 at 101.00, 5 at 103.00."""
    eng.place(LIQ, "ACME", "sell", "100.00", 3, ts=2_000)
    eng.place(LIQ, "ACME", "sell", "101.00", 2, ts=2_000)
    eng.place(LIQ, "ACME", "sell", "103.00", 5, ts=2_000)
    return eng


def test_a_market_by_amount_fills_level_by_level_until_the_next_lot_would_pass_it(book: brokerx.Engine) -> None:
    evs = book.place(BUYER, "ACME", "buy", None, 1_000, amount=Decimal("600.00"), ts=3_000, correlation_id=4)
    (acc,) = of(evs, brokerx.Accepted)
    assert (acc.price, acc.qty, acc.time_in_force, acc.correlation_id) == (None, Decimal("1000"), "ioc", 4)
    # 3 × 100.00 + 2 × 101.00 = 502.00; the 98.00 left buys no lot at 103.00.
    assert fills(evs) == [(Decimal("100"), Decimal("3")), (Decimal("101"), Decimal("2"))]
    (c,) = of(evs, brokerx.Cancelled)
    assert (c.order_id, c.qty, c.reason) == (acc.order_id, Decimal("995"), "no_liquidity")
    assert [(lv.price, lv.qty) for lv in book.depth("ACME", "sell")] == [(Decimal("103"), Decimal("5"))]
    assert book.order(acc.order_id) is None, "it never rests"


def test_lot_granularity_the_quantity_cap_and_a_sell_by_amount(book: brokerx.Engine) -> None:
    assert fills(book.place(BUYER, "ACME", "buy", None, 1_000, amount="250.00", ts=3_000)) == [
        (Decimal("100"), Decimal("2"))]
    evs = book.place(BUYER, "ACME", "buy", None, 2, amount="100000", ts=3_001)
    assert fills(evs) == [(Decimal("100"), Decimal("1")), (Decimal("101"), Decimal("1"))]
    assert of(evs, brokerx.Cancelled) == [], "filled in full"
    book.place(LIQ, "ACME", "buy", "99.00", 5, ts=3_002)
    evs = book.place(BUYER, "ACME", "sell", None, 100, amount="200.00", ts=3_003)
    # 2 × 99.00 = 198.00 ≤ 200.00; a third lot would pass it.
    assert fills(evs) == [(Decimal("99"), Decimal("2"))]


def test_a_price_makes_it_a_limit_by_amount(book: brokerx.Engine) -> None:
    evs = book.place(BUYER, "ACME", "buy", "100.00", 1_000, amount="1000.00", ts=3_000)
    (acc,) = of(evs, brokerx.Accepted)
    assert (acc.price, acc.time_in_force) == (Decimal("100"), "ioc")
    assert fills(evs) == [(Decimal("100"), Decimal("3"))]
    (c,) = of(evs, brokerx.Cancelled)
    assert (c.qty, c.reason) == (Decimal("997"), "ioc_remainder")


def test_fok_by_amount_fills_within_the_amount_or_is_killed(book: brokerx.Engine) -> None:
    before = book.depth("ACME", "sell")
    evs = book.place(BUYER, "ACME", "buy", None, 4, amount="400.00", time_in_force="fok", ts=3_000)
    assert names(evs) == ["Accepted", "Cancelled"] and of(evs, brokerx.Cancelled)[0].reason == "fok_unfillable"
    assert book.depth("ACME", "sell") == before
    evs = book.place(BUYER, "ACME", "buy", None, 4, amount="401.00", time_in_force="fok", ts=3_001)
    assert fills(evs) == [(Decimal("100"), Decimal("3")), (Decimal("101"), Decimal("1"))]


def test_self_trade_prevention_applies_as_to_any_taker(book: brokerx.Engine) -> None:
    own = accepted_id(book.place(BUYER, "ACME", "sell", "100.00", 1, ts=3_000))
    evs = book.place(BUYER, "ACME", "buy", None, 100, amount="1000.00", stp="cancel_maker", ts=3_001)
    assert fills(evs) == [(Decimal("100"), Decimal("3")), (Decimal("101"), Decimal("2")), (Decimal("103"), Decimal("4"))]
    assert [(c.order_id, c.reason) for c in of(evs, brokerx.Cancelled)][0] == (own, "stp")


@pytest.mark.parametrize(
    ("kwargs", "exc", "code"),
    [
        ({"amount": "0"}, brokerx.InvalidAmount, "invalid_amount"),
        ({"amount": "-0"}, brokerx.InvalidAmount, "invalid_amount"),
        ({"amount": Decimal("-5.00")}, brokerx.InvalidAmount, "invalid_amount"),
        ({"amount": "500.001"}, brokerx.InvalidAmount, "amount_off_grid"),
        ({"amount": "1E-30"}, brokerx.InvalidAmount, "amount_off_grid"),  # more places than a Decimal holds
        ({"amount": "184467440737095516.16"}, brokerx.InvalidAmount, "amount_out_of_range"),  # 2^64 tick·lots
        ({"amount": "1E+40"}, brokerx.InvalidAmount, "amount_out_of_range"),
        ({"amount": 2**70}, brokerx.InvalidAmount, "amount_out_of_range"),
        ({"amount": "NaN"}, brokerx.InvalidDecimal, "invalid_decimal"),
        ({"amount": Decimal("sNaN")}, brokerx.InvalidDecimal, "invalid_decimal"),
        ({"amount": "-Infinity"}, brokerx.InvalidDecimal, "invalid_decimal"),
        ({"amount": "five"}, brokerx.InvalidDecimal, "invalid_decimal"),
        # The quantity, then the limit, then the amount: the core's order.
        ({"amount": "0", "qty": "0"}, brokerx.InvalidOrder, "invalid_quantity"),
        ({"amount": "0", "qty": "1.5"}, brokerx.InvalidOrder, "off_lot"),
        ({"amount": "0", "price": "0"}, brokerx.InvalidOrder, "invalid_price"),
        ({"amount": "0", "price": "100.001"}, brokerx.InvalidOrder, "off_tick"),
        ({"amount": "500", "time_in_force": "gtc"}, brokerx.InvalidOrder, "market_order_time_in_force"),
        ({"amount": "500", "post_only": True}, brokerx.InvalidOrder, "post_only_time_in_force"),
        ({"amount": "500", "expire_at": 9_000}, brokerx.InvalidOrder, "expire_at_not_allowed"),
        ({"amount": "500", "trigger": "101.00"}, brokerx.InvalidOrder, "invalid_argument"),  # no such order type
        ({"amount": "500", "instrument": "NOPE"}, brokerx.UnknownInstrument, "unknown_instrument"),
    ],
)
def test_a_refused_order_by_amount_raises_its_typed_error_and_changes_nothing(
    book: brokerx.Engine, kwargs: dict[str, Any], exc: type[brokerx.BrokerXError], code: str
) -> None:
    args: dict[str, Any] = {"instrument": "ACME", "price": None, "qty": "10", **kwargs}
    before = (book.state_hash(), book.last_seq)
    with pytest.raises(exc) as ei:
        book.place(BUYER, side="buy", ts=3_000, **args)
    assert ei.value.code == code
    assert (book.state_hash(), book.last_seq) == before


def test_a_refused_amount_is_an_invalid_amount_but_not_an_invalid_order() -> None:
    # One class per code, whatever the path: the Broker's zero deposit is `invalid_amount` too.
    assert issubclass(brokerx.InvalidAmount, brokerx.BrokerXError)
    assert not issubclass(brokerx.InvalidAmount, brokerx.InvalidOrder)


def test_a_float_amount_is_a_type_error_naming_it(book: brokerx.Engine) -> None:
    with pytest.raises(TypeError, match="'amount'"):
        book.place(BUYER, "ACME", "buy", None, 1, amount=500.0, ts=3_000)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'amount'"):
        brokerx.Place(BUYER, "ACME", "buy", None, 1, amount=True)


def test_the_amount_is_exact_on_a_coarse_grid() -> None:
    e = brokerx.Engine()
    e.register_instrument("LOTS", "0.05", "10", ts=1)  # one tick·lot is 0.50
    e.place(LIQ, "LOTS", "sell", "100.00", 50, ts=2)
    with pytest.raises(brokerx.InvalidAmount) as ei:
        e.place(BUYER, "LOTS", "buy", None, 50, amount="2000.25", ts=3)
    assert ei.value.code == "amount_off_grid"
    # A lot of 10 at 100.00 costs 1000.00: 2999.50 buys 2 lots, not 3.
    assert fills(e.place(BUYER, "LOTS", "buy", None, 50, amount="2999.50", ts=4)) == [(Decimal("100"), Decimal("20"))]


def test_place_commands_by_amount_round_trip_through_dicts_and_batches(book: brokerx.Engine) -> None:
    market = brokerx.Place(BUYER, "ACME", "buy", None, 1_000, amount="600.00", ts=3_000, correlation_id=3)
    assert (market.amount, market.price, market.trigger, market.time_in_force) == (
        Decimal("600.00"), None, None, "ioc")
    limit = brokerx.Place(BUYER, "ACME", "buy", "103.00", 10, amount="150", time_in_force="fok", ts=3_001)
    assert (limit.amount, limit.price, limit.time_in_force) == (Decimal("150"), Decimal("103.00"), "fok")
    plain = brokerx.Place(BUYER, "ACME", "buy", "99.00", 1, ts=3_002)
    assert plain.amount is None and plain.to_dict()["amount"] is None
    for c in (market, limit, plain):
        d = json.loads(json.dumps(c.to_dict()))
        assert brokerx.command_from_dict(d) == c
    assert market.to_dict()["amount"] == "600.00" and "amount=" in repr(market)
    # A journal written before `amount` existed has no such key: an order by quantity.
    old = plain.to_dict()
    del old["amount"]
    assert brokerx.command_from_dict(old) == plain
    bad = dict(market.to_dict(), trigger="101.00")
    with pytest.raises(brokerx.InvalidOrder) as ei:
        brokerx.command_from_dict(bad)
    assert ei.value.code == "invalid_argument"
    with pytest.raises(brokerx.InvalidOrder):
        brokerx.Place(BUYER, "ACME", "buy", None, 1, amount="5", trigger="101")
    direct = brokerx.Engine.restore(book.snapshot())
    batch = book.submit_many([market, limit])
    assert batch.errors == []
    assert [trading(list(batch))] == [trading(
        direct.place(BUYER, "ACME", "buy", None, 1_000, amount="600.00", ts=3_000, correlation_id=3)
        + direct.place(BUYER, "ACME", "buy", "103.00", 10, amount="150", time_in_force="fok", ts=3_001))]
    assert book.state_hash() == direct.state_hash()


def test_an_off_grid_amount_in_a_batch_is_reported_and_changes_nothing(book: brokerx.Engine) -> None:
    cmds = [brokerx.Place(BUYER, "ACME", "buy", None, 5, amount="1.001", ts=3_000),
            brokerx.Place(BUYER, "ACME", "buy", None, 1, amount="100.00", ts=3_001)]
    batch = book.submit_many(cmds)
    ((index, err),) = batch.errors
    assert index == 0 and isinstance(err, brokerx.InvalidAmount) and err.code == "amount_off_grid"
    assert fills(list(batch)) == [(Decimal("100"), Decimal("1"))]


# The Broker: docs/broker.md, "Orders by amount"; engine-core/tests/broker_by_amount.rs.
USD, ACME = 1, 2
SELLER = 3


def market() -> brokerx.Broker:
    """Fees 0.10 % maker / 0.30 % taker, collar 20 % around 100.00; asks 3 at 100.00 and 5 at 101.00."""
    b = brokerx.Broker()
    b.create_asset(USD, "USD", 2, ts=1)
    b.create_asset(ACME, "ACME", 0, ts=1)
    risk = brokerx.InstrumentRisk(collar_bps=2_000, reference_price="100.00", maker_fee_bps=10, taker_fee_bps=30)
    b.register_market("ACME/USD", "0.01", "1", ACME, USD, risk=risk, ts=2)
    b.deposit(BUYER, USD, "100000.00", "dep-b", ts=3)
    b.deposit(SELLER, ACME, "1000", "dep-s", ts=3)
    b.place(SELLER, "ACME/USD", "sell", "100.00", 3, ts=4)
    b.place(SELLER, "ACME/USD", "sell", "101.00", 5, ts=4)
    return b


def hold_posting(events: Sequence[object]) -> Decimal:
    (p,) = [p for p in of(events, brokerx.Posting) if p.kind == "hold"]
    amount: Decimal = p.amount
    return amount


def test_broker_buy_of_500_holds_500_plus_the_fee_and_releases_what_it_did_not_spend() -> None:
    b = market()
    evs = b.place(BUYER, "ACME/USD", "buy", None, 1_000, amount="500.00", ts=5)
    # Held: 500.00 + 0.30 % (the larger fee rate) = 501.50, not 1,000 × 120.00.
    assert hold_posting(evs) == Decimal("501.50")
    (acc,) = of(evs, brokerx.Accepted)
    assert (acc.price, acc.time_in_force) == (Decimal("120"), "ioc"), "protected at the collar, as a market order"
    # 3 × 100.00 + 1 × 101.00 = 401.00; a second lot at 101.00 would pass 500.00.
    assert fills(evs) == [(Decimal("100"), Decimal("3")), (Decimal("101"), Decimal("1"))]
    fee = Decimal("1.21")  # 0.30 % of 401.00 = 1.203, rounded up to the cent
    assert b.balance(BUYER, ACME) == Decimal("4")
    assert b.balance(BUYER, USD) == b.available(BUYER, USD) == Decimal("100000.00") - Decimal("401.00") - fee
    assert b.hold_of(acc.order_id) is None, "the unspent amount is released in the same command"
    assert b.balance(SELLER, USD) == Decimal("401.00") - Decimal("0.41")  # the maker's 0.10 %
    b.check_invariants()


def test_broker_small_quantity_caps_the_hold_below_the_amount() -> None:
    b = market()
    # 2 lots at the 120.00 protection: 240.00 + 0.72 fee, less than 500.00 + fee.
    evs = b.place(BUYER, "ACME/USD", "buy", None, 2, amount="500.00", ts=5)
    assert hold_posting(evs) == Decimal("240.72")
    assert b.balance(BUYER, ACME) == Decimal("2")
    assert b.balance(BUYER, USD) == b.available(BUYER, USD) == Decimal("100000.00") - Decimal("200.00") - Decimal("0.60")


def test_broker_refuses_an_amount_the_client_cannot_fund() -> None:
    b = market()
    b.deposit(7, USD, "400.00", "dep-7", ts=5)
    evs = b.place(7, "ACME/USD", "buy", None, 1_000, amount="500.00", ts=6)
    (rej,) = of(evs, brokerx.RiskRejected)
    assert rej.reason == "insufficient_funds"
    assert b.balance(7, USD) == b.available(7, USD) == Decimal("400.00")


def test_broker_sell_by_amount_holds_its_shares_and_stops_at_the_amount() -> None:
    b = market()
    b.deposit(BUYER, ACME, "10", "dep-b-acme", ts=5)
    b.deposit(SELLER + 1, USD, "100000.00", "dep-s1", ts=5)
    b.place(SELLER + 1, "ACME/USD", "buy", "99.00", 5, ts=6)
    evs = b.place(BUYER, "ACME/USD", "sell", None, 10, amount="250.00", ts=7)
    assert hold_posting(evs) == Decimal("10"), "a sell holds its quantity"
    # 2 × 99.00 = 198.00 ≤ 250.00; a third would be 297.00.
    assert fills(evs) == [(Decimal("99"), Decimal("2"))]
    assert b.balance(BUYER, ACME) == b.available(BUYER, ACME) == Decimal("8")
    proceeds = Decimal("198.00") - Decimal("0.60")  # less the taker's 0.30 % (0.594, rounded up)
    assert b.balance(BUYER, USD) == Decimal("100000.00") + proceeds


def test_broker_refuses_bad_amounts_with_the_same_codes_and_changes_nothing() -> None:
    b = market()
    b.register_market("COARSE/USD", "0.05", "1", ACME, USD, risk=brokerx.InstrumentRisk(reference_price="100"), ts=5)
    before = (b.state_hash(), b.last_seq)
    cases: list[tuple[str, Any, type[brokerx.BrokerXError], str]] = [
        ("COARSE/USD", "500.01", brokerx.InvalidAmount, "amount_off_grid"),  # 0.05 per tick·lot
        ("ACME/USD", "500.001", brokerx.InvalidAmount, "amount_off_grid"),  # finer than a cent
        ("ACME/USD", "0", brokerx.InvalidAmount, "invalid_amount"),
        ("ACME/USD", "-1", brokerx.InvalidAmount, "invalid_amount"),
        ("ACME/USD", "1E+20", brokerx.InvalidAmount, "amount_out_of_range"),
        ("ACME/USD", "NaN", brokerx.InvalidDecimal, "invalid_decimal"),
        ("NOPE/USD", "500", brokerx.UnknownInstrument, "unknown_instrument"),
    ]
    for instrument, amount, exc, code in cases:
        with pytest.raises(exc) as ei:
            b.place(BUYER, instrument, "buy", None, 10, amount=amount, ts=6)
        assert ei.value.code == code, (instrument, amount)
    with pytest.raises(brokerx.InvalidOrder) as io:
        b.place(BUYER, "ACME/USD", "buy", None, 10, amount="500", trigger="101", ts=6)
    assert io.value.code == "invalid_argument"
    assert (b.state_hash(), b.last_seq) == before
    evs = b.place(BUYER, "COARSE/USD", "buy", None, 10, amount="500.05", ts=7)
    assert of(evs, brokerx.Accepted), "on the coarse grid once a whole number of tick·lots"
