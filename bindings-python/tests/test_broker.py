"""The Broker (engine + risk + ledger) through Python: funds, holds, settlement, risk."""

from __future__ import annotations

import json
import pickle
import uuid
from decimal import Decimal
from typing import Literal

import pytest

import brokerx

USD, ACME = 1, 2
BUYER, SELLER = 1, 2


@pytest.fixture
def brk() -> brokerx.Broker:
    b = brokerx.Broker()
    b.create_asset(USD, "USD", 2, ts=1)
    b.create_asset(ACME, "ACME", 0, ts=1)
    b.register_market("ACME/USD", "0.01", "1", ACME, USD,
                      risk=brokerx.InstrumentRisk(collar_bps=2_000, reference_price="100", taker_fee_bps=10), ts=2)
    b.deposit(BUYER, USD, "1000.00", "dep-1", ts=3)
    b.deposit(SELLER, ACME, "50", uuid.UUID(int=7), ts=3)
    return b


def of(events: list[brokerx.BrokerEvent], cls: type) -> list[brokerx.BrokerEvent]:
    return [e for e in events if isinstance(e, cls)]


def test_deposits_are_idempotent_by_key(brk: brokerx.Broker) -> None:
    (again,) = brk.deposit(BUYER, USD, "1000.00", "dep-1")
    assert isinstance(again, brokerx.FundsMoved) and again.replayed and again.amount == Decimal("1000.00")
    with pytest.raises(brokerx.IdempotencyConflict) as ei:
        brk.deposit(BUYER, USD, "999.99", "dep-1")
    assert ei.value.code == "idempotency_conflict"
    assert brk.balance(BUYER, USD) == Decimal("1000.00")
    with pytest.raises(brokerx.InvalidAmount):
        brk.deposit(BUYER, USD, "0.001", "dep-2")
    with pytest.raises(TypeError, match="float"):
        brk.deposit(BUYER, USD, 1.5, "dep-3")  # type: ignore[arg-type]
    with pytest.raises(brokerx.BrokerXError) as unknown:
        brk.deposit(BUYER, 99, "1", "dep-4")
    assert unknown.value.code == "unknown_asset"


def test_a_buy_holds_funds_and_a_fill_settles(brk: brokerx.Broker) -> None:
    evs = brk.place(BUYER, "ACME/USD", "buy", "100.00", 5, ts=4)
    holds = of(evs, brokerx.Posting)
    assert len(holds) == 1 and isinstance(holds[0], brokerx.Posting) and holds[0].kind == "hold"
    assert brk.available(BUYER, USD) < Decimal("500.00") + Decimal("1")  # notional + worst-case fee held
    hold = brk.hold_of(1)
    assert hold is not None and hold[1] >= Decimal("500.00")
    evs = brk.place(SELLER, 0, "sell", "99.50", 3, ts=5)
    (trade,) = of(evs, brokerx.Trade)
    assert isinstance(trade, brokerx.Trade) and trade.price == Decimal("100") and trade.qty == 3
    assert all(isinstance(p, brokerx.Posting) and p.trade_id in (None, 1) for p in of(evs, brokerx.Posting))
    # The buy stays live for 2: its fill is settled from its hold, which keeps its id.
    assert "post_part" in [p.kind for p in of(evs, brokerx.Posting) if isinstance(p, brokerx.Posting)]
    kept = brk.hold_of(1)
    assert kept is not None and kept[0] == hold[0] and kept[1] < hold[1]
    assert brk.balance(BUYER, ACME) == 3
    assert brk.balance(SELLER, USD) == Decimal("299.70")  # 300 less the 10 bps taker fee
    o = brk.order(1)
    assert o is not None and o.remaining == 2 and o.filled == 3 and o.price == Decimal("100")
    assert brk.instrument("ACME/USD").tick_size == Decimal("0.01")
    brk.check_invariants()


def test_cancel_releases_the_hold(brk: brokerx.Broker) -> None:
    brk.place(BUYER, 0, "buy", "100", 5)
    evs = brk.cancel(BUYER, 1)
    assert [p.kind for p in of(evs, brokerx.Posting) if isinstance(p, brokerx.Posting)] == ["void"]
    assert brk.available(BUYER, USD) == Decimal("1000.00") and brk.hold_of(1) is None


def test_risk_refusals_are_events_with_context(brk: brokerx.Broker) -> None:
    (r,) = brk.place(BUYER, 0, "buy", "100", 100)
    assert isinstance(r, brokerx.RiskRejected) and r.reason == "insufficient_funds"
    assert set(r.context) == {"required", "available"}
    # In the caller's units: dollars at the asset's scale, not minor units.
    assert r.context["available"] == brk.available(BUYER, USD) == Decimal("1000.00")
    assert isinstance(r.context["required"], Decimal) and r.context["required"] >= Decimal("10000")
    (r,) = brk.place(BUYER, 0, "buy", "200", 1)
    assert isinstance(r, brokerx.RiskRejected) and r.reason == "price_outside_collar"
    assert r.context["price"] == Decimal("200") and r.context["low"] < r.context["high"] < Decimal("200")
    d = r.to_dict()
    assert d["type"] == "RiskRejected" and d["context"]["price"] == str(r.context["price"])
    json.dumps(d)  # JSON-ready: the context's Decimals are strings
    with pytest.raises(brokerx.InvalidOrder) as ei:
        brk.place(BUYER, 0, "buy", "100.001", 1)
    assert ei.value.code == "off_tick"


def test_kill_switch_limits_and_restrictions(brk: brokerx.Broker) -> None:
    brk.place(BUYER, 0, "buy", "100", 1)
    evs = brk.set_account_enabled(BUYER, False)
    assert of(evs, brokerx.AccountEnabledChanged) and of(evs, brokerx.Cancelled)
    (r,) = brk.place(BUYER, 0, "buy", "100", 1)
    assert isinstance(r, brokerx.RiskRejected) and r.reason == "account_disabled"
    brk.set_account_enabled(BUYER, True)
    brk.set_account_limits(BUYER, max_open_orders=1)
    brk.place(BUYER, 0, "buy", "100", 1)
    (r,) = brk.place(BUYER, 0, "buy", "100", 1)
    assert isinstance(r, brokerx.RiskRejected) and r.reason == "too_many_open_orders"
    brk.restrict_instrument(SELLER, "ACME/USD")
    (r,) = brk.place(SELLER, 0, "sell", "100", 1)
    assert isinstance(r, brokerx.RiskRejected) and r.reason == "instrument_restricted"
    evs = brk.set_instrument_risk(0, brokerx.InstrumentRisk(state="halted", reference_price="100"))
    assert of(evs, brokerx.InstrumentRiskChanged)


def test_withdrawal_beyond_available_raises_carrying_its_journaled_event(brk: brokerx.Broker) -> None:
    seq = brk.last_seq
    with pytest.raises(brokerx.InsufficientFunds) as ei:
        brk.withdraw(BUYER, USD, "1000.01", 42)
    f = ei.value.event
    assert isinstance(f, brokerx.FundsMoved) and f.status == "insufficient_funds" and f.direction == "withdrawal"
    assert ei.value.code == "insufficient_funds" and ei.value.events == [f] and f.seq == seq + 1 == brk.last_seq
    (ok,) = of(brk.withdraw(BUYER, USD, "10", 43), brokerx.FundsMoved)
    assert isinstance(ok, brokerx.FundsMoved) and ok.status == "ok"
    assert brk.balance(BUYER, USD) == Decimal("990.00")


def test_gtd_expiry_releases_funds(brk: brokerx.Broker) -> None:
    brk.place(BUYER, 0, "buy", "100", 1, expire_at=1_000, ts=10)
    assert brk.next_deadline() == 1_000
    evs = brk.on_time(1_000)
    assert of(evs, brokerx.Expired) and brk.available(BUYER, USD) == Decimal("1000.00")


def test_snapshot_restore_and_pickle(brk: brokerx.Broker) -> None:
    brk.place(BUYER, 0, "buy", "100", 2, ts=50)
    h = brk.state_hash()
    assert brokerx.Broker.restore(brk.snapshot()).state_hash() == h
    clone = pickle.loads(pickle.dumps(brk))
    assert isinstance(clone, brokerx.Broker) and clone.state_hash() == h
    a = brk.place(SELLER, 0, "sell", "100", 1, ts=100)
    b = clone.place(SELLER, 0, "sell", "100", 1, ts=100)
    assert a == b
    with pytest.raises(brokerx.SnapshotError):
        brokerx.Broker.restore(b"nope")


def test_submit_many_equals_per_call(brk: brokerx.Broker) -> None:
    twin = brokerx.Broker.restore(brk.snapshot())
    cmds: list[brokerx.Command] = []
    for i in range(300):  # >= 256: runs with the GIL released
        side: Literal["buy", "sell"] = "buy" if i % 2 else "sell"
        cmds.append(brokerx.Place(BUYER if side == "buy" else SELLER, 0, side, f"{99 + i % 3}", 1, ts=10 + i))
    cmds.append(brokerx.Cancel(BUYER, 10_000, ts=1_000))
    singles: list[brokerx.BrokerEvent] = []
    for c in cmds:
        try:
            if isinstance(c, brokerx.Place):
                p = c.price
                singles += twin.place(c.account, c.instrument, c.side, p, c.qty, ts=c.ts)
            elif isinstance(c, brokerx.Cancel):
                singles += twin.cancel(c.account, c.order_id, ts=c.ts)
        except brokerx.BrokerXError:
            pass
    events, errors = brk.submit_many(cmds)
    assert events == singles
    assert [(i, e.code) for i, e in errors] == [(300, "unknown_order")]
    assert brk.state_hash() == twin.state_hash()
    brk.check_invariants()
