"""The shared scenario files (testdata/scenarios/*.txt), replayed through Python.

Same format and the same checks as the Rust runner (engine-core/tests/scenarios.rs):
a command's trading events (everything but L2/BBO market data and status changes)
must match its `expect` lines one for one, keys not written are not checked,
`expect book` / `expect stops` / `expect last_trade` compare the depth, the waiting
stops and the last trade price after the command, and every event carries its
command's correlation id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

import brokerx

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "testdata" / "scenarios").glob("*.txt"))
NOT_TRADING = (brokerx.LevelChanged, brokerx.BboChanged, brokerx.TradingStatusChanged, brokerx.InstrumentRegistered)


@dataclass
class Line:
    no: int
    verb: str
    words: list[str] = field(default_factory=list)
    kv: dict[str, str] = field(default_factory=dict)


def parse(path: Path) -> list[Line]:
    lines = []
    for no, raw in enumerate(path.read_text().splitlines(), 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        verb, *rest = text.split()
        line = Line(no, verb)
        for w in rest:
            if "=" in w:
                k, v = w.split("=", 1)
                line.kv[k] = v
            else:
                line.words.append(w)
        lines.append(line)
    return lines


def same(got: object, want: str) -> bool:
    try:
        return Decimal(str(got)) == Decimal(want)
    except InvalidOperation:
        return str(got) == want


def fields(ev: brokerx.Event) -> tuple[str, dict[str, object]]:
    if isinstance(ev, brokerx.Accepted):
        return "accepted", {"order": ev.order_id}
    if isinstance(ev, brokerx.Rejected):
        got: dict[str, object] = {"reason": ev.reason}
        if ev.order_id is not None:
            got["order"] = ev.order_id
        return "rejected", got
    if isinstance(ev, brokerx.Trade):
        return "trade", {"price": ev.price, "qty": ev.qty, "maker": ev.maker_order_id, "taker": ev.taker_order_id}
    if isinstance(ev, brokerx.Cancelled):
        return "cancelled", {"order": ev.order_id, "qty": ev.qty, "reason": ev.reason}
    if isinstance(ev, brokerx.Reduced):
        return "reduced", {"order": ev.order_id, "qty": ev.qty, "remaining": ev.remaining}
    if isinstance(ev, brokerx.Amended):
        return "amended", {"order": ev.order_id, "version": ev.version, "price": ev.price, "qty": ev.qty,
                           "remaining": ev.remaining, "priority": "kept" if ev.priority_kept else "lost"}
    if isinstance(ev, brokerx.Expired):
        return "expired", {"order": ev.order_id, "qty": ev.qty}
    if isinstance(ev, brokerx.StopAccepted):
        return "stop_accepted", {"order": ev.order_id, "side": ev.side, "trigger": ev.trigger, "limit": or_none(ev.limit),
                                 "qty": ev.qty, "tif": ev.time_in_force}
    if isinstance(ev, brokerx.Triggered):
        return "triggered", {"order": ev.order_id, "side": ev.side, "trigger": ev.trigger, "last": ev.last_price,
                             "limit": or_none(ev.limit), "qty": ev.qty, "tif": ev.time_in_force}
    if isinstance(ev, brokerx.TriggerLimitReached):
        return "trigger_limit", {"fired": ev.fired}
    if isinstance(ev, brokerx.StopAmended):
        return "stop_amended", {"order": ev.order_id, "version": ev.version, "trigger": ev.trigger,
                                "limit": or_none(ev.limit), "qty": ev.qty,
                                "priority": "kept" if ev.priority_kept else "lost"}
    return "other", {}


def or_none(d: Decimal | None) -> object:
    return "none" if d is None else d


def depth_text(e: brokerx.Engine, sym: str, side: str) -> list[tuple[Decimal, Decimal, int]]:
    return [(lv.price, lv.qty, lv.orders) for lv in e.depth(sym, side, 1_000)]  # type: ignore[arg-type]


def parse_levels(text: str) -> list[tuple[Decimal, Decimal, int]]:
    out = []
    for part in filter(None, text.split(",")):
        pq, n = part.split("/")
        p, q = pq.split("@")
        out.append((Decimal(p), Decimal(q), int(n)))
    return out


def stop_ids(e: brokerx.Engine, sym: str, side: str) -> str:
    return ",".join(str(o.order_id) for o in e.stops(sym, side))  # type: ignore[arg-type]


def engine_for(line: Line | None) -> brokerx.Engine:
    """`engine key=value ...` on a file's first line configures its engine."""
    if line is None or line.verb != "engine":
        return brokerx.Engine()
    known = {"max_triggers_per_command", "max_orders", "max_levels_per_side"}
    assert set(line.kv) <= known, f"line {line.no}: unknown engine setting in {line.kv}"
    cfg = {k: int(v) for k, v in line.kv.items()}
    return brokerx.Engine(max_triggers_per_command=cfg.get("max_triggers_per_command"),
                          max_orders=cfg.get("max_orders"), max_levels_per_side=cfg.get("max_levels_per_side"))


def run_command(e: brokerx.Engine, line: Line, first_symbol: str, corr: int) -> list[brokerx.Event]:
    kv = line.kv
    ts = int(kv["t"]) if "t" in kv else e.now  # as the Rust runner: the engine's time, not the wall clock
    sym = kv.get("sym", first_symbol)
    args: dict[str, Any] = {"ts": ts, "correlation_id": corr}
    if line.verb == "place":
        market = "market" in line.words
        return e.place(
            int(kv["acct"]), sym, kv["side"], None if market else kv["price"], kv["qty"],  # type: ignore[arg-type]
            trigger=kv.get("trigger"), amount=kv.get("amount"),
            time_in_force=kv.get("tif", "gtc"), expire_at=int(kv["expire_at"]) if "expire_at" in kv else None,  # type: ignore[arg-type]
            post_only="post_only" in line.words, stp=kv.get("stp", "none"), client_order_id=kv.get("cid"),  # type: ignore[arg-type]
            **args,
        )
    if line.verb == "cancel":
        return e.cancel(int(kv["acct"]), int(kv["order"]), **args)
    if line.verb == "amend":
        return e.amend(int(kv["acct"]), int(kv["order"]), price=kv.get("price"), qty=kv.get("qty"), trigger=kv.get("trigger"),
                       expected_version=int(kv["version"]) if "version" in kv else None, **args)
    if line.verb == "mass_cancel":
        return e.mass_cancel(account=int(kv["acct"]) if "acct" in kv else None, instrument=kv.get("sym"), **args)
    if line.verb == "status":
        status = next(w for w in line.words if w in ("open", "halted", "closed"))
        return e.set_status(sym, status, cancel_resting="cancel_resting" in line.words, **args)  # type: ignore[arg-type]
    if line.verb == "expire":
        # As the Rust runner: ExpireDue carries the command's correlation id.
        return e.submit(brokerx.ExpireDue(ts=int(kv["t"]), correlation_id=corr))
    raise AssertionError(f"line {line.no}: unknown verb {line.verb}")


def replay(path: Path) -> int:
    """Replays one file; returns the number of expectations checked."""
    lines = parse(path)
    e = engine_for(lines[0] if lines else None)
    first_symbol = ""
    checked = 0
    corr = 0
    i = 1 if lines and lines[0].verb == "engine" else 0
    while i < len(lines):
        cmd = lines[i]
        i += 1
        expects = []
        while i < len(lines) and lines[i].verb == "expect":
            expects.append(lines[i])
            i += 1
        at = f"{path.name}:{cmd.no}"
        corr += 1
        if cmd.verb == "instrument":
            symbol = cmd.words[0]
            first_symbol = first_symbol or symbol
            e.register_instrument(symbol, cmd.kv["tick"], cmd.kv["lot"], min_qty=cmd.kv.get("min"),
                                  max_qty=cmd.kv.get("max"), ts=e.now, correlation_id=corr)
            continue
        errors = [x for x in expects if x.words[:1] == ["error"]]
        views = [x for x in expects if x.words[:1] in (["book"], ["stops"], ["last_trade"])]
        events = [x for x in expects if x.words[:1] not in (["error"], ["book"], ["stops"], ["last_trade"])]
        before = e.state_hash()
        try:
            out = run_command(e, cmd, first_symbol, corr)
        except brokerx.BrokerXError as err:
            assert errors, f"{at}: unexpected error {err.code}: {err}"
            assert err.code == errors[0].kv["code"], f"{at}: expected {errors[0].kv['code']}, got {err.code}"
            assert e.state_hash() == before, f"{at}: a refused command changed the state"
            checked += 1
            continue
        assert not errors, f"{at}: expected error {errors[0].kv['code']}, got {out}"
        assert all(ev.correlation_id == corr for ev in out), f"{at}: foreign correlation id in {out}"
        trading = [ev for ev in out if not isinstance(ev, NOT_TRADING)]
        assert len(trading) == len(events), f"{at}: {len(events)} events expected, got {trading}"
        for ev, ex in zip(trading, events):
            name, got = fields(ev)
            assert name == ex.words[0], f"{path.name}:{ex.no}: expected {ex.words[0]}, got {ev!r}"
            for k, want in ex.kv.items():
                assert k in got, f"{path.name}:{ex.no}: {name} has no key {k}"
                assert same(got[k], want), f"{path.name}:{ex.no}: {name} {k}: expected {want}, got {got[k]} in {ev!r}"
            checked += 1
        sym = cmd.kv.get("sym", first_symbol)
        for b in views:
            checked += 1
            if b.words[0] == "stops":
                for key, side in (("buys", "buy"), ("sells", "sell")):
                    if key in b.kv:
                        assert stop_ids(e, sym, side) == b.kv[key], f"{path.name}:{b.no} {key}"
                continue
            if b.words[0] == "last_trade":
                last = e.last_price(sym)
                assert same("none" if last is None else last, b.kv["price"]), f"{path.name}:{b.no} last trade {last}"
                continue
            if "bids" in b.kv:
                assert depth_text(e, sym, "buy") == parse_levels(b.kv["bids"]), f"{path.name}:{b.no} bids"
            if "asks" in b.kv:
                assert depth_text(e, sym, "sell") == parse_levels(b.kv["asks"]), f"{path.name}:{b.no} asks"
        e.check_invariants()
    return checked


def test_scenario_files_exist() -> None:
    assert SCENARIOS, f"no scenario files under {ROOT / 'testdata' / 'scenarios'}"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    assert replay(path) > 0
