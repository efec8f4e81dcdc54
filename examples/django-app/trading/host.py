"""The in-process engine and how it meets the database.

One ``brokerx.Engine`` per process, behind one lock. Every state change goes:

    lock → (DB transaction: engine.submit(cmd) → journal row (command + events)
            → read models) → unlock

so the journal order is the apply order and a command's events are committed
together with it (the journal is also the outbox: ``published=False`` rows are
what a relay would publish). If the transaction fails after the engine applied
the command, the engine is rebuilt from the journal, which no longer holds it.

At start-up (first use) the engine is rebuilt by replaying the journal's
commands in order; ``brokerx`` is deterministic, so the same commands give the
same book, the same order ids and the same ``state_hash``.

Balances: this example runs the Engine only (the brokerx Ledger/Broker bindings
are not in this build), so balances are a minimal projection: deposits plus
trade settlement (buyer pays price × qty in the quote asset and receives qty of
the base asset; the seller the reverse). There are no holds and no pre-trade
funds check here; that is the Broker's job once it is bound.
"""

from __future__ import annotations

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


@dataclass
class Listing:
    symbol: str
    base: str
    quote: str


@dataclass
class Host:
    engine: brokerx.Engine
    listings: dict[int, Listing] = field(default_factory=dict)
    balances: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    next_correlation_id: int = 1
    #: Balance keys changed since the last journal write.
    touched: set[tuple[int, str]] = field(default_factory=set)

    # ---- time and ids ------------------------------------------------------

    def clock(self) -> int:
        """Host time in ns, never behind the engine's (it refuses time going back)."""
        return max(time.time_ns(), self.engine.now)

    def correlation_id(self) -> int:
        c = self.next_correlation_id
        self.next_correlation_id += 1
        return c

    # ---- replay and projections -------------------------------------------

    def apply_entry(self, kind: str, command: dict[str, Any]) -> list[brokerx.Event]:
        """Applies one journaled entry to the in-memory state (engine + balances)."""
        if kind == JournalEntry.KIND_DEPOSIT:
            self.credit(int(command["account"]), str(command["asset"]), Decimal(command["amount"]))
            return []
        events = self.engine.submit(brokerx.command_from_dict(command))
        self.settle(events)
        return events

    def settle(self, events: Iterable[brokerx.Event]) -> None:
        for ev in events:
            if isinstance(ev, brokerx.InstrumentRegistered):
                inst = self.engine.instrument(ev.instrument)
                spec = next(i for i in settings.BROKERX_INSTRUMENTS if i["symbol"] == inst.symbol)
                self.listings[ev.instrument] = Listing(inst.symbol, spec["base"], spec["quote"])
            elif isinstance(ev, brokerx.Trade):
                lst = self.listings[ev.instrument]
                notional = ev.price * ev.qty
                buyer, seller = (
                    (ev.taker_account, ev.maker_account) if ev.aggressor == "buy" else (ev.maker_account, ev.taker_account)
                )
                self.credit(buyer, lst.base, ev.qty)
                self.credit(buyer, lst.quote, -notional)
                self.credit(seller, lst.base, -ev.qty)
                self.credit(seller, lst.quote, notional)

    def credit(self, account: int, asset: str, delta: Decimal) -> None:
        key = (account, asset)
        self.balances[key] = self.balances.get(key, Decimal(0)) + delta
        self.touched.add(key)

    def balances_of(self, account: int) -> dict[str, Decimal]:
        return {asset: amt for (acc, asset), amt in sorted(self.balances.items()) if acc == account}

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
        for key in sorted(self.touched):
            Balance.objects.update_or_create(account=key[0], asset=key[1], defaults={"amount": self.balances[key]})
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
    host = Host(engine=brokerx.Engine())
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
