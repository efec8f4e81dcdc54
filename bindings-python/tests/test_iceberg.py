"""Icebergs through Python (docs/engine.md, "Icebergs"): `display=` on
`Engine.place`, `Broker.place` and `Place`, the `Refreshed` event, amends of the
display, and the refusals. The rules are the core's; these tests check that the
binding converts them."""

from __future__ import annotations

from decimal import Decimal

import pytest

import brokerx

from conftest import accepted_id

ICE, OTHER, TAKER = 1, 2, 3


def test_an_iceberg_shows_one_slice_and_refreshes_at_the_back(eng: brokerx.Engine) -> None:
    ice = accepted_id(eng.place(ICE, "ACME", "buy", "100.00", 10, display=3, ts=2_000))
    eng.place(OTHER, "ACME", "buy", "100.00", 2, ts=2_000)
    assert [(lv.price, lv.qty) for lv in eng.depth("ACME", "buy")] == [(Decimal("100.00"), Decimal(5))]
    order = eng.order(ice)
    assert order is not None and (order.remaining, order.display) == (Decimal(10), Decimal(3))

    evs = eng.place(TAKER, "ACME", "sell", None, 6, ts=2_001)
    trades = [(t.maker_order_id, t.qty, t.maker_remaining) for t in evs if isinstance(t, brokerx.Trade)]
    assert trades == [(ice, Decimal(3), Decimal(7)), (ice + 1, Decimal(2), Decimal(0)), (ice, Decimal(1), Decimal(6))]
    (r,) = [e for e in evs if isinstance(e, brokerx.Refreshed)]
    assert (r.order_id, r.price, r.shown, r.hidden, r.filled) == (ice, Decimal("100.00"), Decimal(3), Decimal(4), Decimal(3))
    assert eng.order(ice).remaining == Decimal(6)  # type: ignore[union-attr]


def test_amend_display_and_cancel_the_whole_leaves(eng: brokerx.Engine) -> None:
    ice = accepted_id(eng.place(ICE, "ACME", "sell", "101.00", 8, display=4, ts=2_000))
    eng.amend(ICE, ice, display=2, ts=2_001)
    assert [lv.qty for lv in eng.depth("ACME", "sell")] == [Decimal(2)]
    cmd = brokerx.Amend(ICE, ice, display=1)
    assert cmd.display == Decimal(1)
    evs = eng.cancel(ICE, ice, ts=2_002)
    (c,) = [e for e in evs if isinstance(e, brokerx.Cancelled)]
    assert c.qty == Decimal(8)


def test_bad_icebergs_are_refused_and_change_nothing(eng: brokerx.Engine) -> None:
    plain = accepted_id(eng.place(OTHER, "ACME", "buy", "99.00", 1, ts=2_000))
    before = eng.state_hash()
    with pytest.raises(brokerx.InvalidOrder, match="display"):
        eng.place(ICE, "ACME", "buy", "100.00", 5, display=6, ts=2_001)
    with pytest.raises(brokerx.InvalidOrder):
        eng.place(ICE, "ACME", "buy", "100.00", 5, display=0, ts=2_001)
    with pytest.raises(brokerx.InvalidOrder):
        eng.place(ICE, "ACME", "buy", "100.00", 5, display=2, time_in_force="ioc", ts=2_001)
    with pytest.raises(brokerx.InvalidOrder):
        eng.place(ICE, "ACME", "buy", None, 5, display=2, ts=2_001)
    with pytest.raises(brokerx.InvalidOrder):
        eng.amend(OTHER, plain, display=1, ts=2_001)
    with pytest.raises(brokerx.InvalidOrder, match="lot size"):
        eng.place(ICE, "ACME", "buy", "100.00", 5, display="1.5", ts=2_001)
    assert eng.state_hash() == before


def test_place_command_round_trips_display() -> None:
    cmd = brokerx.Place(ICE, "ACME", "buy", "100.00", 10, display=3)
    assert cmd.display == Decimal(3)
    assert brokerx.Place(ICE, "ACME", "buy", "100.00", 10).display is None
