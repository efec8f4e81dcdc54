"""Property tests: random command streams through Python keep every invariant, and
per-call, batch, snapshot-and-continue and journal replay all agree."""

from __future__ import annotations

import json
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

import brokerx

SIDES: tuple[Literal["buy"], Literal["sell"]] = ("buy", "sell")


@st.composite
def commands(draw: st.DrawFn) -> list[brokerx.Command]:
    n = draw(st.integers(min_value=1, max_value=60))
    out: list[brokerx.Command] = [brokerx.RegisterInstrument("X", "0.5", "0.1", ts=1)]
    ts = 1
    for _ in range(n):
        ts += draw(st.integers(min_value=0, max_value=3))
        kind = draw(st.sampled_from(["limit", "limit", "market", "cancel", "amend", "mass", "halt", "expire",
                                     "stop", "stop_amend"]))
        account = draw(st.integers(min_value=1, max_value=3))
        side: Literal["buy", "sell"] = draw(st.sampled_from(SIDES))
        qty = f"{draw(st.integers(min_value=1, max_value=30)) / 10:.1f}"
        order_id = draw(st.integers(min_value=1, max_value=40))
        if kind == "limit":
            price = f"{draw(st.integers(min_value=180, max_value=220)) / 2:.1f}"
            tif = draw(st.sampled_from(["gtc", "gtc", "ioc", "fok", "gtd"]))
            stp = draw(st.sampled_from(["none", "cancel_taker", "cancel_maker", "cancel_both", "decrement"]))
            out.append(brokerx.Place(account, 0, side, price, qty, time_in_force=tif,  # type: ignore[arg-type]
                                     expire_at=ts + 5 if tif == "gtd" else None, stp=stp,  # type: ignore[arg-type]
                                     post_only=draw(st.booleans()) and tif in ("gtc", "gtd"), ts=ts))
        elif kind == "stop":
            # Stop-market (price None) or stop-limit, any time in force: refused
            # combinations (an IOC stop-market) included.
            trigger = f"{draw(st.integers(min_value=170, max_value=230)) / 2:.2f}"
            limit = draw(st.one_of(st.none(), st.integers(min_value=180, max_value=220).map(lambda p: f"{p / 2:.1f}")))
            tif = draw(st.sampled_from(["gtc", "gtc", "ioc", "fok", "gtd"]))
            out.append(brokerx.Place(account, 0, side, limit, qty, trigger=trigger, time_in_force=tif,  # type: ignore[arg-type]
                                     expire_at=ts + 5 if tif == "gtd" else None, ts=ts))
        elif kind == "stop_amend":
            trigger = f"{draw(st.integers(min_value=170, max_value=230)) / 2:.1f}"
            out.append(brokerx.Amend(account, order_id, trigger=trigger, qty=draw(st.one_of(st.none(), st.just(qty))),
                                     ts=ts))
        elif kind == "market":
            out.append(brokerx.Place(account, 0, side, None, qty, ts=ts))
        elif kind == "cancel":
            out.append(brokerx.Cancel(account, order_id, ts=ts))
        elif kind == "amend":
            new_price = draw(st.one_of(st.none(), st.integers(min_value=180, max_value=220).map(lambda p: f"{p / 2:.1f}")))
            out.append(brokerx.Amend(account, order_id, price=new_price, qty=draw(st.one_of(st.none(), st.just(qty))), ts=ts))
        elif kind == "mass":
            out.append(brokerx.MassCancel(account=account, ts=ts))
        elif kind == "halt":
            out.append(brokerx.SetTradingStatus(0, draw(st.sampled_from(["open", "open", "halted"])), ts=ts))
        else:
            out.append(brokerx.ExpireDue(ts=ts))
    return out


@settings(max_examples=150, deadline=None)
@given(cmds=commands(), cut=st.integers(min_value=0, max_value=60))
def test_every_path_through_the_binding_agrees(cmds: list[brokerx.Command], cut: int) -> None:
    # 1. per call, invariants after every step
    per_call = brokerx.Engine()
    singles: list[brokerx.Event] = []
    for c in cmds:
        before = per_call.state_hash()
        try:
            singles += per_call.submit(c)
        except brokerx.BrokerXError as err:
            assert err.code and per_call.state_hash() == before
        per_call.check_invariants()
    # 2. one batch
    batch_engine = brokerx.Engine()
    batch = batch_engine.submit_many(cmds)
    assert batch.to_list() == singles
    assert batch_engine.state_hash() == per_call.state_hash()
    # 3. snapshot part-way, restore, continue
    cut = min(cut, len(cmds))
    first = brokerx.Engine()
    first.submit_many(cmds[:cut])
    resumed = brokerx.Engine.restore(first.snapshot())
    rest = resumed.submit_many(cmds[cut:])
    assert resumed.state_hash() == per_call.state_hash()
    assert rest.to_list() == singles[len(singles) - len(rest):]
    # 4. journal replay through JSON
    replayed = brokerx.Engine()
    replayed.submit_many(brokerx.command_from_dict(json.loads(json.dumps(c.to_dict()))) for c in cmds)
    assert replayed.state_hash() == per_call.state_hash()
