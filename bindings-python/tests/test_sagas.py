"""The order and deposit sagas through Python: actions out, replies in."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import brokerx


def send(actions: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The fields of the one `Send` action of `kind` in `actions`."""
    (cmd,) = [a["Send"]["kind"][kind] for a in actions if "Send" in a and kind in a["Send"]["kind"]]
    return dict(cmd)


def test_order_saga_happy_path() -> None:
    r = brokerx.SagaRegistry(reply_timeout_ns=100)
    acts = r.start_order(1_000, 7, account=1, instrument=0, side="buy", qty=10, limit_price=500,
                         good_till=1_000_000, quote_per_tick_lot=2, maker_fee_bps=10, taker_fee_bps=25)
    reserve = send(acts, "ReserveFunds")
    assert reserve["amount"] == 10_000 + 25  # the Broker's hold: notional + the larger fee, rounded up
    hold = reserve["hold"]
    assert hold > 2**64  # 128-bit ids cross exactly
    order = send(r.advance(1_001, 7, "funds_reserved", hold=hold), "PlaceOrder")["order"]
    # The engine's client order id: the placement's idempotency id in 32 hex digits.
    assert order == f"{(7 << 64) | (2 << 56):032x}"
    r.advance(1_002, 7, "order_accepted", order=order)
    settle = send(r.advance(1_003, 7, "fill", order=order, trade=1, qty=10, price=490, aggressor="sell"),
                  "SettleTrade")
    assert settle["amount"] == 9_800 + 10  # resting buy hit by a sell: the maker fee
    send(r.advance(1_004, 7, "trade_settled", trade=1), "ReleaseFunds")
    (done,) = r.advance(1_005, 7, "funds_released", hold=hold)
    assert done["Complete"]["outcome"]["Order"]["Closed"]["filled"] == 10
    assert r.state(7) == ("settled", True) and r.live == 0
    with pytest.raises(brokerx.SagaError) as ei:
        r.advance(1_006, 7, "timer")
    assert ei.value.code == "saga_finished"
    r.remove_finished(7)
    assert len(r) == 0
    r.check_invariants()


def test_deposit_saga_redelivers_with_the_same_id_and_snapshots() -> None:
    r = brokerx.SagaRegistry(reply_timeout_ns=100)
    first = send(r.start_deposit(2_000, 9, account=1, amount=100), "RequestPayment")
    assert r.next_deadline() == 2_100
    again = r.on_time(2_100)
    assert send(again, "RequestPayment") == first  # same payment id: the provider deduplicates
    clone = pickle.loads(pickle.dumps(r))
    assert isinstance(clone, brokerx.SagaRegistry) and clone.snapshot() == r.snapshot()
    assert brokerx.SagaRegistry.restore(r.snapshot()).snapshot() == r.snapshot()
    credit = send(r.advance(2_200, 9, "payment_confirmed", payment=first["payment"]), "CreditAccount")
    assert credit["amount"] == 100


def test_saga_errors_are_typed() -> None:
    r = brokerx.SagaRegistry()
    with pytest.raises(brokerx.SagaError) as ei:
        r.advance(1, 99, "timer")
    assert ei.value.code == "unknown_saga"
    with pytest.raises(brokerx.SagaError) as ei:
        r.start_order(1, 1, account=1, instrument=0, side="buy", qty=10, limit_price=500, good_till=9,
                      quote_per_tick_lot=0)
    assert ei.value.code == "invalid_value"
    r.start_deposit(1, 2, account=1, amount=5)
    with pytest.raises(brokerx.SagaError) as ei:
        r.advance(2, 2, "fill", order="1", trade=1, qty=1, price=1)
    assert ei.value.code == "unexpected_input"
    with pytest.raises(ValueError):
        r.start_order(1, 3, account=1, instrument=0, side="long", qty=1, limit_price=1, good_till=9)  # type: ignore[arg-type]
    with pytest.raises(brokerx.SnapshotError):
        brokerx.SagaRegistry.restore(b"{}")


def test_unanswered_payment_cancel_is_escalated_once_and_listed() -> None:
    r = brokerx.SagaRegistry(reply_timeout_ns=100, backoff_max_ns=1_000, forward_deliveries_max=2,
                             escalate_after_deliveries=4)
    first = send(r.start_deposit(1_000, 5, account=1, amount=100), "RequestPayment")
    escalations = []
    for k in range(1, 30):
        escalations += [a["Escalate"] for a in r.on_time(1_000 + k * 1_000) if "Escalate" in a]
    (esc,) = escalations
    assert esc["saga"] == 5 and esc["command"]["delivery"] == 3
    assert "CancelPayment" in esc["command"]["kind"]
    ((saga, deliveries),) = r.stuck()
    assert saga == 5 and deliveries >= 4
    r.advance(40_000, 5, "payment_cancelled", payment=first["payment"])
    assert r.stuck() == []


def test_engine_rejection_carries_the_engine_reason() -> None:
    r = brokerx.SagaRegistry(reply_timeout_ns=100)
    hold = send(r.start_order(1_000, 3, account=1, instrument=0, side="buy", qty=1, limit_price=10,
                              good_till=1_000_000), "ReserveFunds")["hold"]
    order = send(r.advance(1_001, 3, "funds_reserved", hold=hold), "PlaceOrder")["order"]
    send(r.advance(1_002, 3, "order_rejected", order=order, reason="PostOnlyWouldCross"), "ReleaseFunds")
    (done,) = r.advance(1_003, 3, "funds_released", hold=hold)
    assert done["Complete"]["outcome"]["Order"] == {"Rejected": {"reason": {"Engine": {"reason": "PostOnlyWouldCross"}}}}
