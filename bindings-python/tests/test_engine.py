"""Every command and every rejection path, through the Python API."""

from __future__ import annotations

from decimal import Decimal

import pytest

import brokerx
from conftest import accepted_id, names, trading


def test_register_instrument_returns_its_id_and_grid() -> None:
    e = brokerx.Engine()
    (ev,) = e.register_instrument("ACME", "0.05", "0.001", min_qty="0.01", max_qty="1000", ts=5)
    assert isinstance(ev, brokerx.InstrumentRegistered)
    assert (ev.instrument, ev.seq, ev.ts) == (0, 1, 5)
    inst = e.instrument("ACME")
    assert inst == e.instrument(0)
    assert (inst.symbol, inst.tick_size, inst.lot_size) == ("ACME", Decimal("0.05"), Decimal("0.001"))
    assert (inst.min_qty, inst.max_qty, inst.status) == (Decimal("0.01"), Decimal("1000"), "open")
    assert [i.symbol for i in e.instruments()] == ["ACME"]


@pytest.mark.parametrize(
    ("symbol", "tick", "lot", "code"),
    [("", "0.01", "1", "invalid_instrument_spec"), ("X", "0", "1", "invalid_instrument_spec"),
     ("X", "0.01", "-1", "invalid_instrument_spec"), ("ACME", "0.01", "1", "duplicate_symbol")],
)
def test_bad_instrument_specs_are_refused(eng: brokerx.Engine, symbol: str, tick: str, lot: str, code: str) -> None:
    with pytest.raises(brokerx.InvalidInstrument) as ei:
        eng.register_instrument(symbol, tick, lot)
    assert ei.value.code == code


def test_instrument_capacity_is_a_typed_error() -> None:
    e = brokerx.Engine(max_instruments=1)
    e.register_instrument("A", "1", "1")
    with pytest.raises(brokerx.CapacityReached) as ei:
        e.register_instrument("B", "1", "1")
    assert ei.value.code == "instrument_capacity_reached"


def test_crossing_limit_fills_at_resting_price(eng: brokerx.Engine) -> None:
    maker = accepted_id(eng.place(1, "ACME", "sell", Decimal("100.00"), 10, ts=1_001))
    evs = eng.place(2, 0, "buy", "100.05", "4", ts=1_002, correlation_id=7)
    assert names(evs) == ["Accepted", "Trade"]
    t = trading(evs)[1]
    assert isinstance(t, brokerx.Trade)
    assert (t.price, t.qty, t.maker_order_id, t.aggressor) == (Decimal("100"), Decimal("4"), maker, "buy")
    assert (t.maker_remaining, t.taker_remaining, t.correlation_id) == (Decimal("6"), Decimal("0"), 7)
    bid, ask = eng.bbo("ACME")
    assert bid is None and ask is not None
    assert (ask.price, ask.qty, ask.orders) == (Decimal("100"), Decimal("6"), 1)
    eng.check_invariants()


def test_events_are_numbered_without_gaps(eng: brokerx.Engine) -> None:
    evs = eng.place(1, 0, "sell", "100", 1) + eng.place(2, 0, "buy", "100", 1)
    assert [e.seq for e in evs] == list(range(2, 2 + len(evs)))
    assert eng.last_seq == evs[-1].seq


def test_market_order_with_no_liquidity_is_cancelled(eng: brokerx.Engine) -> None:
    evs = eng.place(1, 0, "buy", None, 5)
    assert names(evs) == ["Accepted", "Cancelled"]
    c = trading(evs)[1]
    assert isinstance(c, brokerx.Cancelled) and c.reason == "no_liquidity" and c.qty == 5
    a = trading(evs)[0]
    assert isinstance(a, brokerx.Accepted) and a.price is None and a.time_in_force == "ioc"


def test_ioc_remainder_is_cancelled(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "sell", "100", 3)
    evs = eng.place(2, 0, "buy", "100", 5, time_in_force="ioc")
    assert names(evs) == ["Accepted", "Trade", "Cancelled"]
    c = trading(evs)[2]
    assert isinstance(c, brokerx.Cancelled) and (c.reason, c.qty) == ("ioc_remainder", Decimal(2))


def test_fok_that_cannot_fill_does_nothing(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "sell", "100", 3)
    evs = eng.place(2, 0, "buy", "100", 5, time_in_force="fok")
    assert names(evs) == ["Accepted", "Cancelled"]
    c = trading(evs)[1]
    assert isinstance(c, brokerx.Cancelled) and c.reason == "fok_unfillable"
    assert eng.depth(0, "sell")[0].qty == 3


def test_post_only_that_would_cross_is_a_rejected_event(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "sell", "100", 3)
    evs = eng.place(2, 0, "buy", "100", 1, post_only=True, client_order_id="c-1")
    (r,) = trading(evs)
    assert isinstance(r, brokerx.Rejected)
    assert (r.reason, r.account, r.client_order_id, r.order_id) == ("post_only_would_cross", 2, "c-1", None)


@pytest.mark.parametrize(
    ("stp", "expected"),
    [("cancel_taker", ["Accepted", "Cancelled"]), ("cancel_maker", ["Accepted", "Cancelled"]),
     ("cancel_both", ["Accepted", "Cancelled", "Cancelled"]), ("decrement", ["Accepted", "Reduced", "Cancelled"])],
)
def test_self_trade_prevention_modes(eng: brokerx.Engine, stp: str, expected: list[str]) -> None:
    eng.place(1, 0, "sell", "100", 5)
    evs = eng.place(1, 0, "buy", "100", 3, stp=stp)  # type: ignore[arg-type]
    assert names(evs) == expected
    assert all(getattr(e, "reason", "stp") == "stp" for e in trading(evs)[1:])


def test_self_trade_is_allowed_without_stp(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "sell", "100", 5)
    assert names(eng.place(1, 0, "buy", "100", 3)) == ["Accepted", "Trade"]


def test_cancel_removes_the_order(eng: brokerx.Engine) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", "99", 5))
    evs = eng.cancel(1, oid)
    (c,) = trading(evs)
    assert isinstance(c, brokerx.Cancelled) and (c.order_id, c.reason, c.qty) == (oid, "user", Decimal(5))
    assert eng.order(oid) is None and eng.live_orders == 0


def test_cancel_of_unknown_or_foreign_order_is_an_error(eng: brokerx.Engine) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", "99", 5))
    with pytest.raises(brokerx.UnknownOrder) as ei:
        eng.cancel(1, 999)
    assert ei.value.code == "unknown_order"
    with pytest.raises(brokerx.UnknownOrder) as ei:
        eng.cancel(2, oid)
    assert ei.value.code == "order_not_owned"


def test_amend_with_version_and_stale_version(eng: brokerx.Engine) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", "99", 5))
    (a,) = trading(eng.amend(1, oid, qty="4", expected_version=0))
    assert isinstance(a, brokerx.Amended)
    assert (a.version, a.qty, a.remaining, a.priority_kept, a.price) == (1, Decimal(4), Decimal(4), True, Decimal("99"))
    (a,) = trading(eng.amend(1, oid, price="98.5", expected_version=1))
    assert isinstance(a, brokerx.Amended) and a.priority_kept is False and a.version == 2
    with pytest.raises(brokerx.StaleVersion) as ei:
        eng.amend(1, oid, qty="3", expected_version=1)
    assert ei.value.code == "stale_version" and isinstance(ei.value, brokerx.InvalidOrder)
    o = eng.order(oid)
    assert o is not None and (o.version, o.price, o.qty) == (2, Decimal("98.5"), Decimal("4"))


def test_amend_error_paths(eng: brokerx.Engine) -> None:
    eng.place(2, 0, "sell", "100", 2)
    oid = accepted_id(eng.place(1, 0, "buy", "100", 5))  # 2 filled, 3 rest
    for kwargs, code in [({}, "nothing_to_amend"), ({"qty": "2"}, "amend_qty_at_or_below_filled"),
                         ({"price": "100.001"}, "off_tick"), ({"qty": "0"}, "invalid_quantity")]:
        with pytest.raises(brokerx.InvalidOrder) as ei:
            eng.amend(1, oid, **kwargs)  # type: ignore[arg-type]
        assert ei.value.code == code
    with pytest.raises(brokerx.UnknownOrder):
        eng.amend(1, 12345, qty="1")
    with pytest.raises(brokerx.UnknownOrder) as not_owned:
        eng.amend(3, oid, qty="9")
    assert not_owned.value.code == "order_not_owned"


def test_mass_cancel_by_account_and_instrument(eng: brokerx.Engine) -> None:
    eng.register_instrument("BETA", "1", "1")
    eng.place(1, 0, "buy", "1", 1)
    eng.place(1, 1, "buy", "1", 1)
    eng.place(2, 0, "buy", "1", 1)
    evs = eng.mass_cancel(account=1)
    assert names(evs) == ["Cancelled", "Cancelled"]
    assert all(isinstance(e, brokerx.Cancelled) and e.reason == "mass_cancel" for e in trading(evs))
    assert names(eng.mass_cancel(instrument="ACME")) == ["Cancelled"]
    with pytest.raises(brokerx.InvalidOrder) as ei:
        eng.mass_cancel()
    assert ei.value.code == "mass_cancel_needs_filter"


def test_halt_rejects_places_and_resume_reopens(eng: brokerx.Engine) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", "99", 5))
    (s,) = trading(eng.halt("ACME"))
    assert isinstance(s, brokerx.TradingStatusChanged) and s.status == "halted"
    assert eng.instrument("ACME").status == "halted"
    (r,) = trading(eng.place(1, 0, "buy", "99", 1))
    assert isinstance(r, brokerx.Rejected) and r.reason == "instrument_halted"
    (r,) = trading(eng.amend(1, oid, qty="4"))
    assert isinstance(r, brokerx.Rejected) and r.order_id == oid
    assert names(eng.cancel(1, oid)) == ["Cancelled"]  # cancels still work
    eng.resume(0)
    assert names(eng.place(1, 0, "buy", "99", 1)) == ["Accepted"]
    eng.set_status(0, "closed", cancel_resting=True)
    (r,) = trading(eng.place(1, 0, "buy", "99", 1))
    assert isinstance(r, brokerx.Rejected) and r.reason == "instrument_closed"
    assert eng.live_orders == 0


def test_gtd_orders_expire_on_time(eng: brokerx.Engine) -> None:
    oid = accepted_id(eng.place(1, 0, "buy", "99", 5, expire_at=5_000, ts=2_000))
    assert eng.order(oid) is not None and eng.next_deadline() == 5_000
    assert eng.on_time(4_999) == []
    (x,) = trading(eng.on_time(5_000))
    assert isinstance(x, brokerx.Expired) and (x.order_id, x.qty) == (oid, Decimal(5))
    assert eng.next_deadline() is None and eng.now == 5_000


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"price": None, "time_in_force": "gtc"}, "market_order_time_in_force"),
        ({"post_only": True, "time_in_force": "ioc"}, "post_only_time_in_force"),
        ({"time_in_force": "gtd"}, "expire_at_required"),
        ({"time_in_force": "gtc", "expire_at": 9_000}, "expire_at_not_allowed"),
        ({"expire_at": 10}, "expire_at_not_in_future"),
        ({"qty": "0"}, "invalid_quantity"),
        ({"qty": "-1"}, "invalid_quantity"),
        ({"price": "0"}, "invalid_price"),
        ({"price": "100.001"}, "off_tick"),
        ({"qty": "1.5"}, "off_lot"),
        ({"client_order_id": ""}, "client_order_id_invalid"),
        ({"client_order_id": "x" * 37}, "client_order_id_invalid"),
    ],
)
def test_invalid_orders_raise_invalid_order_with_code(eng: brokerx.Engine, kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"price": "100", "qty": "1"}
    args.update(kwargs)
    before = eng.state_hash()
    with pytest.raises(brokerx.InvalidOrder) as ei:
        eng.place(1, 0, "buy", args.pop("price"), args.pop("qty"), ts=2_000, **args)  # type: ignore[arg-type]
    assert ei.value.code == code
    assert eng.state_hash() == before  # an error changes nothing


def test_quantity_bounds() -> None:
    e = brokerx.Engine()
    e.register_instrument("X", "1", "1", min_qty=2, max_qty=10)
    with pytest.raises(brokerx.InvalidOrder) as ei:
        e.place(1, 0, "buy", 1, 1)
    assert ei.value.code == "quantity_below_min"
    with pytest.raises(brokerx.InvalidOrder) as ei:
        e.place(1, 0, "buy", 1, 11)
    assert ei.value.code == "quantity_above_max"


def test_duplicate_client_order_id(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "buy", "99", 1, client_order_id="abc")
    with pytest.raises(brokerx.DuplicateClientOrderId) as ei:
        eng.place(1, 0, "buy", "99", 1, client_order_id="abc")
    assert ei.value.code == "duplicate_client_order_id"
    eng.place(2, 0, "buy", "99", 1, client_order_id="abc")  # another account may reuse it


def test_unknown_instrument_by_id_and_symbol(eng: brokerx.Engine) -> None:
    for ref in (7, "NOPE"):
        with pytest.raises(brokerx.UnknownInstrument) as ei:
            eng.place(1, ref, "buy", "1", 1)
        assert ei.value.code == "unknown_instrument"


def test_time_going_backwards_is_refused(eng: brokerx.Engine) -> None:
    eng.place(1, 0, "buy", "99", 1, ts=10_000)
    with pytest.raises(brokerx.TimeWentBackwards) as ei:
        eng.place(1, 0, "buy", "99", 1, ts=9_999)
    assert ei.value.code == "time_went_backwards"
    with pytest.raises(brokerx.TimeWentBackwards):
        eng.on_time(1)


def test_order_capacity_is_a_typed_error() -> None:
    e = brokerx.Engine(max_orders=1)
    e.register_instrument("X", "1", "1")
    e.place(1, 0, "buy", 1, 1)
    with pytest.raises(brokerx.CapacityReached) as ei:
        e.place(1, 0, "buy", 1, 1)
    assert ei.value.code == "order_capacity_reached"


def test_bad_enum_strings_raise_value_error(eng: brokerx.Engine) -> None:
    with pytest.raises(ValueError, match="side"):
        eng.place(1, 0, "long", "1", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_in_force"):
        eng.place(1, 0, "buy", "1", 1, time_in_force="day")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stp"):
        eng.place(1, 0, "buy", "1", 1, stp="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        eng.place(1, 1.0, "buy", "1", 1)  # type: ignore[arg-type]


def test_depth_orders_at_and_order_views(eng: brokerx.Engine) -> None:
    a = accepted_id(eng.place(1, 0, "buy", "99", 1, client_order_id="a"))
    b = accepted_id(eng.place(2, 0, "buy", "99", 2))
    eng.place(3, 0, "buy", "98", 4)
    eng.place(3, 0, "sell", "101", 4)
    assert [(lv.price, lv.qty, lv.orders) for lv in eng.depth("ACME", "buy")] == [
        (Decimal("99"), Decimal("3"), 2), (Decimal("98"), Decimal("4"), 1)]
    assert len(eng.depth(0, "buy", 1)) == 1
    assert [o.order_id for o in eng.orders_at(0, "buy", "99")] == [a, b]
    o = eng.order(a)
    assert o is not None
    assert (o.side, o.client_order_id, o.time_in_force, o.post_only, o.expire_at) == ("buy", "a", "gtc", False, None)
    assert o.to_dict()["price"] == "99"
    assert eng.order(999) is None


def test_events_are_frozen_typed_and_comparable(eng: brokerx.Engine) -> None:
    evs = eng.place(1, 0, "sell", "100.10", 3, ts=2_000)
    a = evs[0]
    assert isinstance(a, brokerx.Accepted)
    with pytest.raises(AttributeError):
        a.qty = Decimal(1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.extra = 1  # type: ignore[attr-defined]
    assert a == evs[0]
    assert a != evs[1]
    twin = brokerx.Engine()
    twin.register_instrument("ACME", "0.01", "1", ts=1_000)
    same = twin.place(1, 0, "sell", "100.10", 3, ts=2_000)
    assert same == evs and same[0] is not a and hash(same[0]) == hash(a)  # equal values, equal hashes
    assert len({a, same[0], evs[1]}) == 2
    assert repr(a).startswith("Accepted(seq=2, ts=2000")
    assert a.to_dict() == {
        "type": "Accepted", "seq": 2, "ts": 2_000, "correlation_id": 0, "instrument": 0,
        "order_id": 1, "account": 1, "side": "sell", "price": "100.1", "qty": "3",
        "time_in_force": "gtc", "client_order_id": None,
    }
    match a:
        case brokerx.Accepted(order_id=oid, side="sell"):
            assert oid == 1
        case _:
            pytest.fail("no match")
    bbo = evs[-1]
    assert isinstance(bbo, brokerx.BboChanged) and bbo.bid is None
    assert bbo.to_dict()["ask"] == {"price": "100.1", "qty": "3", "orders": 1}


def test_submit_and_submit_many_equal_per_call(eng: brokerx.Engine) -> None:
    other = brokerx.Engine()
    other.register_instrument("ACME", "0.01", "1", ts=1_000)
    cmds: list[brokerx.Command] = [
        brokerx.Place(1, "ACME", "sell", "100", 5, ts=2_000, correlation_id=1),
        brokerx.Place(2, 0, "buy", "100", 2, ts=2_001, correlation_id=2),
        brokerx.Amend(1, 1, qty="4", expected_version=0, ts=2_002),
        brokerx.Cancel(1, 99, ts=2_003),
        brokerx.MassCancel(account=1, ts=2_004),
        brokerx.SetTradingStatus("ACME", "halted", ts=2_005),
        brokerx.RegisterInstrument("BETA", "1", "1", ts=2_006),
        brokerx.ExpireDue(ts=2_007),
    ]
    singles: list[brokerx.Event] = []
    for c in cmds:
        try:
            singles += eng.submit(c)
        except brokerx.BrokerXError:
            pass
    batch = other.submit_many(cmds)
    assert list(batch) == singles and batch.to_list() == singles
    assert batch[0] == singles[0] and batch[-1] == singles[-1]
    assert batch[1:4] == singles[1:4] and batch[::-2] == singles[::-2] and batch[100:] == []
    with pytest.raises(IndexError):
        batch[len(batch)]
    assert [(i, e.code) for i, e in batch.errors] == [(3, "unknown_order")]
    assert batch.trade_count == 1
    assert eng.state_hash() == other.state_hash()


def test_large_batches_release_the_gil_and_match_small_ones(eng: brokerx.Engine) -> None:
    cmds = [brokerx.Place(1 + i % 3, 0, "buy" if i % 2 else "sell", Decimal(100 + i % 7), 1 + i % 5, ts=2_000 + i)
            for i in range(2_000)]
    other = brokerx.Engine()
    other.register_instrument("ACME", "0.01", "1", ts=1_000)
    big = eng.submit_many(cmds)
    small = [ev for i in range(0, 2_000, 100) for ev in other.submit_many(cmds[i:i + 100])]
    assert big.to_list() == small
    eng.check_invariants()


def test_submit_many_refuses_non_commands(eng: brokerx.Engine) -> None:
    with pytest.raises(TypeError, match="command"):
        eng.submit_many([object()])  # type: ignore[list-item]


def test_command_objects_round_trip_through_dicts() -> None:
    cmds: list[brokerx.Command] = [
        brokerx.Place(1, "ACME", "buy", "1.50", "2", time_in_force="gtd", expire_at=9, post_only=True,
                      stp="decrement", client_order_id="id-1", ts=5, correlation_id=3),
        brokerx.Place(1, 0, "sell", None, "2"),
        brokerx.Cancel(1, 2, ts=3),
        brokerx.Amend(1, 2, price="1.1", qty=None, expected_version=4),
        brokerx.MassCancel(account=None, instrument="ACME"),
        brokerx.SetTradingStatus(0, "closed", cancel_resting=True),
        brokerx.RegisterInstrument("X", "0.5", "1", min_qty="1", max_qty="9", status="halted"),
        brokerx.ExpireDue(ts=10),
    ]
    for c in cmds:
        d = c.to_dict()
        assert brokerx.command_from_dict(d) == c, d
        assert repr(c).startswith(d["type"] + "(")
    p = cmds[0]
    assert isinstance(p, brokerx.Place)
    assert (p.price, p.qty, p.time_in_force, p.expire_at, p.stp, p.client_order_id) == (
        Decimal("1.50"), Decimal("2"), "gtd", 9, "decrement", "id-1")
    with pytest.raises(brokerx.InvalidOrder):
        brokerx.command_from_dict({"type": "Nope"})
