// The order and deposit sagas through Node: actions out, replies in; 128-bit ids exact.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

/** The fields of the one `Send` action of `kind` in `actions`. */
function send(actions, kind) {
  const found = actions.filter((a) => a.Send && a.Send.kind[kind]).map((a) => a.Send.kind[kind]);
  assert.equal(found.length, 1, `one ${kind} in ${JSON.stringify(actions, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`);
  return found[0];
}

test("order saga happy path (the same figures as the Python suite)", () => {
  const r = new bx.SagaRegistry({ replyTimeoutNs: 100 });
  const acts = r.startOrder(1000, 7, {
    account: 1, instrument: 0, side: "buy", qty: 10, limitPrice: 500, goodTill: 1_000_000,
    quotePerTickLot: 2, makerFeeBps: 10, takerFeeBps: 25,
  });
  const reserve = send(acts, "ReserveFunds");
  assert.equal(BigInt(reserve.amount), 10_000n + 25n); // the Broker's hold: notional + the larger fee
  const hold = reserve.hold;
  assert.equal(typeof hold, "bigint");
  assert.ok(hold > 2n ** 64n, "128-bit ids cross exactly");
  const order = send(r.advance(1001, 7, "funds_reserved", { hold }), "PlaceOrder").order;
  assert.equal(order, ((7n << 64n) | (2n << 56n)).toString(16).padStart(32, "0"));
  r.advance(1002, 7, "order_accepted", { order });
  const settle = send(r.advance(1003, 7, "fill", { order, trade: 1, qty: 10, price: 490, aggressor: "sell" }), "SettleTrade");
  assert.equal(BigInt(settle.amount), 9_800n + 10n); // resting buy hit by a sell: the maker fee
  send(r.advance(1004, 7, "trade_settled", { trade: 1 }), "ReleaseFunds");
  const [done] = r.advance(1005, 7, "funds_released", { hold });
  assert.equal(Number(done.Complete.outcome.Order.Closed.filled), 10);
  assert.deepEqual(r.state(7), { state: "settled", finished: true });
  assert.equal(r.live, 0);
  assert.throws(() => r.advance(1006, 7, "timer"), (e) => e instanceof bx.SagaError && e.code === "saga_finished");
  r.removeFinished(7);
  assert.equal(r.size, 0);
  r.checkInvariants();
});

test("deposit saga redelivers with the same id; snapshots round-trip", () => {
  const r = new bx.SagaRegistry({ replyTimeoutNs: 100 });
  const first = send(r.startDeposit(2000, 9, { account: 1, amount: 100 }), "RequestPayment");
  assert.equal(r.nextDeadline(), 2100n);
  assert.deepEqual(send(r.onTime(2100), "RequestPayment"), first); // same payment id
  const clone = bx.SagaRegistry.restore(r.snapshot());
  assert.ok(clone instanceof bx.SagaRegistry);
  assert.deepEqual(clone.snapshot(), r.snapshot());
  const credit = send(r.advance(2200, 9, "payment_confirmed", { payment: first.payment }), "CreditAccount");
  assert.equal(Number(credit.amount), 100);
});

test("saga errors are typed and change nothing", () => {
  const r = new bx.SagaRegistry();
  assert.throws(() => r.advance(1, 99, "timer"), (e) => e instanceof bx.SagaError && e.code === "unknown_saga");
  r.startDeposit(1, 2, { account: 1, amount: 5 });
  const snap = r.snapshot();
  assert.throws(() => r.advance(2, 2, "fill", { order: "1", trade: 1, qty: 1, price: 1 }), (e) => e instanceof bx.SagaError && e.code === "unexpected_input");
  assert.throws(() => r.advance(2, 2, "no_such_input"), (e) => e instanceof bx.SagaError);
  assert.throws(() => r.startDeposit(3, 2, { account: 1, amount: 5 }), (e) => e instanceof bx.SagaError && e.code === "duplicate_saga");
  assert.throws(() => r.startDeposit(3, 3, { account: 1 }), RangeError);
  assert.throws(() => r.startDeposit(3, 3, { account: 1, amount: "5" }), TypeError);
  assert.throws(() => r.startOrder(3, 4, { account: 1, instrument: 0, side: "up", qty: 1, limitPrice: 1, goodTill: 9 }), RangeError);
  assert.deepEqual(r.snapshot(), snap);
  assert.throws(() => bx.SagaRegistry.restore(Buffer.from("{")), (e) => e instanceof bx.SnapshotError);
  r.close();
  assert.throws(() => r.live, (e) => e instanceof bx.ClosedError);
});
