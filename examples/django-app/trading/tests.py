"""The brokerage API end to end, including a restart that rebuilds from the journal."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import brokerx
from django.core.management import call_command
from django.test import Client, TestCase

from . import host
from .models import Balance, JournalEntry, TradeRecord


class BrokerageTests(TestCase):
    def setUp(self) -> None:
        host.shutdown()  # each test starts from its (empty) database
        self.c = Client()

    def tearDown(self) -> None:
        host.shutdown()

    # ---- helpers ---------------------------------------------------------

    def call(self, method: str, url: str, account: int, data: Any = None, **headers: str) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"content_type": "application/json", "HTTP_X_ACCOUNT_ID": str(account)}
        for k, v in headers.items():
            kwargs["HTTP_" + k.upper().replace("-", "_")] = v
        body = json.dumps(data) if data is not None else None
        r = getattr(self.c, method)(f"/api/{url}", body, **kwargs) if body is not None else getattr(self.c, method)(f"/api/{url}", **kwargs)
        return r.status_code, r.json()

    def place(self, account: int, side: str, price: str | None, qty: str, **extra: Any) -> tuple[int, Any]:
        return self.call("post", "orders", account, {"symbol": "BTC-USD", "side": side, "price": price, "qty": qty, **extra})

    def deposit(self, account: int, asset: str, amount: str, key: str) -> tuple[int, Any]:
        return self.call("post", "deposits", account, {"asset": asset, "amount": amount}, Idempotency_Key=key)

    def balances(self, account: int) -> dict[str, Decimal]:
        status, body = self.call("get", "balances", account)
        self.assertEqual(status, 200)
        return {k: Decimal(v["balance"]) for k, v in body["balances"].items() if Decimal(v["balance"])}

    def snapshot_state(self) -> dict[str, Any]:
        with host.Locked() as h:
            return {
                "hash": h.broker.state_hash(),
                "bids": [lv.to_dict() for lv in h.broker.depth("BTC-USD", "buy", 100)],
                "asks": [lv.to_dict() for lv in h.broker.depth("BTC-USD", "sell", 100)],
                "balances": {a: h.balances_of(a) for a in (1, 2, 3)},
                "next_corr": h.next_correlation_id,
            }

    # ---- deposits --------------------------------------------------------

    def test_deposit_is_idempotent_per_key(self) -> None:
        s1, b1 = self.deposit(1, "USD", "1000.50", "k-1")
        s2, b2 = self.deposit(1, "USD", "1000.50", "k-1")
        self.assertEqual((s1, s2), (201, 201))
        self.assertEqual(b1, b2)
        self.assertEqual(self.balances(1), {"USD": Decimal("1000.50")})
        self.assertEqual(JournalEntry.objects.filter(command__op="deposit").count(), 1)

    def test_reusing_a_key_for_another_request_is_a_conflict(self) -> None:
        self.deposit(1, "USD", "10", "k-1")
        status, body = self.deposit(1, "USD", "11", "k-1")
        self.assertEqual((status, body["error"]), (409, "idempotency_conflict"))
        self.assertEqual(self.deposit(2, "USD", "11", "k-1")[0], 201)  # keys are per account

    def test_deposit_needs_key_and_positive_amount(self) -> None:
        status, body = self.call("post", "deposits", 1, {"asset": "USD", "amount": "5"})
        self.assertEqual((status, body["error"]), (400, "idempotency_key_required"))
        for amount in ("-1", "0", "NaN", "abc"):
            status, body = self.deposit(1, "USD", amount, f"k-{amount}")
            self.assertEqual((status, body["error"]), (400, "invalid_amount"))
        status, body = self.deposit(1, "USD", "0.0000001", "k-scale")  # finer than the asset's 6 places
        self.assertEqual((status, body["error"]), (400, "scale_exceeds_asset"))
        status, body = self.deposit(1, "DOGE", "1", "k-doge")
        self.assertEqual((status, body["error"]), (400, "unknown_asset"))

    # ---- orders ----------------------------------------------------------

    def test_place_match_and_settle(self) -> None:
        self.deposit(1, "BTC", "2", "a")
        self.deposit(2, "USD", "100000", "b")
        status, sell = self.place(1, "sell", "30000.00", "0.5")
        self.assertEqual(status, 201)
        status, buy = self.place(2, "buy", "30100", "0.2")
        self.assertEqual(status, 201)
        kinds = [e["type"] for e in buy["events"]]
        self.assertIn("Trade", kinds)
        self.assertEqual(self.balances(1), {"BTC": Decimal("1.8"), "USD": Decimal("6000")})
        self.assertEqual(self.balances(2), {"BTC": Decimal("0.2"), "USD": Decimal("94000")})
        self.assertEqual(Balance.objects.get(account=2, asset="BTC").amount, Decimal("0.2"))
        status, book = self.call("get", "book/BTC-USD", 1)
        self.assertEqual(book["asks"], [{"price": "30000", "qty": "0.3", "orders": 1}])
        status, tr = self.call("get", "trades/BTC-USD", 1)
        self.assertEqual(tr["trades"][0]["price"], "30000")
        self.assertEqual(TradeRecord.objects.count(), 1)
        # every command and its events are in the journal (the outbox)
        last = JournalEntry.objects.last()
        assert last is not None
        self.assertEqual(last.command["op"], "place")
        self.assertEqual([e["type"] for e in last.events], kinds)
        self.assertFalse(last.published)

    def test_json_numbers_are_decimals_not_floats(self) -> None:
        self.deposit(1, "USD", "10", "a")
        r = self.c.post("/api/orders", '{"symbol": "BTC-USD", "side": "buy", "price": 30000.10, "qty": 0.0001}',
                        content_type="application/json", HTTP_X_ACCOUNT_ID="1")
        self.assertEqual(r.status_code, 201)
        accepted = [e for e in r.json()["events"] if e["type"] == "Accepted"]
        self.assertEqual(accepted[0]["price"], "30000.1")

    def test_invalid_orders_map_to_400_with_the_engine_code(self) -> None:
        for price, qty, code in [("1.001", "1", "off_tick"), ("1", "0.00001", "off_lot"), ("NaN", "1", "invalid_decimal"),
                                 ("-1", "1", "invalid_price")]:
            status, body = self.place(1, "buy", price, qty)
            self.assertEqual((status, body["error"]), (400, code))
        status, body = self.place(1, "long", "1", "1")
        self.assertEqual((status, body["error"]), (400, "invalid_argument"))
        status, body = self.call("post", "orders", 1, {"symbol": "NOPE", "side": "buy", "price": "1", "qty": "1"})
        self.assertEqual((status, body["error"]), (404, "unknown_instrument"))
        self.assertFalse(JournalEntry.objects.filter(command__op="place").exists())

    def test_refusals_are_journaled_events(self) -> None:
        self.deposit(1, "BTC", "1", "a")
        self.deposit(2, "USD", "100000", "b")
        self.place(1, "sell", "30000", "1")
        status, body = self.place(2, "buy", "30000", "1", post_only=True)
        self.assertEqual(status, 200)
        self.assertIsNone(body["order_id"])
        self.assertIn("post_only_would_cross", [e.get("reason") for e in body["events"]])
        # pre-trade risk: not enough cash, price outside the collar
        status, body = self.place(2, "buy", "30000", "10")
        self.assertEqual((status, body["events"][0]["type"], body["events"][0]["reason"]), (200, "RiskRejected", "insufficient_funds"))
        # in dollars, as the client sent them: 10 BTC at 30000 against 100000.00 deposited
        self.assertEqual(Decimal(body["events"][0]["context"]["available"]), Decimal("100000"))
        status, body = self.place(2, "buy", "100", "0.1")
        self.assertEqual(body["events"][0]["reason"], "price_outside_collar")
        self.assertEqual(JournalEntry.objects.filter(command__op="place").count(), 4)

    def test_amend_with_version_and_cancel(self) -> None:
        self.deposit(1, "USD", "100000", "a")
        _, placed = self.place(1, "buy", "30000", "1")
        oid = placed["order_id"]
        status, body = self.call("patch", f"orders/{oid}", 1, {"qty": "0.5", "version": 0})
        self.assertEqual(status, 200)
        self.assertIn("Amended", [e["type"] for e in body["events"]])
        status, body = self.call("patch", f"orders/{oid}", 1, {"qty": "0.4", "version": 0})
        self.assertEqual((status, body["error"]), (409, "stale_version"))
        status, body = self.call("patch", f"orders/{oid}", 1, {"qty": "0.4"})
        self.assertEqual((status, body["error"]), (400, "version_required"))
        status, o = self.call("get", f"orders/{oid}", 1)
        self.assertEqual((o["version"], o["qty"]), (1, "0.5"))
        self.assertEqual(Decimal(o["hold"]), Decimal("15000"))  # the hold was resized with the order
        self.assertEqual(self.balances(1), {"USD": Decimal("100000")})
        status, body = self.call("get", "balances", 1)
        self.assertEqual(Decimal(body["balances"]["USD"]["available"]), Decimal("85000"))
        self.assertEqual(self.call("delete", f"orders/{oid}", 2)[1]["error"], "order_not_owned")
        status, body = self.call("delete", f"orders/{oid}", 1)
        self.assertEqual(status, 200)
        self.assertIn("Cancelled", [e["type"] for e in body["events"]])
        status, body = self.call("delete", f"orders/{oid}", 1)
        self.assertEqual((status, body["error"]), (404, "unknown_order"))

    def test_missing_account_header_is_401(self) -> None:
        r = self.c.get("/api/balances")
        self.assertEqual((r.status_code, r.json()["error"]), (401, "account_required"))

    # ---- restart ------------------------------------------------------------

    def test_restart_rebuilds_the_same_book_balances_and_state(self) -> None:
        self.deposit(1, "BTC", "5", "a")
        self.deposit(2, "USD", "1000000", "b")
        for i in range(20):
            self.place(1, "sell", f"{30000 + i * 5}.00", "0.25", client_order_id=f"s-{i}")
            self.place(2, "buy", f"{29990 + i * 3}", "0.1")
        _, big = self.place(2, "buy", "30040", "1.3")
        self.call("patch", "orders/2", 2, {"price": "29999", "version": 0})
        self.call("delete", "orders/4", 2)
        before = self.snapshot_state()
        self.assertTrue(before["asks"] and before["bids"])

        host.shutdown()  # the process restarts: only the database survives
        after = self.snapshot_state()
        self.assertEqual(before, after)
        with host.Locked() as h:
            h.broker.check_invariants()
            db = {(b.account, b.asset): b.amount for b in Balance.objects.all()}
            self.assertEqual(db, {(a, code): v["balance"] for a in (1, 2) for code, v in h.balances_of(a).items()
                                  if (a, code) in db})
            self.assertEqual(len(db), 4)

        # and it keeps working: the next order id continues the sequence
        _, placed = self.place(2, "buy", "29000", "0.01")
        self.assertEqual(placed["order_id"], big["order_id"] + 1)

    def test_restart_from_a_snapshot_replays_only_the_tail(self) -> None:
        self.deposit(1, "BTC", "5", "a")
        self.deposit(2, "USD", "1000000", "b")
        self.place(1, "sell", "30000", "1")
        snap = host.take_snapshot()
        self.place(2, "buy", "30000", "0.4")
        self.place(1, "sell", "30010", "1")
        before = self.snapshot_state()
        host.shutdown()
        after = self.snapshot_state()
        self.assertEqual(before, after)
        with host.Locked() as h:
            self.assertEqual(h.replayed, 2)
        self.assertGreater(snap.journal_id, 0)
        call_command("snapshot", stdout=io.StringIO())
        host.shutdown()
        self.assertEqual(self.snapshot_state(), before)

    def test_failed_transaction_rebuilds_the_engine_from_the_journal(self) -> None:
        self.deposit(1, "BTC", "5", "a")
        self.place(1, "sell", "30000", "1")
        before = self.snapshot_state()

        def boom(h: host.Host) -> host.Operation:
            return h.operation("place", account=1, symbol="BTC-USD", side="sell", price="30001", qty="1")

        original = JournalEntry.objects.create

        def failing_create(**kwargs: Any) -> JournalEntry:
            raise RuntimeError("disk full")

        JournalEntry.objects.create = failing_create  # type: ignore[method-assign]
        try:
            with self.assertRaises(RuntimeError):
                host.submit(boom)
        finally:
            JournalEntry.objects.create = original  # type: ignore[method-assign]
        after = self.snapshot_state()
        self.assertEqual(before["asks"], after["asks"])
        self.assertEqual(before["hash"], after["hash"])

    # ---- API consistency (issue 24, item 8) -------------------------------

    def test_integers_that_may_pass_2_53_are_strings(self) -> None:
        self.deposit(2, "USD", "100000", "b")
        status, body = self.place(2, "buy", "30000", "0.1")
        self.assertEqual(status, 201)
        accepted = next(e for e in body["events"] if e["type"] == "Accepted")
        self.assertIsInstance(accepted["ts"], str)
        self.assertGreater(int(accepted["ts"]), 2**53)  # ns since the epoch
        self.assertIsInstance(accepted["correlation_id"], str)
        self.assertIsInstance(accepted["order_id"], int)  # a small counter stays a number
        hold = next(e for e in body["events"] if e["type"] == "Posting")
        self.assertIsInstance(hold["transfer_id"], str)
        self.assertEqual(int(hold["transfer_id"]) >> 64, 1)  # the Broker's ids start at 2^64
        self.assertEqual(hold["credit"], [str(brokerx.ESCROW_OWNER), 1])  # a reserved owner id: 2^64 - 3

    def test_zero_balances_are_plain_zero(self) -> None:
        self.deposit(1, "USD", "10", "a")
        status, body = self.call("get", "balances", 1)
        self.assertEqual(body["balances"]["BTC"], {"balance": "0", "available": "0"})
        self.assertEqual(body["balances"]["USD"], {"balance": "10", "available": "10"})

    def test_unknown_api_paths_are_json_404s(self) -> None:
        for url in ("nope", "orders/abc", "book", "deposits/extra"):
            r = self.c.get(f"/api/{url}", HTTP_X_ACCOUNT_ID="1")
            self.assertEqual(r.status_code, 404, url)
            self.assertEqual(r["Content-Type"], "application/json")
            self.assertEqual(r.json()["error"], "not_found")

    def test_instruments_lists_the_markets(self) -> None:
        status, body = self.call("get", "instruments", 1)
        self.assertEqual(status, 200)
        self.assertEqual(body["instruments"][0], {
            "id": 0, "symbol": "BTC-USD", "tick_size": "0.01", "lot_size": "0.0001", "min_qty": "0.0001",
            "max_qty": "100000000", "status": "open", "base": "BTC", "quote": "USD",
        })
        self.assertEqual([i["symbol"] for i in body["instruments"]], ["BTC-USD", "ETH-USD"])

    def test_book_is_whole_unless_a_depth_is_given(self) -> None:
        self.deposit(2, "USD", "1000000", "b")
        for i in range(12):
            self.place(2, "buy", f"{29000 + i}", "0.01")
        status, book = self.call("get", "book/BTC-USD", 1)
        self.assertEqual((status, len(book["bids"])), (200, 12))
        self.assertEqual(book["bids"][0]["price"], "29011")
        status, book = self.call("get", "book/BTC-USD?depth=2", 1)
        self.assertEqual([lv["price"] for lv in book["bids"]], ["29011", "29010"])
        status, body = self.call("get", "book/BTC-USD?depth=x", 1)
        self.assertEqual((status, body["error"]), (400, "invalid_argument"))

    def test_a_refused_withdrawal_is_journaled_and_answers_its_key_the_same(self) -> None:
        self.deposit(1, "USD", "10", "a")
        status, body = self.call("post", "withdrawals", 1, {"asset": "USD", "amount": "25"}, Idempotency_Key="w-1")
        self.assertEqual((status, body["error"]), (422, "insufficient_funds"))
        self.assertEqual((body["event"]["type"], body["event"]["status"]), ("FundsMoved", "insufficient_funds"))
        entry = JournalEntry.objects.get(id=body["journal_id"])
        self.assertEqual((entry.command["op"], entry.events[0]["status"]), ("withdraw", "insufficient_funds"))
        r = self.c.post("/api/withdrawals", json.dumps({"asset": "USD", "amount": "25"}), content_type="application/json",
                        HTTP_X_ACCOUNT_ID="1", HTTP_IDEMPOTENCY_KEY="w-1")
        self.assertEqual((r.status_code, r.json(), r["Idempotent-Replayed"]), (422, body, "true"))
        status, ok = self.call("post", "withdrawals", 1, {"asset": "USD", "amount": "4"}, Idempotency_Key="w-2")
        self.assertEqual((status, ok["balance"]), (201, "6"))
        before = self.snapshot_state()
        host.shutdown()  # the journaled refusal replays as a refusal again
        self.assertEqual(self.snapshot_state(), before)
        self.assertEqual(self.balances(1), {"USD": Decimal("6")})

