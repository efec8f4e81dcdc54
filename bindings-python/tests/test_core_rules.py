"""Rules that live in the core, not in the binding (issue 24, item 4): idempotency
keys, risk validation at market registration, omitted timestamps."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

import brokerx

USD, ACME = 1, 2


def broker() -> brokerx.Broker:
    b = brokerx.Broker()
    b.create_asset(USD, "USD", 2, ts=1)
    b.create_asset(ACME, "ACME", 0, ts=1)
    return b


def funds(events: list[brokerx.BrokerEvent]) -> brokerx.FundsMoved:
    (moved,) = [e for e in events if isinstance(e, brokerx.FundsMoved)]
    assert isinstance(moved, brokerx.FundsMoved)
    return moved


def test_a_text_key_is_the_core_hash_so_existing_journals_keep_their_ids() -> None:
    b = broker()
    first = funds(b.deposit(7, USD, "10", "k-1", ts=2))
    # The core's known vector: SHA-256("k-1")[:16] big-endian, lowest bit set.
    assert first.key == 0x7C35C5A1785D20704E44D5DE4BEB81C1
    for same in (0x7C35C5A1785D20704E44D5DE4BEB81C1, b"k-1"):
        again = funds(b.deposit(7, USD, "10", same, ts=3))
        assert again.replayed and again.key == first.key
    assert b.balance(7, USD) == Decimal("10")


def test_uuid_keys_are_their_128_bit_value_and_ints_pass_unchanged() -> None:
    b = broker()
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert funds(b.deposit(7, USD, "1", u, ts=2)).key == u.int
    assert funds(b.deposit(7, USD, "1", 42, ts=2)).key == 42
    # The UUID's text is text: hashed, so a different key from the UUID itself.
    assert funds(b.deposit(7, USD, "1", str(u), ts=2)).key != u.int


def test_a_key_of_another_type_is_a_type_error_naming_the_argument() -> None:
    b = broker()
    for bad in (1.5, True, None, ["k"]):
        with pytest.raises(TypeError, match="key must be"):
            b.deposit(7, USD, "1", bad, ts=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="key must be"):
        b.deposit(7, USD, "1", -1, ts=2)
    assert b.balance(7, USD) == Decimal("0")


def test_register_market_refuses_invalid_risk_with_the_core_error_and_changes_nothing() -> None:
    b = broker()
    before = (b.state_hash(), b.last_seq)
    cases = [
        (brokerx.InstrumentRisk(max_order_qty="1"), "max_order_qty of 1 lots is below the instrument's min_qty of 2"),
        (brokerx.InstrumentRisk(collar_bps=0), "collar_bps must be > 0"),
        (brokerx.InstrumentRisk(taker_fee_bps=10_001), "taker_fee_bps of 10001 is above 10000"),
        (brokerx.InstrumentRisk(max_order_notional="0"), "max_order_notional must be > 0"),
    ]
    for risk, message in cases:
        with pytest.raises(brokerx.InvalidRisk) as ei:
            b.register_market("ACME/USD", "0.01", "1", ACME, USD, min_qty="2", risk=risk, ts=2)
        assert isinstance(ei.value, brokerx.InvalidInstrument)
        assert ei.value.code == "invalid_instrument_risk" and message in str(ei.value)
        assert (b.state_hash(), b.last_seq) == before
    b.register_market("ACME/USD", "0.01", "1", ACME, USD, min_qty="2", risk=brokerx.InstrumentRisk(max_order_qty="2"), ts=2)


def test_an_invalid_grid_is_the_spec_error_not_a_silent_default_risk() -> None:
    b = broker()
    for tick, lot in (("0", "1"), ("0.01", "0"), ("-1", "1")):
        with pytest.raises(brokerx.InvalidInstrument) as ei:
            b.register_market("X", tick, lot, ACME, USD, risk=brokerx.InstrumentRisk(reference_price="100"), ts=2)
        assert ei.value.code == "invalid_instrument_spec"
    assert b.last_seq == 2


def test_set_instrument_risk_refuses_invalid_risk_and_keeps_the_old_one() -> None:
    b = broker()
    b.register_market("ACME/USD", "0.01", "1", ACME, USD, risk=brokerx.InstrumentRisk(reference_price="100"), ts=2)
    before = b.state_hash()
    with pytest.raises(brokerx.InvalidRisk, match="maker_fee_bps of 20000"):
        b.set_instrument_risk("ACME/USD", brokerx.InstrumentRisk(maker_fee_bps=20_000), ts=3)
    assert b.state_hash() == before
    (changed,) = b.set_instrument_risk("ACME/USD", brokerx.InstrumentRisk(maker_fee_bps=5), ts=3)
    assert isinstance(changed, brokerx.InstrumentRiskChanged)


def stamps(events: list[brokerx.BrokerEvent]) -> set[int]:
    return {e.ts for e in events}


def test_an_omitted_ts_is_the_wall_clock() -> None:
    b = broker()
    t0 = time.time_ns()
    events = b.deposit(7, USD, "1", "w-1")
    t1 = time.time_ns()
    (ts,) = stamps(events)
    assert t0 <= ts <= t1 and b.now == ts
    e = brokerx.Engine()
    t0 = time.time_ns()
    (reg,) = e.register_instrument("ACME", "0.01", "1")
    assert t0 <= reg.ts <= time.time_ns()


def test_an_omitted_ts_never_goes_back_below_the_last_stamp_or_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    b = broker()
    wall = iter([5_000, 4_000, 6_000])
    monkeypatch.setattr(time, "time_ns", lambda: next(wall))
    assert stamps(b.deposit(7, USD, "1", "m-1")) == {5_000}
    assert stamps(b.deposit(7, USD, "1", "m-2")) == {5_000}  # the clock stepped back: stalls
    assert stamps(b.deposit(7, USD, "1", "m-3")) == {6_000}
    # Explicit times ahead of the wall clock: an omitted one follows the engine.
    b.deposit(7, USD, "1", "m-4", ts=10**18)
    monkeypatch.setattr(time, "time_ns", lambda: 7_000)
    assert stamps(b.deposit(7, USD, "1", "m-5")) == {10**18}


def test_an_omitted_ts_is_never_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: 0)
    e = brokerx.Engine()
    (reg,) = e.register_instrument("ACME", "0.01", "1")
    assert reg.ts == 1
    monkeypatch.setattr(time, "time_ns", lambda: -5)  # a clock set before 1970
    batch = e.submit_many([brokerx.Place(1, "ACME", "buy", "1", "1"), brokerx.Place(2, "ACME", "buy", "1", "1")])
    assert {ev.ts for ev in batch} == {1}


def test_an_omitted_ts_lets_gtd_orders_expire_on_the_wall_clock() -> None:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1")
    soon = time.time_ns() + 10**12  # in 1000 s
    (acc,) = [ev for ev in e.place(1, "ACME", "buy", "1", "1", time_in_force="gtd", expire_at=soon)
              if isinstance(ev, brokerx.Accepted)]
    assert e.next_deadline() == soon and e.order(acc.order_id) is not None


def test_the_ledger_stamps_an_omitted_ts_by_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    led = brokerx.Ledger()
    monkeypatch.setattr(time, "time_ns", lambda: 5_000)
    led.create_asset(1, "USD", 2)
    assert led.now == 5_000
    monkeypatch.setattr(time, "time_ns", lambda: 4_000)  # stepped back: stalls, no TimeWentBackwards
    led.create_account(1, 1)
    assert led.now == 5_000
    led.create_account(2, 1, ts=9_000)
    monkeypatch.setattr(time, "time_ns", lambda: 0)
    led.create_account(3, 1)
    assert led.now == 9_000
