"""Stop-market and stop-limit orders through Python (docs/engine.md, "Stops"): every
path and refusal, the three stop events and TriggerLimitReached as typed classes
with Decimal prices, `Order.status`/`trigger`, `stops()` and `last_price()`.
The rules are the core's; these tests check that the binding converts them."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from collections.abc import Sequence
from typing import Any

import pytest

import brokerx

from conftest import names, trading

LIQ, TAKER, STOPS = 1, 2, 3


def stop_id(events: list[brokerx.Event]) -> int:
    ev = events[0]
    assert isinstance(ev, brokerx.StopAccepted), ev
    return ev.order_id


def of(events: Sequence[object], cls: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, cls)]


@pytest.fixture
def traded(eng: brokerx.Engine) -> brokerx.Engine:
    """ACME with a last trade at 100.00, asks at 100.00 (9 left) and 101.00, a bid at 99.00."""
    eng.place(LIQ, "ACME", "sell", "100.00", "10", ts=2_000)
    eng.place(LIQ, "ACME", "sell", "101.00", "10", ts=2_000)
    eng.place(LIQ, "ACME", "buy", "99.00", "10", ts=2_000)
    eng.place(TAKER, "ACME", "buy", "100.00", "1", ts=2_000)
    assert eng.last_price("ACME") == Decimal("100.00")
    return eng


def test_a_stop_market_waits_outside_the_book_with_status_waiting(traded: brokerx.Engine) -> None:
    bbo = traded.bbo("ACME")
    depth = traded.depth("ACME", "buy")
    evs = traded.place(STOPS, "ACME", "buy", None, "5", trigger=Decimal("105.00"), ts=3_000, correlation_id=7)
    (ev,) = evs
    assert isinstance(ev, brokerx.StopAccepted)
    assert (ev.side, ev.trigger, ev.limit, ev.qty, ev.time_in_force) == ("buy", Decimal("105"), None, Decimal("5"), "gtc")
    assert (ev.account, ev.instrument, ev.ts, ev.correlation_id) == (STOPS, 0, 3_000, 7)
    assert traded.bbo("ACME") == bbo and traded.depth("ACME", "buy") == depth
    o = traded.order(ev.order_id)
    assert o is not None
    assert (o.status, o.trigger, o.price, o.remaining, o.version) == ("waiting", Decimal("105"), Decimal("105"),
                                                                      Decimal("5"), 0)
    assert o.to_dict()["status"] == "waiting" and o.to_dict()["trigger"] == "105"
    assert "status='waiting'" in repr(o) and "trigger=Decimal('105')" in repr(o)
    assert [s.order_id for s in traded.stops("ACME", "buy")] == [ev.order_id]
    assert traded.stops(0, "sell") == []
    assert traded.live_orders == 4


def test_a_stop_limit_carries_its_limit_and_its_time_in_force(traded: brokerx.Engine) -> None:
    (ev,) = traded.place(STOPS, "ACME", "sell", "97.50", "3", trigger="98.00", time_in_force="ioc", ts=3_000)
    assert isinstance(ev, brokerx.StopAccepted)
    assert (ev.trigger, ev.limit, ev.time_in_force) == (Decimal("98"), Decimal("97.5"), "ioc")
    o = traded.order(ev.order_id)
    assert o is not None and o.price == Decimal("97.5") and o.trigger == Decimal("98")
    # expire_at makes it GTD, as for any order.
    (gtd,) = traded.place(STOPS, "ACME", "sell", None, "1", trigger="90", expire_at=9_000, ts=3_000)
    assert isinstance(gtd, brokerx.StopAccepted) and gtd.time_in_force == "gtd"


def test_a_trade_at_the_trigger_fires_the_stop_which_keeps_its_id(traded: brokerx.Engine) -> None:
    sid = stop_id(traded.place(STOPS, "ACME", "buy", "101.00", "12", trigger="101.00", ts=3_000))
    below = traded.place(TAKER, "ACME", "buy", "100.00", "1", ts=3_001)  # a trade at 100: below the trigger
    assert names(below) == ["Accepted", "Trade"]
    waiting = traded.order(sid)
    assert waiting is not None and waiting.status == "waiting"
    evs = traded.place(TAKER, "ACME", "buy", "101.00", "9", ts=4_000, correlation_id=42)
    assert names(evs) == ["Accepted", "Trade", "Trade", "Triggered", "Trade"]
    (t,) = of(evs, brokerx.Triggered)
    assert (t.order_id, t.account, t.side, t.trigger, t.last_price, t.limit, t.qty, t.time_in_force) == (
        sid, STOPS, "buy", Decimal("101"), Decimal("101"), Decimal("101"), Decimal("12"), "gtc")
    # Its trade and everything after carry the triggering command's correlation id.
    assert all(e.correlation_id == 42 for e in evs)
    last = trading(evs)[-1]
    assert isinstance(last, brokerx.Trade) and last.taker_order_id == sid and last.qty == Decimal("9")
    o = traded.order(sid)
    assert o is not None and (o.status, o.trigger, o.remaining) == ("resting", None, Decimal("3"))
    assert traded.stops("ACME", "buy") == []
    assert traded.last_price("ACME") == Decimal("101")


def test_a_stop_reached_at_entry_triggers_at_once(traded: brokerx.Engine) -> None:
    evs = traded.place(STOPS, "ACME", "sell", None, "2", trigger="100.00", ts=3_000)
    assert names(evs) == ["StopAccepted", "Triggered", "Trade"]
    assert traded.order(stop_id(evs)) is None


def test_several_stops_fire_by_trigger_then_time_and_cascade(eng: brokerx.Engine) -> None:
    for px in ("100", "101", "102"):
        eng.place(LIQ, "ACME", "sell", px, "1", ts=2_000)
    eng.place(LIQ, "ACME", "sell", "110", "5", ts=2_000)
    a = stop_id(eng.place(STOPS, "ACME", "buy", None, "1", trigger="102", ts=2_001))
    b = stop_id(eng.place(STOPS, "ACME", "buy", None, "1", trigger="101", ts=2_002))
    c = stop_id(eng.place(STOPS, "ACME", "buy", None, "1", trigger="101", ts=2_003))
    far = stop_id(eng.place(STOPS, "ACME", "buy", None, "1", trigger="110", ts=2_004))
    assert [o.order_id for o in eng.stops("ACME", "buy")] == [b, c, a, far]
    evs = eng.place(TAKER, "ACME", "buy", "102", "3", ts=3_000)
    assert [t.order_id for t in of(evs, brokerx.Triggered)] == [b, c, a, far]


def test_the_trigger_limit_is_an_event_and_the_rest_fire_at_the_next_trade() -> None:
    e = brokerx.Engine(max_triggers_per_command=1)
    e.register_instrument("ACME", "1", "1", ts=1)
    e.place(LIQ, "ACME", "sell", "101", "1", ts=2)
    e.place(LIQ, "ACME", "sell", "105", "1", ts=2)
    e.place(LIQ, "ACME", "sell", "110", "5", ts=2)
    first = stop_id(e.place(STOPS, "ACME", "buy", None, "1", trigger="101", ts=3))
    second = stop_id(e.place(STOPS, "ACME", "buy", None, "1", trigger="105", ts=3))
    evs = e.place(TAKER, "ACME", "buy", "101", "1", ts=4)
    assert [t.order_id for t in of(evs, brokerx.Triggered)] == [first]
    (lim,) = of(evs, brokerx.TriggerLimitReached)
    assert (lim.fired, lim.instrument) == (1, 0) and lim.to_dict()["fired"] == 1
    assert [o.order_id for o in e.stops("ACME", "buy")] == [second]
    e.place(LIQ, "ACME", "buy", "50", "1", ts=5)
    evs = e.place(TAKER, "ACME", "sell", "50", "1", ts=6)
    assert [t.order_id for t in of(evs, brokerx.Triggered)] == [second]
    e.check_invariants()


def test_amending_a_waiting_stop_moves_its_trigger_limit_and_quantity(traded: brokerx.Engine) -> None:
    sid = stop_id(traded.place(STOPS, "ACME", "buy", "106.00", "5", trigger="105.00", ts=3_000))
    other = stop_id(traded.place(STOPS, "ACME", "buy", None, "1", trigger="105.00", ts=3_000))
    (ev,) = traded.amend(STOPS, sid, qty="3", expected_version=0, ts=3_001)
    assert isinstance(ev, brokerx.StopAmended)
    assert (ev.order_id, ev.side, ev.version, ev.trigger, ev.limit, ev.qty, ev.priority_kept) == (
        sid, "buy", 1, Decimal("105"), Decimal("106"), Decimal("3"), True)
    with pytest.raises(brokerx.StaleVersion):
        traded.amend(STOPS, sid, qty="2", expected_version=0, ts=3_002)
    (ev,) = traded.amend(STOPS, sid, price="107.00", ts=3_003)
    assert isinstance(ev, brokerx.StopAmended) and ev.limit == Decimal("107") and not ev.priority_kept
    assert [o.order_id for o in traded.stops("ACME", "buy")] == [other, sid]
    (ev,) = traded.amend(STOPS, other, trigger=Decimal("106.50"), ts=3_004)
    assert isinstance(ev, brokerx.StopAmended) and ev.trigger == Decimal("106.5") and ev.limit is None
    assert [o.order_id for o in traded.stops("ACME", "buy")] == [sid, other]
    o = traded.order(other)
    assert o is not None and (o.trigger, o.version) == (Decimal("106.5"), 1)
    # A trigger amended to one the last trade reached fires at once.
    evs = traded.amend(STOPS, other, trigger="100.00", ts=3_005)
    assert names(evs) == ["StopAmended", "Triggered", "Trade"]


def test_a_waiting_stop_cancels_and_expires_with_its_limit_as_price(traded: brokerx.Engine) -> None:
    lim = stop_id(traded.place(STOPS, "ACME", "buy", "106.00", "5", trigger="105.00", ts=3_000))
    mkt = stop_id(traded.place(STOPS, "ACME", "sell", None, "2", trigger="90.00", expire_at=5_000, ts=3_000))
    (c,) = trading(traded.cancel(STOPS, lim, ts=3_001))
    assert isinstance(c, brokerx.Cancelled)
    assert (c.order_id, c.qty, c.reason, c.price, c.filled) == (lim, Decimal("5"), "user", Decimal("106"), Decimal("0"))
    assert traded.next_deadline() == 5_000
    (x,) = trading(traded.on_time(5_000))
    assert isinstance(x, brokerx.Expired) and (x.order_id, x.qty, x.price) == (mkt, Decimal("2"), Decimal("90"))
    assert traded.stops("ACME", "sell") == [] and traded.order(mkt) is None


def test_mass_cancel_reaches_waiting_stops_and_a_halt_does_not(traded: brokerx.Engine) -> None:
    sell = stop_id(traded.place(STOPS, "ACME", "sell", None, "1", trigger="80", ts=3_000))
    buy = stop_id(traded.place(STOPS, "ACME", "buy", None, "1", trigger="120", ts=3_000))
    halted = traded.halt("ACME", cancel_resting=True, ts=3_001)
    assert {c.account for c in of(halted, brokerx.Cancelled)} == {LIQ}
    (rej,) = trading(traded.place(STOPS, "ACME", "buy", None, "1", trigger="130", ts=3_002))
    assert isinstance(rej, brokerx.Rejected) and rej.reason == "instrument_halted"
    (rej,) = trading(traded.amend(STOPS, buy, trigger="130", ts=3_003))
    assert isinstance(rej, brokerx.Rejected) and rej.order_id == buy
    evs = traded.mass_cancel(account=STOPS, ts=3_004)
    assert [(c.order_id, c.reason) for c in of(evs, brokerx.Cancelled)] == [(buy, "mass_cancel"), (sell, "mass_cancel")]
    assert traded.live_orders == 0


@pytest.mark.parametrize(
    ("kwargs", "exc", "code"),
    [
        ({"price": None, "trigger": "100.001"}, brokerx.InvalidOrder, "off_tick"),
        ({"price": None, "trigger": "0"}, brokerx.InvalidOrder, "invalid_trigger_price"),
        ({"price": None, "trigger": "-1"}, brokerx.InvalidOrder, "invalid_trigger_price"),
        ({"price": None, "trigger": "NaN"}, brokerx.InvalidDecimal, "invalid_decimal"),
        ({"price": None, "trigger": "1E+30"}, brokerx.InvalidOrder, "price_out_of_range"),
        ({"price": "0.001", "trigger": "0.001"}, brokerx.InvalidOrder, "off_tick"),  # the limit first
        ({"price": None, "trigger": "100", "time_in_force": "ioc"}, brokerx.InvalidOrder, "stop_market_time_in_force"),
        ({"price": "101", "trigger": "100", "post_only": True}, brokerx.InvalidOrder, "post_only_stop"),
        ({"price": "101", "trigger": "100", "time_in_force": "gtd"}, brokerx.InvalidOrder, "expire_at_required"),
    ],
)
def test_a_refused_stop_raises_its_typed_error_and_changes_nothing(
    traded: brokerx.Engine, kwargs: dict[str, Any], exc: type[brokerx.BrokerXError], code: str
) -> None:
    before = (traded.state_hash(), traded.last_seq)
    with pytest.raises(exc) as ei:
        traded.place(STOPS, "ACME", "buy", qty="1", ts=3_000, **kwargs)
    assert ei.value.code == code
    assert (traded.state_hash(), traded.last_seq) == before


def test_a_float_trigger_is_a_type_error_naming_it(traded: brokerx.Engine) -> None:
    with pytest.raises(TypeError, match="'trigger'"):
        traded.place(STOPS, "ACME", "buy", None, "1", trigger=100.5, ts=3_000)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'trigger'"):
        brokerx.Amend(STOPS, 1, trigger=1.0)  # type: ignore[arg-type]


def test_refused_amends_of_stops_and_of_orders_that_are_not_stops(traded: brokerx.Engine) -> None:
    sid = stop_id(traded.place(STOPS, "ACME", "buy", None, "1", trigger="105", ts=3_000))
    before = traded.state_hash()
    cases: list[tuple[int, int, dict[str, Any], type[brokerx.BrokerXError], str]] = [
        (LIQ, 1, {"trigger": "101"}, brokerx.InvalidOrder, "not_a_stop"),  # a resting limit
        (STOPS, sid, {"price": "105"}, brokerx.InvalidOrder, "stop_market_has_no_limit"),
        (STOPS, sid, {"trigger": "105.005"}, brokerx.InvalidOrder, "off_tick"),
        (STOPS, sid, {"trigger": "0"}, brokerx.InvalidOrder, "invalid_trigger_price"),
        (TAKER, sid, {"trigger": "106"}, brokerx.UnknownOrder, "order_not_owned"),
        (STOPS, 999, {"trigger": "106"}, brokerx.UnknownOrder, "unknown_order"),
    ]
    for account, order_id, kwargs, exc, code in cases:
        with pytest.raises(exc) as ei:
            traded.amend(account, order_id, ts=3_001, **kwargs)
        assert ei.value.code == code, kwargs
    assert traded.state_hash() == before


def test_stop_commands_round_trip_through_dicts_and_batches(eng: brokerx.Engine) -> None:
    place = brokerx.Place(STOPS, "ACME", "buy", "106.00", "5", trigger="105.00", ts=2_000, correlation_id=3)
    assert (place.trigger, place.price, place.time_in_force) == (Decimal("105.00"), Decimal("106.00"), "gtc")
    market = brokerx.Place(STOPS, "ACME", "sell", None, "1", trigger="90", ts=2_000)
    assert market.time_in_force == "gtc" and market.trigger == Decimal("90")
    assert brokerx.Place(STOPS, "ACME", "sell", None, "1", ts=2_000).time_in_force == "ioc"
    amend = brokerx.Amend(STOPS, 2, trigger="91", ts=2_001)
    assert amend.trigger == Decimal("91") and amend.price is None
    for c in (place, market, amend):
        d = json.loads(json.dumps(c.to_dict()))
        assert d["trigger"] is not None
        assert brokerx.command_from_dict(d) == c
    assert "trigger=" in repr(place)
    batch = eng.submit_many([place, market, amend])
    assert batch.errors == [] and [type(e).__name__ for e in batch] == ["StopAccepted", "StopAccepted", "StopAmended"]


def test_stop_events_are_frozen_typed_and_serialisable(traded: brokerx.Engine) -> None:
    sid = stop_id(traded.place(STOPS, "ACME", "buy", "101.00", "2", trigger="101.00", ts=3_000))
    amended = traded.amend(STOPS, sid, qty="1", ts=3_001)
    fired = traded.place(TAKER, "ACME", "buy", "101.00", "10", ts=3_002)
    (t,) = of(fired, brokerx.Triggered)
    (a,) = amended
    assert isinstance(a, brokerx.StopAmended)
    assert t.to_dict() == {
        "type": "Triggered", "seq": t.seq, "ts": 3_002, "correlation_id": 0, "instrument": 0, "order_id": sid,
        "account": STOPS, "side": "buy", "trigger": "101", "last_price": "101", "limit": "101", "qty": "1",
        "time_in_force": "gtc",
    }
    assert a.to_dict()["priority_kept"] is True and a.to_dict()["limit"] == "101"
    assert repr(t).startswith("Triggered(seq=")
    match t:
        case brokerx.Triggered(_, _, _, _, order_id, _, side, trigger):
            assert (order_id, side, trigger) == (sid, "buy", Decimal("101"))
        case _:
            pytest.fail("Triggered does not match positionally")
    with pytest.raises(AttributeError):
        t.trigger = Decimal("1")  # type: ignore[misc]
    assert hash(t) == hash(of(fired, brokerx.Triggered)[0])


def test_snapshots_and_pickles_keep_waiting_stops(traded: brokerx.Engine) -> None:
    sid = stop_id(traded.place(STOPS, "ACME", "buy", None, "1", trigger="101.00", ts=3_000))
    restored = brokerx.Engine.restore(traded.snapshot())
    copied = pickle.loads(pickle.dumps(traded))
    for e in (restored, copied):
        assert e.state_hash() == traded.state_hash()
        assert [o.order_id for o in e.stops("ACME", "buy")] == [sid] and e.last_price("ACME") == Decimal("100")
    a = traded.place(TAKER, "ACME", "buy", "101.00", "10", ts=4_000)
    b = restored.place(TAKER, "ACME", "buy", "101.00", "10", ts=4_000)
    assert a == b and of(a, brokerx.Triggered)


def test_last_price_is_none_before_the_first_trade(eng: brokerx.Engine) -> None:
    assert eng.last_price("ACME") is None
    with pytest.raises(brokerx.UnknownInstrument):
        eng.last_price("NOPE")
    with pytest.raises(brokerx.UnknownInstrument):
        eng.stops("NOPE", "buy")
    with pytest.raises(ValueError):
        eng.stops("ACME", "both")  # type: ignore[arg-type]


# The core's Broker refuses stops until it holds funds for them (issue 25's Broker
# slice). When it accepts them, replace this one test with acceptance tests.
def broker_with_a_last_trade() -> brokerx.Broker:
    """ACME/USD (tick 0.01, lot 1), collar 10 %, a trade at 100.00, asks at 101.00."""
    b = brokerx.Broker()
    b.create_asset(1, "USD", 2, ts=1)
    b.create_asset(2, "ACME", 0, ts=1)
    b.register_market("ACME/USD", "0.01", "1", 2, 1, risk=brokerx.InstrumentRisk(reference_price="100"), ts=2)
    b.deposit(STOPS, 1, "10000.00", "dep", ts=3)
    b.deposit(TAKER, 1, "10000.00", "dep-t", ts=3)
    b.deposit(LIQ, 2, "100", "dep-acme", ts=4)
    b.place(LIQ, "ACME/USD", "sell", "100.00", "1", ts=5)
    b.place(TAKER, "ACME/USD", "buy", "100.00", "1", ts=6)
    b.place(LIQ, "ACME/USD", "sell", "101.00", "10", ts=7)
    return b


def test_broker_holds_a_stop_limit_at_its_limit_and_settles_it_when_triggered() -> None:
    b = broker_with_a_last_trade()
    assert b.last_price("ACME/USD") == Decimal("100")
    events = b.place(STOPS, "ACME/USD", "buy", "102.00", "3", trigger="101.00", ts=8)
    (accepted,) = of(events, brokerx.StopAccepted)
    assert accepted.limit == Decimal("102.00") and accepted.trigger == Decimal("101.00")
    hold = b.hold_of(accepted.order_id)
    assert hold is not None and hold[1] == Decimal("306.00")
    assert b.available(STOPS, 1) == Decimal("10000.00") - Decimal("306.00")
    assert [o.order_id for o in b.stops("ACME/USD", "buy")] == [accepted.order_id]
    # A trade at 101.00 triggers it: it buys 3 at 101.00 and gives back the rest.
    events = b.place(TAKER, "ACME/USD", "buy", "101.00", "1", ts=9)
    assert [e.order_id for e in of(events, brokerx.Triggered)] == [accepted.order_id]
    assert b.hold_of(accepted.order_id) is None
    assert b.balance(STOPS, 1) == b.available(STOPS, 1) == Decimal("10000.00") - Decimal("303.00")
    assert b.balance(STOPS, 2) == Decimal("3")


def test_broker_protects_a_stop_market_at_the_collar_around_its_trigger() -> None:
    b = broker_with_a_last_trade()
    events = b.place(STOPS, "ACME/USD", "buy", None, "2", trigger="101.00", ts=8)
    (accepted,) = of(events, brokerx.StopAccepted)
    # Collar 10 % around the trigger: protected (and held) at 111.10, entered as IOC.
    assert accepted.limit == Decimal("111.10") and accepted.time_in_force == "ioc"
    assert b.available(STOPS, 1) == Decimal("10000.00") - Decimal("222.20")
    before = (b.state_hash(), b.last_seq)
    with pytest.raises(brokerx.InvalidOrder) as ei:
        b.amend(STOPS, accepted.order_id, price="105.00", ts=9)
    assert ei.value.code == "stop_market_has_no_limit"
    assert (b.state_hash(), b.last_seq) == before
    b.cancel(STOPS, accepted.order_id, ts=10)
    assert b.available(STOPS, 1) == Decimal("10000.00")
