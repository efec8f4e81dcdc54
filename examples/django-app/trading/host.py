"""The in-process engine and ledger, and how they meet the database.

One ``brokerx.Engine`` (order books) and one ``brokerx.Ledger`` (wallets) per
process, behind one lock. Every state change goes:

    lock → (DB transaction: engine/ledger apply → journal row (command + events)
            → read models) → unlock

so the journal order is the apply order and a command's events are committed
together with it (the journal is also the outbox: ``published=False`` rows are
what a relay would publish). If the transaction fails after the command was
applied in memory, engine and ledger are rebuilt from the journal, which no
longer holds it.

At start-up (first use) both are rebuilt by replaying the journal in order;
``brokerx`` is deterministic, so the same entries give the same book, order ids,
balances and state hashes.

Money: deposits are idempotent ledger transfers (bank → trader; the transfer id
is derived from the Idempotency-Key, so the ledger itself refuses a reuse with
different fields); every ``Trade`` settles as a linked pair of ledger transfers
(quote buyer → seller, base seller → buyer) whose ids derive from the trade id.
This example binds the Engine and the Ledger only: there are no order-time holds
and no pre-trade funds check (that is the Broker's job, engine + risk + ledger,
not bound here), so trader accounts are created as accounts that may go
negative and settlement cannot fail half-way.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import brokerx
from django.conf import settings
from django.db import transaction

from .models import Balance, JournalEntry, TradeRecord

BANK = 0  # the ledger owner id of the brokerage's own (system) accounts
DEPOSIT, TRADE_SETTLEMENT = 1, 3  # ledger transfer codes


def deposit_transfer_id(account: int, key: str) -> int:
    """A stable, non-zero 128-bit transfer id for (account, Idempotency-Key)."""
    return int.from_bytes(hashlib.sha256(f"deposit:{account}:{key}".encode()).digest()[:16], "big") | 1


def settlement_ids(trade_id: int) -> tuple[int, int]:
    """Ledger ids of a trade's two legs, disjoint from deposit ids (top bit set)."""
    base = (1 << 127) | (trade_id << 1)
    return base, base | 1


@dataclass
class Listing:
    symbol: str
    base: int
    quote: int


@dataclass
class Host:
    engine: brokerx.Engine
    ledger: brokerx.Ledger
    assets: dict[str, int] = field(default_factory=dict)  # code -> ledger asset id
    listings: dict[int, Listing] = field(default_factory=dict)
    next_correlation_id: int = 1
    #: (owner, asset id) whose balance changed since the last journal write.
    touched: set[tuple[int, int]] = field(default_factory=set)

    # ---- time and ids ------------------------------------------------------

    def clock(self) -> int:
        """Host time in ns, never behind the engine's or ledger's (both refuse time going back)."""
        return max(time.time_ns(), self.engine.now, self.ledger.now)

    def correlation_id(self) -> int:
        c = self.next_correlation_id
        self.next_correlation_id += 1
        return c

    # ---- replay and projections -------------------------------------------

    def setup_assets(self, ts: int) -> None:
        specs: list[dict[str, Any]] = settings.BROKERX_ASSETS
        for a in specs:
            asset_id, code, scale = int(a["id"]), str(a["code"]), int(a["scale"])
            self.ledger.create_asset(asset_id, code, scale, ts=ts)
            self.ledger.create_account(BANK, asset_id, system=True, ts=ts)
            self.assets[code] = asset_id

    def ensure_account(self, owner: int, asset: int, ts: int) -> None:
        if self.ledger.balance(owner, asset) is None:
            self.ledger.create_account(owner, asset, system=True, ts=ts)

    def apply_entry(self, kind: str, command: dict[str, Any]) -> list[brokerx.Event]:
        """Applies one journaled entry to the in-memory state (engine + ledger)."""
        ts = int(command["ts"])
        if kind == JournalEntry.KIND_DEPOSIT:
            owner, asset = int(command["account"]), self.assets[command["asset"]]
            self.ensure_account(owner, asset, ts)
            t = brokerx.Transfer.single(int(command["transfer_id"]), (BANK, asset), (owner, asset), command["amount"], DEPOSIT)
            (r,) = self.ledger.submit([t], ts=ts)
            r.raise_for_status()
            self.touched.add((owner, asset))
            return []
        events = self.engine.submit(brokerx.command_from_dict(command))
        self.settle(events, ts)
        return events

    def settle(self, events: Iterable[brokerx.Event], ts: int) -> None:
        for ev in events:
            if isinstance(ev, brokerx.InstrumentRegistered):
                inst = self.engine.instrument(ev.instrument)
                spec = next(i for i in settings.BROKERX_INSTRUMENTS if i["symbol"] == inst.symbol)
                self.listings[ev.instrument] = Listing(inst.symbol, self.assets[spec["base"]], self.assets[spec["quote"]])
            elif isinstance(ev, brokerx.Trade):
                lst = self.listings[ev.instrument]
                buyer, seller = (
                    (ev.taker_account, ev.maker_account) if ev.aggressor == "buy" else (ev.maker_account, ev.taker_account)
                )
                for owner in (buyer, seller):
                    for asset in (lst.base, lst.quote):
                        self.ensure_account(owner, asset, ts)
                        self.touched.add((owner, asset))
                cash_id, asset_id = settlement_ids(ev.trade_id)
                results = self.ledger.submit(
                    [
                        brokerx.Transfer.single(cash_id, (buyer, lst.quote), (seller, lst.quote), ev.price * ev.qty,
                                                TRADE_SETTLEMENT, user_data=ev.trade_id, linked=True),
                        brokerx.Transfer.single(asset_id, (seller, lst.base), (buyer, lst.base), ev.qty,
                                                TRADE_SETTLEMENT, user_data=ev.trade_id),
                    ],
                    ts=ts,
                )
                for r in results:
                    r.raise_for_status()

    def balances_of(self, account: int) -> dict[str, Decimal]:
        out = {}
        for code, asset in sorted(self.assets.items()):
            b = self.ledger.balance(account, asset)
            if b is not None:
                out[code] = b.posted
        return out

    # ---- the write path ----------------------------------------------------

    def journal(self, kind: str, command: dict[str, Any]) -> tuple[JournalEntry, list[brokerx.Event]]:
        """Applies and journals one entry inside the caller's transaction.

        Raises whatever the engine raises (``brokerx.BrokerXError``) before
        anything is written: an engine error changes nothing anywhere.
        """
        self.touched.clear()
        events = self.apply_entry(kind, command)
        entry = JournalEntry.objects.create(
            kind=kind,
            correlation_id=int(command.get("correlation_id") or 0),
            command=command,
            events=[e.to_dict() for e in events],
        )
        codes = {v: k for k, v in self.assets.items()}
        for owner, asset in sorted(self.touched):
            b = self.ledger.balance(owner, asset)
            amount = b.posted if b is not None else Decimal(0)
            Balance.objects.update_or_create(account=owner, asset=codes[asset], defaults={"amount": amount})
        TradeRecord.objects.bulk_create(
            TradeRecord(
                trade_id=e.trade_id,
                symbol=self.listings[e.instrument].symbol,
                price=e.price,
                qty=e.qty,
                aggressor=e.aggressor,
                maker_order_id=e.maker_order_id,
                maker_account=e.maker_account,
                taker_order_id=e.taker_order_id,
                taker_account=e.taker_account,
                ts=e.ts,
                seq=e.seq,
            )
            for e in events
            if isinstance(e, brokerx.Trade)
        )
        return entry, events


_lock = threading.RLock()
_host: Host | None = None


def _build() -> Host:
    """Replays the journal into a fresh engine; registers listings on first boot."""
    host = Host(engine=brokerx.Engine(), ledger=brokerx.Ledger())
    host.setup_assets(ts=0)
    entries = list(JournalEntry.objects.order_by("id").values_list("kind", "command", "correlation_id"))
    for kind, command, corr in entries:
        host.apply_entry(kind, command)
        host.next_correlation_id = max(host.next_correlation_id, corr + 1)
    known = {lst.symbol for lst in host.listings.values()}
    missing = [i for i in settings.BROKERX_INSTRUMENTS if i["symbol"] not in known]
    if missing:
        with transaction.atomic():
            for spec in missing:
                cmd = brokerx.RegisterInstrument(
                    spec["symbol"], spec["tick_size"], spec["lot_size"],
                    ts=host.clock(), correlation_id=host.correlation_id(),
                )
                host.journal(JournalEntry.KIND_COMMAND, cmd.to_dict())
    return host


class Locked:
    """``with Locked() as host:`` — the process's engine, exclusively."""

    def __enter__(self) -> Host:
        global _host
        _lock.acquire()
        try:
            if _host is None:
                _host = _build()
            return _host
        except BaseException:
            _lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        _lock.release()


def submit(make: Callable[[Host], tuple[str, dict[str, Any]]]) -> tuple[JournalEntry, list[brokerx.Event]]:
    """Applies and journals one entry atomically: engine, journal and read models
    move together or not at all. ``make`` builds ``(kind, command dict)`` under
    the lock, so it can take the host's clock and next correlation id."""
    global _host
    with Locked() as host:
        kind, command = make(host)
        try:
            with transaction.atomic():
                return host.journal(kind, command)
        except brokerx.BrokerXError:
            raise  # the engine refused: nothing changed anywhere
        except BaseException:
            # The engine may have applied the command but the transaction did not
            # commit: rebuild from the journal, which does not hold it.
            _host = None
            raise


def shutdown() -> None:
    """Drops the in-process engine; the next use rebuilds it from the journal."""
    global _host
    with _lock:
        _host = None
