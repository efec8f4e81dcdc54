#!/usr/bin/env python3
"""Throughput of the Python binding, next to a pure-Python order book, in one run.

    python bindings-python/scripts/bench.py [--n 1000000] [--seed 42] [--repeat 5]

Prints one line per figure (best of --repeat, wall clock) and a Markdown table.
Figures:

* ``per-call place/cancel``: ``Engine.place`` then ``Engine.cancel`` of that order,
  one Python call per command (resting limit orders, no trades).
* ``submit_many (mix)``: an exchange-core-style seeded mix replayed with one
  ``Engine.submit_many`` call over pre-built command objects: ~50 % limit
  (passive around a random-walk mid, a controlled fraction aggressive), ~10 %
  market, ~30 % cancel of a random live order, ~10 % reduce (an amend to a
  smaller total quantity, which keeps time priority). Market-data events off
  (the L2/BBO feed is a separate switch, ``Engine(market_data=...)``); also
  reported with it on.
* ``per-call (mix)``: the same mix, one Python call per command.
* ``Broker per-call place/cancel``: the same through ``brokerx.Broker``: each place
  is risk-checked and holds funds in the ledger, each cancel voids the hold.
* ``pure Python (mix)``: the same mix through a price-time order book written
  the way a Django backend would (``sortedcontainers.SortedDict`` of price →
  ``deque`` of orders, ``Decimal`` prices), per call.

Only the replay is timed; generating the workload is not. Timings on shared
machines are noisy: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Literal

import brokerx

TICK = Decimal("0.01")
ACCOUNTS = 100


@dataclass
class Op:
    kind: str  # "limit" | "market" | "cancel" | "reduce"
    account: int
    side: Literal["buy", "sell"]
    price: Decimal | None
    qty: Decimal
    order_id: int  # target for cancel/reduce (engine id)


def generate(n: int, seed: int) -> list[Op]:
    """A seeded mix; live orders are tracked with the engine itself (untimed)."""
    rng = random.Random(seed)
    e = brokerx.Engine(market_data=False)
    e.register_instrument("BENCH", TICK, "1", ts=1)
    ops: list[Op] = []
    live: list[int] = []
    mid = 100_000
    p_cross = 0.16
    for i in range(n):
        r = rng.random()
        if rng.random() < 0.05:
            mid += 1
        elif rng.random() < 0.05:
            mid -= 1
        if len(live) > 64:
            # Compact lazily: drop dead ids now and then.
            if i % 1024 == 0:
                live = [o for o in live if e.order(o) is not None]
        if r < 0.5 or not live:
            side: Literal["buy", "sell"] = "buy" if rng.random() < 0.5 else "sell"
            if rng.random() < p_cross:
                off = rng.randint(0, 10)
                ticks = mid + off if side == "buy" else mid - off
            else:
                off = rng.randint(1, 50)
                ticks = mid - off if side == "buy" else mid + off
            op = Op("limit", rng.randint(1, ACCOUNTS), side, TICK * ticks, Decimal(rng.randint(1, 100)), 0)
        elif r < 0.6:
            side = "buy" if rng.random() < 0.5 else "sell"
            op = Op("market", rng.randint(1, ACCOUNTS), side, None, Decimal(rng.randint(1, 100)), 0)
        else:
            target = None
            for _ in range(8):
                oid = live[rng.randrange(len(live))]
                o = e.order(oid)
                if o is not None:
                    target = o
                    break
            if target is None:
                continue
            if r < 0.9 or target.remaining <= 1:
                op = Op("cancel", target.account, target.side, None, Decimal(0), target.order_id)
            else:
                delta = rng.randint(1, int(target.remaining) - 1)
                op = Op("reduce", target.account, target.side, None, target.qty - delta, target.order_id)
        evs = apply_engine(e, op)
        if op.kind == "limit":
            acc = evs[0]
            assert isinstance(acc, brokerx.Accepted)
            oid = acc.order_id
            if e.order(oid) is not None:
                live.append(oid)
        # Keep a few thousand resting orders, like exchange-core's benchmark.
        if i % 256 == 0:
            p_cross = min(0.9, max(0.0, 0.16 + (e.live_orders - 5000) / 5000))
        ops.append(op)
    return ops


def apply_engine(e: brokerx.Engine, op: Op) -> list[brokerx.Event]:
    if op.kind == "limit":
        return e.place(op.account, 0, op.side, op.price, op.qty)
    if op.kind == "market":
        return e.place(op.account, 0, op.side, None, op.qty)
    if op.kind == "cancel":
        return e.cancel(op.account, op.order_id)
    return e.amend(op.account, op.order_id, qty=op.qty)


#: One fixed time for the runs whose state hashes are compared: an omitted ts
#: would be the wall clock, different in every run.
BENCH_TS = 1


def to_commands(ops: list[Op]) -> list[brokerx.Command]:
    cmds: list[brokerx.Command] = []
    for op in ops:
        if op.kind == "limit":
            cmds.append(brokerx.Place(op.account, 0, op.side, op.price, op.qty, ts=BENCH_TS))
        elif op.kind == "market":
            cmds.append(brokerx.Place(op.account, 0, op.side, None, op.qty, ts=BENCH_TS))
        elif op.kind == "cancel":
            cmds.append(brokerx.Cancel(op.account, op.order_id, ts=BENCH_TS))
        else:
            cmds.append(brokerx.Amend(op.account, op.order_id, qty=op.qty, ts=BENCH_TS))
    return cmds


class PyBook:
    """Price-time order book in plain Python: what a Django backend would write."""

    def __init__(self) -> None:
        from sortedcontainers import SortedDict  # type: ignore[import-untyped]

        self.bids: SortedDict = SortedDict(lambda p: -p)
        self.asks: SortedDict = SortedDict()
        self.orders: dict[int, list[object]] = {}
        self.next_id = 1
        self.trades = 0

    def place(self, account: int, side: str, price: Decimal | None, qty: Decimal) -> int:
        oid = self.next_id
        self.next_id += 1
        book, opp = (self.bids, self.asks) if side == "buy" else (self.asks, self.bids)
        while qty > 0 and opp:
            best, q = opp.peekitem(0)
            if price is not None and (best > price if side == "buy" else best < price):
                break
            maker = q[0]
            fill = min(qty, maker[3])
            maker[3] -= fill
            maker[5] += fill
            qty -= fill
            self.trades += 1
            if maker[3] == 0:
                q.popleft()
                del self.orders[maker[0]]
                if not q:
                    del opp[best]
        if qty > 0 and price is not None:
            o = [oid, account, side, qty, price, Decimal(0)]
            self.orders[oid] = o
            level = book.get(price)
            if level is None:
                level = book[price] = deque()
            level.append(o)
        return oid

    def cancel(self, account: int, oid: int) -> None:
        o = self.orders.pop(oid, None)
        if o is None or o[1] != account:
            return
        book = self.bids if o[2] == "buy" else self.asks
        level = book[o[4]]
        level.remove(o)
        if not level:
            del book[o[4]]

    def reduce_to(self, account: int, oid: int, total: Decimal) -> None:
        o = self.orders.get(oid)
        if o is not None and o[1] == account:
            o[3] = total - o[5]  # type: ignore[operator]


class Stopwatch:
    """Wall clock and this process's CPU time; on a shared machine the CPU time
    is the steadier of the two (other tenants' load inflates the wall clock)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def best_of(repeat: int, fn: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """Best wall and best CPU time over `repeat` runs."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        gc.collect()
        w, c = fn()
        wall, cpu = min(wall, w), min(cpu, c)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()

    t = time.perf_counter()
    ops = generate(a.n, a.seed)
    cmds = to_commands(ops)
    mix = {k: sum(1 for o in ops if o.kind == k) for k in ("limit", "market", "cancel", "reduce")}
    print(f"workload: {len(ops)} ops {mix} (generated in {time.perf_counter() - t:.1f}s)", flush=True)
    results: dict[str, tuple[float, float]] = {}

    # Reference outcome for the equality check below.
    ref = brokerx.Engine(market_data=False)
    ref.register_instrument("BENCH", TICK, "1", ts=1)
    ref_batch = ref.submit_many(cmds)
    assert not ref_batch.errors, ref_batch.errors[:3]
    ref_hash = ref.state_hash()

    def submit_many(md: bool) -> tuple[float, float]:
        e = brokerx.Engine(market_data=md)
        e.register_instrument("BENCH", TICK, "1", ts=1)
        sw = Stopwatch()
        b = e.submit_many(cmds)
        dt = sw.stop()
        # The hash covers the event sequence number, which market data moves.
        assert not b.errors and (md or e.state_hash() == ref_hash)
        assert e.live_orders == ref.live_orders
        return dt

    dt = best_of(a.repeat, lambda: submit_many(False))
    results["submit_many (mix)"] = (len(cmds) / dt[0], len(cmds) / dt[1])
    dt = best_of(a.repeat, lambda: submit_many(True))
    results["submit_many (mix, market data on)"] = (len(cmds) / dt[0], len(cmds) / dt[1])

    def per_call_mix() -> tuple[float, float]:
        e = brokerx.Engine(market_data=False)
        e.register_instrument("BENCH", TICK, "1", ts=1)
        place, cancel, amend = e.place, e.cancel, e.amend
        sw = Stopwatch()
        for op in ops:
            k = op.kind
            if k == "limit":
                place(op.account, 0, op.side, op.price, op.qty, ts=BENCH_TS)
            elif k == "cancel":
                cancel(op.account, op.order_id, ts=BENCH_TS)
            elif k == "market":
                place(op.account, 0, op.side, None, op.qty, ts=BENCH_TS)
            else:
                amend(op.account, op.order_id, qty=op.qty, ts=BENCH_TS)
        dt = sw.stop()
        assert e.state_hash() == ref_hash
        return dt

    dt = best_of(a.repeat, per_call_mix)
    results["per-call (mix)"] = (len(ops) / dt[0], len(ops) / dt[1])

    n_pc = min(a.n, 500_000)
    prices = [TICK * (100_000 - 1 - (i % 50)) for i in range(1000)]
    buy: Literal["buy", "sell"] = "buy"
    qty = Decimal(5)

    def per_call_place_cancel() -> tuple[float, float]:
        e = brokerx.Engine(market_data=False)
        e.register_instrument("BENCH", TICK, "1", ts=1)
        place, cancel = e.place, e.cancel
        sw = Stopwatch()
        for i in range(n_pc):
            place(1, 0, buy, prices[i % 1000], qty)
            cancel(1, i + 1)
        return sw.stop()

    dt = best_of(a.repeat, per_call_place_cancel)
    results["per-call place/cancel"] = (2 * n_pc / dt[0], 2 * n_pc / dt[1])

    def per_call_place_cancel_md() -> tuple[float, float]:
        e = brokerx.Engine(market_data=True)
        e.register_instrument("BENCH", TICK, "1", ts=1)
        place, cancel = e.place, e.cancel
        sw = Stopwatch()
        for i in range(n_pc):
            place(1, 0, buy, prices[i % 1000], qty)
            cancel(1, i + 1)
        return sw.stop()

    dt = best_of(a.repeat, per_call_place_cancel_md)
    results["per-call place/cancel (market data on)"] = (2 * n_pc / dt[0], 2 * n_pc / dt[1])

    def broker_place_cancel() -> tuple[float, float]:
        b = brokerx.Broker(market_data=False)
        b.create_asset(1, "USD", 2)
        b.create_asset(2, "BENCH", 0)
        b.register_market("BENCH", TICK, "1", 2, 1, risk=brokerx.InstrumentRisk(collar_bps=None))
        b.deposit(1, 1, "1000000000", 1)
        place, cancel = b.place, b.cancel
        sw = Stopwatch()
        for i in range(n_pc):
            place(1, 0, buy, prices[i % 1000], qty)
            cancel(1, i + 1)
        return sw.stop()

    dt = best_of(a.repeat, broker_place_cancel)
    results["Broker per-call place/cancel (risk + hold + void)"] = (2 * n_pc / dt[0], 2 * n_pc / dt[1])

    try:
        import sortedcontainers  # noqa: F401
    except ImportError:
        print("sortedcontainers not installed: pure-Python comparison skipped")
    else:

        def pure_python() -> tuple[float, float]:
            b = PyBook()
            sw = Stopwatch()
            for op in ops:
                k = op.kind
                if k == "limit":
                    b.place(op.account, op.side, op.price, op.qty)
                elif k == "market":
                    b.place(op.account, op.side, None, op.qty)
                elif k == "cancel":
                    b.cancel(op.account, op.order_id)
                else:
                    b.reduce_to(op.account, op.order_id, op.qty)
            return sw.stop()

        dt = best_of(max(1, a.repeat // 2), pure_python)
        results["pure Python sortedcontainers (mix)"] = (len(ops) / dt[0], len(ops) / dt[1])

    cpu = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    print(f"machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
          f"Python {platform.python_version()}, brokerx {brokerx.__version__}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"command: {' '.join([sys.executable.split('/')[-1]] + sys.argv)}")
    print()
    print("| figure | commands/s (wall) | commands/s (CPU time) |")
    print("|---|---:|---:|")
    for k, (w, c) in results.items():
        print(f"| {k} | {w / 1e6:.2f} M | {c / 1e6:.2f} M |")
    if "pure Python sortedcontainers (mix)" in results:
        py = results["pure Python sortedcontainers (mix)"]
        print()
        for name in ("submit_many (mix)", "per-call (mix)"):
            w, c = results[name]
            print(f"ratio {name} / pure Python: {w / py[0]:.1f}x wall, {c / py[1]:.1f}x CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
