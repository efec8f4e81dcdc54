"""The wallet ledger through Python: idempotent transfers, holds, errors, persistence."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

import brokerx

USD, BTC = 1, 2
BANK, ALICE, BOB = 0, 1, 2


@pytest.fixture
def led() -> brokerx.Ledger:
    L = brokerx.Ledger()
    L.create_asset(USD, "USD", 2, ts=1)
    L.create_asset(BTC, "BTC", 8, ts=1)
    for asset in (USD, BTC):
        L.create_account(BANK, asset, system=True, ts=1)
        L.create_account(ALICE, asset, ts=1)
        L.create_account(BOB, asset, ts=1)
    return L


def deposit(L: brokerx.Ledger, tid: int, owner: int, amount: str, asset: int = USD) -> brokerx.TransferResult:
    # At the ledger's own time: these tests pass explicit times (an omitted one is the wall clock).
    (r,) = L.submit([brokerx.Transfer.single(tid, (BANK, asset), (owner, asset), amount, 1)], ts=L.now)
    return r


def test_deposit_is_idempotent_by_transfer_id(led: brokerx.Ledger) -> None:
    assert deposit(led, 1, ALICE, "100.25").status == "ok"
    again = deposit(led, 1, ALICE, "100.25")
    assert (again.status, again.ok, again.succeeded) == ("exists", False, True)
    again.raise_for_status()  # an idempotent retry is not an error
    b = led.balance(ALICE, USD)
    assert b is not None and b.posted == Decimal("100.25") and b.available == Decimal("100.25")
    conflict = deposit(led, 1, ALICE, "100.26")
    assert conflict.status == "exists_with_different_amount"
    with pytest.raises(brokerx.IdempotencyConflict) as ei:
        conflict.raise_for_status()
    assert ei.value.code == "idempotency_conflict"


def test_insufficient_funds_is_a_status_and_raises_on_demand(led: brokerx.Ledger) -> None:
    deposit(led, 1, ALICE, "10")
    (r,) = led.submit([brokerx.Transfer.single(2, (ALICE, USD), (BOB, USD), "10.01", 3)])
    assert r.status == "insufficient_funds" and r.to_dict() == {"id": 2, "status": "insufficient_funds"}
    with pytest.raises(brokerx.InsufficientFunds) as ei:
        r.raise_for_status()
    assert ei.value.code == "insufficient_funds"
    (r,) = led.submit([brokerx.Transfer.single(3, (ALICE, USD), (ALICE, USD), "1", 3)])
    with pytest.raises(brokerx.TransferRefused) as refused:
        r.raise_for_status()
    assert refused.value.code == "accounts_must_be_different"


def test_hold_post_void_and_expiry(led: brokerx.Ledger) -> None:
    deposit(led, 1, ALICE, "100")
    led.submit([brokerx.Transfer.pending(10, (ALICE, USD), (BOB, USD), "40", timeout_ns=1_000)], ts=10)
    h = led.hold(10)
    assert h is not None and (h.state, h.amount, h.pending_amount, h.expires_at) == ("pending", Decimal("40.00"), Decimal("40.00"), 1_010)
    b = led.balance(ALICE, USD)
    assert b is not None and (b.posted, b.available, b.debits_pending) == (Decimal(100), Decimal(60), Decimal(40))
    assert [x.id for x in led.holds_of(ALICE, USD)] == [10]
    assert led.next_deadline() == 1_010
    (r,) = led.submit([brokerx.Transfer.post(11, 10, "15")], ts=10)
    assert r.ok
    h = led.hold(10)
    assert h is not None and (h.state, h.posted_amount, h.resolved_by) == ("posted", Decimal("15.00"), 11)
    led.submit([brokerx.Transfer.pending(12, (ALICE, USD), (BOB, USD), "5")], ts=10)
    # A resize keeps the hold (same id) and changes its amount; growth needs the funds.
    grow = brokerx.Transfer.resize(20, 12, "7.5")
    assert grow.kind == "resize" and grow.flags == brokerx.Transfer.RESIZE_PENDING
    assert led.submit([grow], ts=10)[0].ok
    h = led.hold(12)
    assert h is not None and (h.state, h.amount) == ("pending", Decimal("7.50"))
    (r,) = led.submit([brokerx.Transfer.resize(21, 12, "1000")], ts=10)
    assert r.status == "insufficient_funds"
    assert led.submit([brokerx.Transfer.resize(22, 12, "5")], ts=10)[0].ok
    assert led.submit([brokerx.Transfer.void(13, 12)], ts=10)[0].ok
    led.submit([brokerx.Transfer.pending(14, (ALICE, USD), (BOB, USD), "1", timeout_ns=5)], ts=20)
    assert led.on_time(25) == [14]
    h = led.hold(14)
    assert h is not None and h.state == "expired"
    assert led.totals(USD) == (Decimal("115.00"), Decimal("0.00"), 3)  # posted volume: deposit + settlement
    bob = led.balance(BOB, USD)
    assert bob is not None and bob.posted == Decimal(15)


def test_post_part_settles_part_of_a_hold_and_keeps_the_rest(led: brokerx.Ledger) -> None:
    deposit(led, 1, ALICE, "100")
    led.submit([brokerx.Transfer.pending(10, (ALICE, USD), (BOB, USD), "40")])
    part = brokerx.Transfer.post_part(11, 10, "15")
    assert part.kind == "post_part" and part.flags == brokerx.Transfer.POST_PART
    assert led.submit([part])[0].ok
    h = led.hold(10)
    assert h is not None and (h.state, h.amount, h.posted_amount, h.resolved_by) == ("pending", Decimal("25.00"), Decimal("15.00"), None)
    b = led.balance(ALICE, USD)
    assert b is not None and (b.posted, b.available) == (Decimal(85), Decimal(60))
    # All of what is left is a post, not a part of it.
    (r,) = led.submit([brokerx.Transfer.post_part(12, 10, "25")])
    assert r.status == "post_amount_exceeds_pending"
    assert led.submit([brokerx.Transfer.post(13, 10, "25")])[0].ok
    h = led.hold(10)
    assert h is not None and (h.state, h.posted_amount, h.resolved_by) == ("posted", Decimal("40.00"), 13)


def test_linked_chain_is_all_or_nothing(led: brokerx.Ledger) -> None:
    deposit(led, 1, ALICE, "10")
    rs = led.submit([
        brokerx.Transfer.single(2, (ALICE, USD), (BOB, USD), "5", 3, linked=True),
        brokerx.Transfer.single(3, (BOB, BTC), (ALICE, BTC), "0.1", 3),  # Bob has no BTC
    ])
    assert [r.status for r in rs] == ["linked_event_failed", "insufficient_funds"]
    b = led.balance(ALICE, USD)
    assert b is not None and b.posted == 10


@pytest.mark.parametrize(
    ("amount", "code"),
    [("0.001", "scale_exceeds_asset"), ("-1", "negative_amount"), ("1e40", "quantity_out_of_range")],
)
def test_amounts_that_do_not_fit_the_asset_raise(led: brokerx.Ledger, amount: str, code: str) -> None:
    with pytest.raises(brokerx.BrokerXError) as ei:
        deposit(led, 1, ALICE, amount)
    assert ei.value.code == code
    with pytest.raises(TypeError, match="float"):
        brokerx.Transfer.single(1, (BANK, USD), (ALICE, USD), 1.5)  # type: ignore[arg-type]


def test_amount_minor_is_exact(led: brokerx.Ledger) -> None:
    (r,) = led.submit([brokerx.Transfer.single(1, (BANK, BTC), (ALICE, BTC), amount_minor=1)])
    assert r.ok
    b = led.balance(ALICE, BTC)
    assert b is not None and b.posted == Decimal("0.00000001") and b.to_minor()["posted"] == 1
    with pytest.raises(ValueError):
        brokerx.Transfer.single(2, (BANK, BTC), (ALICE, BTC), "1", amount_minor=1)


def test_setup_errors_are_typed(led: brokerx.Ledger) -> None:
    with pytest.raises(brokerx.InvalidAccount) as ei:
        led.create_asset(USD, "USD", 2)
    assert ei.value.code == "asset_exists"
    with pytest.raises(brokerx.InvalidAccount) as ei:
        led.create_account(ALICE, USD)
    assert ei.value.code == "account_exists"
    with pytest.raises(brokerx.InvalidAccount):
        led.create_asset(0, "X", 2)
    with pytest.raises(brokerx.TimeWentBackwards) as tw:
        led.submit([], ts=0)
    assert tw.value.code == "time_went_backwards"
    assert led.balance(99, USD) is None and led.hold(12345) is None


def test_limits_from_the_constructor() -> None:
    L = brokerx.Ledger(transfer_limits=[(1, USD, 1_000)], daily_limits=[(2, USD, "debit", 500)])
    L.create_asset(USD, "USD", 2)
    L.create_account(BANK, USD, system=True)
    L.create_account(ALICE, USD, max_balance="20")
    assert deposit(L, 1, ALICE, "10.01").status == "exceeds_transfer_limit"
    assert deposit(L, 2, ALICE, "10").ok and deposit(L, 3, ALICE, "10").ok
    assert deposit(L, 5, ALICE, "0.01").status == "exceeds_max_balance"
    (r,) = L.submit([brokerx.Transfer.single(4, (ALICE, USD), (BANK, USD), "5.01", 2)])
    assert r.status == "exceeds_daily_limit"
    with pytest.raises(ValueError):
        brokerx.Ledger(daily_limits=[(2, USD, "sideways", 1)])  # type: ignore[list-item]


def test_snapshot_journal_replay_and_pickle(led: brokerx.Ledger) -> None:
    deposit(led, 1, ALICE, "100")
    led.submit([brokerx.Transfer.pending(2, (ALICE, USD), (BOB, USD), "1", timeout_ns=50)], ts=5)
    h = led.state_hash()
    assert brokerx.Ledger.restore(led.snapshot()).state_hash() == h
    assert brokerx.Ledger.replay(led.journal()).state_hash() == h
    clone = pickle.loads(pickle.dumps(led))
    assert isinstance(clone, brokerx.Ledger) and clone.state_hash() == h and clone.next_deadline() == 55
    assert led.journal_len == 10 and led.entries_of(ALICE, USD) == 3  # opened, deposit, hold
    with pytest.raises(brokerx.SnapshotError):
        brokerx.Ledger.restore(b"{}")
    led.check_invariants()


def test_transfer_objects_are_frozen_values() -> None:
    t = brokerx.Transfer.pending(7, (1, 2), (3, 2), "1.5", timeout_ns=9, user_data=42, linked=True)
    assert (t.id, t.kind, t.debit, t.credit, t.amount, t.amount_minor) == (7, "pending", (1, 2), (3, 2), Decimal("1.5"), None)
    assert (t.timeout_ns, t.user_data, t.linked, t.code) == (9, 42, True, 5)
    assert t.flags == brokerx.Transfer.PENDING | brokerx.Transfer.LINKED
    assert t == brokerx.Transfer.pending(7, (1, 2), (3, 2), "1.5", timeout_ns=9, user_data=42, linked=True)
    assert repr(t).startswith("Transfer.pending(id=7")
    v = brokerx.Transfer.void(8, 7)
    assert (v.kind, v.debit, v.pending_id) == ("void", None, 7)
    with pytest.raises(AttributeError):
        t.id = 1  # type: ignore[misc]
