"""The in-process Broker and how it meets the database.

One ``brokerx.Broker`` (order books + pre-trade risk + wallet ledger) per
process, behind one lock. Every state change goes:

    lock → (DB transaction: broker call → journal row (operation + events)
            → read models) → unlock

so the journal order is the apply order and an operation's events are committed
together with it (the journal is also the outbox: ``published=False`` rows are
what a relay would publish). If the transaction fails after the Broker applied
the operation, the Broker is rebuilt from the journal, which no longer holds it.

At start-up (first use) the Broker is rebuilt by replaying the journal's
operations in order with their recorded timestamps; ``brokerx`` is deterministic,
so the same operations give the same book, order ids, holds, balances and
``state_hash``. Nothing here decides anything about money or orders: the Broker
does (risk checks, a funds hold per order, settlement per fill, idempotent
deposits by key).
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

from .models import Balance, JournalEntry, Snapshot, TradeRecord

#: Ledger owner ids at or above this belong to the Broker's own books.
RESERVED_OWNERS_FROM = brokerx.RESERVED_OWNERS_FROM

#: A journaled operation: the Broker method and its JSON arguments.
Operation = dict[str, Any]


def apply_operation(broker: brokerx.Broker, op: Operation) -> list[brokerx.BrokerEvent]:
    """Calls the Broker for one journaled operation (the same code path at
    request time and at replay, so both produce the same events)."""
    name, args = op["op"], dict(op["args"])
    ts, corr = int(op["ts"]), int(op["correlation_id"])
    if name == "create_asset":
        return broker.create_asset(args["asset"], args["code"], args["scale"], ts=ts, correlation_id=corr)
    if name == "register_market":
        risk = brokerx.InstrumentRisk(**args.pop("risk"))
        return broker.register_market(
            args["symbol"], args["tick_size"], args["lot_size"], args["base"], args["quote"], risk=risk,
            ts=ts, correlation_id=corr,
        )
    if name == "deposit":
        return broker.deposit(args["account"], args["asset"], args["amount"], args["key"], ts=ts, correlation_id=corr)
    if name == "withdraw":
        return broker.withdraw(args["account"], args["asset"], args["amount"], args["key"], ts=ts, correlation_id=corr)
    if name == "place":
        return broker.place(
            args["account"], args["symbol"], args["side"], args["price"], args["qty"],
            time_in_force=args.get("time_in_force"), post_only=bool(args.get("post_only", False)),
            client_order_id=args.get("client_order_id"), ts=ts, correlation_id=corr,
        )
    if name == "amend":
        return broker.amend(
            args["account"], args["order_id"], price=args.get("price"), qty=args.get("qty"),
            expected_version=args.get("expected_version"), ts=ts, correlation_id=corr,
        )
    if name == "cancel":
        return broker.cancel(args["account"], args["order_id"], ts=ts, correlation_id=corr)
    raise ValueError(f"unknown journaled operation {name!r}")


def run_operation(
    broker: brokerx.Broker, op: Operation
) -> tuple[list[brokerx.BrokerEvent], brokerx.BrokerXError | None]:
    """As ``apply_operation``, but a refusal the Broker journaled (a refused
    deposit or withdrawal raises carrying ``.events``) comes back with its
    events instead of raising: it changed the Broker, so it must be journaled."""
    try:
        return apply_operation(broker, op), None
    except brokerx.BrokerXError as e:
        events: list[brokerx.BrokerEvent] | None = getattr(e, "events", None)
        if events is None:
            raise
        return list(events), e


@dataclass
class Host:
    broker: brokerx.Broker
    assets: dict[str, int] = field(default_factory=dict)  # code -> ledger asset id
    symbols: dict[int, str] = field(default_factory=dict)  # instrument id -> symbol
    next_correlation_id: int = 1
    #: Journal entries replayed at start-up (after the snapshot, if any).
    replayed: int = 0

    def clock(self) -> int:
        """Host time in ns, never behind the Broker's (it refuses time going back)."""
        return max(time.time_ns(), self.broker.now)

    def correlation_id(self) -> int:
        c = self.next_correlation_id
        self.next_correlation_id += 1
        return c

    def operation(self, op: str, **args: Any) -> Operation:
        return {"op": op, "args": args, "ts": self.clock(), "correlation_id": self.correlation_id()}

    def observe(self, events: Iterable[brokerx.BrokerEvent]) -> None:
        for ev in events:
            if isinstance(ev, brokerx.MarketRegistered):
                spec = settings.BROKERX_INSTRUMENTS[ev.instrument]
                self.symbols[ev.instrument] = str(spec["symbol"])

    def balances_of(self, account: int) -> dict[str, dict[str, Decimal]]:
        return {
            code: {"balance": self.broker.balance(account, asset), "available": self.broker.available(account, asset)}
            for code, asset in sorted(self.assets.items())
        }

    # ---- the write path ----------------------------------------------------

    def journal(
        self, op: Operation
    ) -> tuple[JournalEntry, list[brokerx.BrokerEvent], brokerx.BrokerXError | None]:
        """Applies and journals one operation inside the caller's transaction.

        Raises whatever the Broker raises (``brokerx.BrokerXError``) before
        anything is written: such an error changes nothing anywhere. A refusal
        the Broker journaled is written like any operation and returned third.
        """
        events, refusal = run_operation(self.broker, op)
        self.observe(events)
        entry = JournalEntry.objects.create(
            kind=JournalEntry.KIND_COMMAND,
            correlation_id=int(op["correlation_id"]),
            command=op,
            events=[e.to_dict() for e in events],
        )
        codes = {v: k for k, v in self.assets.items()}
        touched: set[tuple[int, int]] = set()
        for e in events:
            if isinstance(e, brokerx.Posting):
                touched.update(k for k in (e.debit, e.credit) if k[0] < RESERVED_OWNERS_FROM)
            elif isinstance(e, brokerx.FundsMoved):
                touched.add((e.account, e.asset))
        for owner, asset in sorted(touched):
            Balance.objects.update_or_create(
                account=owner, asset=codes[asset], defaults={"amount": self.broker.balance(owner, asset)}
            )
        TradeRecord.objects.bulk_create(
            TradeRecord(
                trade_id=e.trade_id,
                symbol=self.symbols[e.instrument],
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
        return entry, events, refusal


_lock = threading.RLock()
_host: Host | None = None


def _build() -> Host:
    """Restores the latest snapshot (if any) and replays the journal after it;
    lists assets and markets on first boot."""
    snap = Snapshot.objects.order_by("-id").first()
    after = 0
    if snap is not None:
        host = Host(broker=brokerx.Broker.restore(bytes(snap.data)))
        after = snap.journal_id
        last = JournalEntry.objects.filter(id__lte=after).order_by("-correlation_id").first()
        host.next_correlation_id = (last.correlation_id + 1) if last is not None else 1
    else:
        host = Host(broker=brokerx.Broker())
    specs: list[dict[str, Any]] = settings.BROKERX_ASSETS
    markets: list[dict[str, Any]] = settings.BROKERX_INSTRUMENTS
    host.assets = {str(a["code"]): int(a["id"]) for a in specs}
    first_boot = not JournalEntry.objects.exists()
    if not first_boot:
        host.symbols = {i: str(m["symbol"]) for i, m in enumerate(markets)}
    host.replayed = 0
    for op, corr in JournalEntry.objects.filter(id__gt=after).order_by("id").values_list("command", "correlation_id"):
        run_operation(host.broker, op)  # a journaled refusal refuses again, identically
        host.next_correlation_id = max(host.next_correlation_id, corr + 1)
        host.replayed += 1
    if first_boot:
        with transaction.atomic():
            for a in specs:
                host.journal(host.operation("create_asset", asset=int(a["id"]), code=str(a["code"]), scale=int(a["scale"])))
            for m in markets:
                host.journal(host.operation(
                    "register_market", symbol=m["symbol"], tick_size=m["tick_size"], lot_size=m["lot_size"],
                    base=host.assets[m["base"]], quote=host.assets[m["quote"]], risk=dict(m["risk"]),
                ))
    return host


class Locked:
    """``with Locked() as host:`` — the process's Broker, exclusively."""

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


def submit(make: Callable[[Host], Operation]) -> tuple[JournalEntry, list[brokerx.BrokerEvent]]:
    """Applies and journals one operation atomically: Broker, journal and read
    models move together or not at all. ``make`` builds the operation under the
    lock, so it can take the host's clock and next correlation id.

    A refusal the Broker journaled (``InsufficientFunds``, ``LimitExceeded`` on
    a withdrawal or deposit) is committed with its events, then raised."""
    global _host
    with Locked() as host:
        op = make(host)
        try:
            with transaction.atomic():
                entry, events, refusal = host.journal(op)
        except brokerx.BrokerXError:
            raise  # the Broker refused: nothing changed anywhere
        except BaseException:
            # The Broker may have applied the operation but the transaction did
            # not commit: rebuild from the journal, which does not hold it.
            _host = None
            raise
        if refusal is not None:
            refusal.journal_id = entry.id  # type: ignore[attr-defined]
            raise refusal
        return entry, events


def take_snapshot() -> Snapshot:
    """Stores the Broker's state as of the last journal entry (under the lock, so
    no operation is half-journaled)."""
    with Locked() as host:
        last = JournalEntry.objects.order_by("-id").first()
        return Snapshot.objects.create(
            journal_id=last.id if last is not None else 0,
            state_hash=str(host.broker.state_hash()),
            data=host.broker.snapshot(),
        )


def shutdown() -> None:
    """Drops the in-process Broker; the next use rebuilds it from the journal."""
    global _host
    with _lock:
        _host = None
