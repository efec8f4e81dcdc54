"""The Python surface is consistent (issue 24, item 8): refused funds raise their
typed exception with the journaled event, one exception class per code, type
errors name the argument, depth() is the whole book by default, quantity is
checked before price, the reserved owner ids are constants, and every public
member has a docstring."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import brokerx
from brokerx import _native

USD, ACME = 1, 2


def broker(**asset: object) -> brokerx.Broker:
    b = brokerx.Broker()
    b.create_asset(USD, "USD", 2, ts=1, **asset)  # type: ignore[arg-type]
    b.create_asset(ACME, "ACME", 0, ts=1)
    b.register_market("ACME/USD", "0.01", "1", ACME, USD, risk=brokerx.InstrumentRisk(reference_price="100"), ts=2)
    return b


def test_a_deposit_past_the_wallet_cap_raises_limit_exceeded_with_its_journaled_event() -> None:
    b = broker(wallet_max_balance="100")
    b.deposit(7, USD, "60", "a", ts=3)
    with pytest.raises(brokerx.LimitExceeded) as ei:
        b.deposit(7, USD, "50", "b", ts=4)
    e = ei.value
    assert isinstance(e, brokerx.TransferRefused) and e.code == "exceeds_max_balance"
    assert "deposit of 50.00 (asset 1) for account 7 refused: exceeds_max_balance" in str(e)
    assert isinstance(e.event, brokerx.FundsMoved) and e.event.status == "exceeds_max_balance" and not e.event.replayed
    assert e.event.seq == b.last_seq and e.event.ts == 4 and e.events == [e.event]
    assert b.balance(7, USD) == Decimal("60")
    # The refusal is the key's answer: a retry raises the same, replayed.
    with pytest.raises(brokerx.LimitExceeded) as again:
        b.deposit(7, USD, "50", "b", ts=5)
    assert again.value.event.replayed and again.value.event.key == e.event.key


def test_a_refused_transfer_in_the_ledger_raises_the_same_class_for_the_same_code() -> None:
    led = brokerx.Ledger()
    led.create_asset(1, "USD", 2)
    led.create_account(1, 1)
    led.create_account(2, 1)
    (r,) = led.submit([brokerx.Transfer(10, debit=(1, 1), credit=(2, 1), amount="5", code=1)])
    with pytest.raises(brokerx.InsufficientFunds) as ei:
        r.raise_for_status()
    assert ei.value.code == "insufficient_funds"


def test_zero_and_negative_amounts_raise_the_same_class() -> None:
    b = broker()
    seq = b.last_seq
    for amount in ("0", "-1", "0.00", 0):
        for call in (b.deposit, b.withdraw):
            with pytest.raises(brokerx.InvalidAmount):
                call(7, USD, amount, f"z-{amount}", ts=3)
    with pytest.raises(brokerx.InvalidAccount) as unknown:
        b.deposit(7, 99, "1", "u", ts=3)
    assert unknown.value.code == "unknown_asset"
    with pytest.raises(brokerx.InvalidAccount) as reserved:
        b.deposit(brokerx.RESERVED_OWNERS_FROM, USD, "1", "r", ts=3)
    assert reserved.value.code == "reserved_account"
    assert b.last_seq == seq  # refused before anything changed


def test_type_errors_name_the_argument() -> None:
    b = broker()
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1", ts=1)
    bad: Any = 1.5  # what a caller without a type checker passes
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: b.place(7, 0, "buy", bad, 1), "argument 'price'"),
        (lambda: b.place(7, 0, "buy", "1", bad), "argument 'qty'"),
        (lambda: b.deposit(7, USD, bad, "k"), "argument 'amount'"),
        (lambda: e.place(1, 0, "buy", "1", "1", ts=bad), "argument 'ts'"),
        (lambda: e.place(1, 0, "buy", "1", "1", time_in_force="gtd", expire_at=bad), "argument 'expire_at'"),
        (lambda: e.amend(1, 1, qty=bad), "argument 'qty'"),
        (lambda: brokerx.InstrumentRisk(reference_price=bad), "argument 'reference_price'"),
        (lambda: e.on_time(bad), "argument 'now'"),
    ]
    for call, named in cases:
        with pytest.raises(TypeError, match=named):
            call()


def test_quantity_is_checked_before_price_as_in_the_core() -> None:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1", ts=1)
    b = broker()
    for place in (e.place, b.place):
        with pytest.raises(brokerx.InvalidOrder) as ei:
            place(1, 0, "buy", "1.001", "0.5", ts=5)
        assert ei.value.code == "off_lot"
    with pytest.raises(TypeError, match="argument 'qty'"):
        e.place(1, 0, "buy", 1.5, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="argument 'qty'"):
        brokerx.Place(1, 0, "buy", 1.5, 1.5)  # type: ignore[arg-type]
    (acc,) = [ev for ev in e.place(1, 0, "buy", "1", "2", ts=6) if isinstance(ev, brokerx.Accepted)]
    with pytest.raises(brokerx.InvalidOrder) as amend:
        e.amend(1, acc.order_id, price="1.001", qty="0.5", ts=7)
    assert amend.value.code == "off_lot"


def test_depth_is_the_whole_book_unless_a_depth_is_given() -> None:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1", ts=1)
    b = broker()
    b.deposit(7, USD, "100000", "d", ts=3)
    for i in range(15):
        e.place(1, 0, "buy", str(10 + i), "1", ts=2 + i)
        b.place(7, 0, "buy", str(95 + i * Decimal("0.5")), "1", ts=4 + i)
    for book in (e, b):
        levels = book.depth(0, "buy")
        assert len(levels) == 15 and levels[0].price > levels[-1].price
        assert len(book.depth(0, "buy", 3)) == 3 and book.depth(0, "buy", 3) == levels[:3]
        assert book.depth(0, "sell") == []


def test_reserved_owner_ids_are_module_constants() -> None:
    assert brokerx.EXTERNAL_OWNER == 2**64 - 1
    assert brokerx.FEES_OWNER == 2**64 - 2
    assert brokerx.ESCROW_OWNER == 2**64 - 3
    assert brokerx.RESERVED_OWNERS_FROM == 2**64 - 16
    b = broker()
    b.deposit(7, USD, "5", "k", ts=3)
    (posting,) = [ev for ev in b.deposit(8, USD, "5", "k2", ts=4) if isinstance(ev, brokerx.Posting)]
    assert posting.debit == (brokerx.EXTERNAL_OWNER, USD) and posting.credit == (8, USD)


def public_members() -> list[tuple[str, object]]:
    """Every public class, function and constant's owner in ``brokerx._native``,
    and every public method, property and getter of its classes."""
    out: list[tuple[str, object]] = []
    for name, obj in vars(_native).items():
        if name.startswith("_") or not (inspect.isclass(obj) or callable(obj)):
            continue
        out.append((name, obj))
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            out.extend((f"{name}.{attr}", m) for attr, m in vars(obj).items() if not attr.startswith("_"))
    return out


def test_every_public_member_has_a_docstring() -> None:
    members = public_members()
    assert len(members) > 300  # the walk really reaches the getters
    missing = [name for name, obj in members if not (getattr(obj, "__doc__", None) or "").strip()]
    assert missing == []
    assert "resting order's price" in (_native.Trade.price.__doc__ or "")  # a class-specific one
