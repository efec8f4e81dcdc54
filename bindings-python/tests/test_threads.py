"""One Engine shared by threads: calls are serialized by the engine's lock, never crash."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Literal

import brokerx


def test_two_threads_hammering_one_engine_serialize_cleanly() -> None:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1")
    errors: list[BaseException] = []
    n = 3_000

    def per_call(account: int) -> None:
        try:
            for i in range(n):
                evs = e.place(account, 0, "buy" if i % 2 else "sell", f"{100 + i % 5}", 1 + i % 3)
                a = evs[0]
                if isinstance(a, brokerx.Accepted) and e.order(a.order_id) is not None and i % 3 == 0:
                    try:
                        e.cancel(account, a.order_id)
                    except brokerx.UnknownOrder:
                        pass  # filled by the other thread in between
                e.bbo(0)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    def batches(account: int) -> None:
        try:
            for _ in range(10):
                cmds = [brokerx.Place(account, 0, "buy" if i % 2 else "sell", f"{100 + i % 5}", 1) for i in range(500)]
                b = e.submit_many(cmds)  # >= 256 commands: runs with the GIL released
                assert not b.errors
        except BaseException as err:  # pragma: no cover
            errors.append(err)

    threads = [threading.Thread(target=per_call, args=(1,)), threading.Thread(target=per_call, args=(2,)),
               threading.Thread(target=batches, args=(3,)), threading.Thread(target=batches, args=(4,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    e.check_invariants()
    # every event number was handed out exactly once
    assert e.last_seq > 2 * n


def test_events_and_views_outlive_the_engine() -> None:
    e = brokerx.Engine()
    e.register_instrument("ACME", "0.01", "1")
    batch = e.submit_many([brokerx.Place(1, 0, "buy", "1", 1)] * 300)
    del e
    assert len(batch) > 300 and isinstance(batch[0], brokerx.Accepted)


def test_broker_and_ledger_shared_by_threads_stay_consistent() -> None:
    b = brokerx.Broker()
    b.create_asset(1, "USD", 2)
    b.create_asset(2, "ACME", 0)
    b.register_market("ACME/USD", "0.01", "1", 2, 1, risk=brokerx.InstrumentRisk(collar_bps=None))
    led = brokerx.Ledger()
    led.create_asset(1, "USD", 2)
    led.create_account(0, 1, system=True)
    errors: list[BaseException] = []

    def trader(account: int) -> None:
        try:
            b.deposit(account, 1, "100000", f"dep-{account}")
            b.deposit(account, 2, "1000", f"stock-{account}")
            led.create_account(account, 1)
            for i in range(500):
                side: Literal["buy", "sell"] = "buy" if (i + account) % 2 else "sell"
                b.place(account, 0, side, f"{100 + i % 3}", 1)
                led.submit([brokerx.Transfer.single(account * 10_000 + i + 1, (0, 1), (account, 1), "0.01")])
        except BaseException as err:  # pragma: no cover
            errors.append(err)

    threads = [threading.Thread(target=trader, args=(a,)) for a in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    b.check_invariants()
    led.check_invariants()
    for a in (1, 2, 3):
        bal = led.balance(a, 1)
        assert bal is not None and bal.posted == Decimal("5.00")
