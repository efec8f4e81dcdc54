// The batch path carries what `place` takes beyond price and quantity: expiry
// (GTD `expireAt`), self-trade prevention and client order ids (an extension
// record, src/batch/record.rs), and cancels / amends by client order id. The
// same commands one call each give the same events, correlation ids included.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

function engine() {
  const e = new bx.Engine();
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  return e;
}

/** Each command as [batch writer, the same as one call (correlation id given)]. */
const script = [
  [(b) => b.limit(1, 0, "sell", 10050, 10, { expireAt: 1000n, clientOrderId: "s-1" }),
    (e, o) => e.place(1, 0, "sell", "100.50", "10", { expireAt: 1000n, clientOrderId: "s-1", ...o })],
  [(b) => b.limit(2, 0, "sell", 10060, 5, { timeInForce: "gtd", expireAt: 2000n }),
    (e, o) => e.place(2, 0, "sell", "100.60", "5", { timeInForce: "gtd", expireAt: 2000n, ...o })],
  [(b) => b.limit(1, 0, "buy", 10050, 4, { stp: "cancel_maker" }),
    (e, o) => e.place(1, 0, "buy", "100.50", "4", { stp: "cancel_maker", ...o })],
  [(b) => b.limit(3, 0, "buy", 10000, 6, { clientOrderId: "b-3", stp: "decrement" }),
    (e, o) => e.place(3, 0, "buy", "100.00", "6", { clientOrderId: "b-3", stp: "decrement", ...o })],
  [(b) => b.amendQty(3, "b-3", 5), (e, o) => e.amend(3, "b-3", { qty: "5" }, o)],
  [(b) => b.limit(3, 0, "sell", 10000, 2, { stp: "decrement", timeInForce: "ioc" }),
    (e, o) => e.place(3, 0, "sell", "100.00", "2", { stp: "decrement", timeInForce: "ioc", ...o })],
  [(b) => b.amendPrice(3, "b-3", 9990), (e, o) => e.amend(3, "b-3", { price: "99.90" }, o)],
  [(b) => b.stopMarket(2, 0, "buy", 10100, 1, { expireAt: 5000n, clientOrderId: "stp-2", stp: "cancel_both" }),
    (e, o) => e.place(2, 0, "buy", null, "1", { trigger: "101.00", expireAt: 5000n, clientOrderId: "stp-2", stp: "cancel_both", ...o })],
  [(b) => b.amendTrigger(2, "stp-2", 10110), (e, o) => e.amend(2, "stp-2", { trigger: "101.10" }, o)],
  [(b) => b.stopLimit(1, 0, "buy", 10200, 10210, 1, { timeInForce: "gtd", expireAt: 3000n }),
    (e, o) => e.place(1, 0, "buy", "102.10", "1", { trigger: "102.00", timeInForce: "gtd", expireAt: 3000n, ...o })],
  [(b) => b.reduce(3, "b-3", 1), (e, o) => e.amend(3, "b-3", { qty: "1" }, o)],
  [(b) => b.cancel(2, "stp-2"), (e, o) => e.cancel(2, "stp-2", o)],
  [(b) => b.limit(4, 0, "buy", 10100, 1, { clientOrderId: "x".repeat(36) }),
    (e, o) => e.place(4, 0, "buy", "101.00", "1", { clientOrderId: "x".repeat(36), ...o })],
];

test("expiry, STP and client order ids: a batch gives the events of one call each", () => {
  const a = engine();
  const batch = new bx.CommandBatch();
  const first = []; // each command's first record: its index, its correlation id
  for (const [write] of script) {
    first.push(batch.length);
    write(batch);
  }
  const ids = new BigInt64Array(batch.length);
  const r = a.submitMany(batch, { ts: 5n, orderIds: ids });
  assert.deepEqual([r.applied, r.refused, r.errors], [script.length, 0, []]);
  const batched = a.takeEvents();

  const b = engine();
  const one = script.flatMap(([, call], i) => call(b, { ts: 5n, correlationId: BigInt(first[i]) }));
  assert.deepEqual(batched, one);
  assert.equal(a.stateHash(), b.stateHash());
  // Every kind of option was exercised.
  const kinds = new Set(one.map((x) => `${x.kind}:${x.reason ?? ""}`));
  for (const k of ["Cancelled:stp", "Accepted:", "Amended:", "StopAccepted:", "StopAmended:", "Cancelled:user"]) {
    assert.ok(kinds.has(k), `no ${k} event`);
  }
  // Order ids land in each command's first slot; extension slots stay 0.
  const accepted = one.filter((x) => x.kind === "Accepted" || x.kind === "StopAccepted").map((x) => x.orderId);
  const placed = first.filter((_, i) => [0, 1, 2, 3, 5, 7, 9, 12].includes(i)).map((at) => ids[at]);
  assert.deepEqual(placed, accepted);
  for (let i = 0; i < batch.length; i++) if (!first.includes(i)) assert.equal(ids[i], 0n);
  assert.equal(a.orderByClientId(3n, "b-3").remaining, "1", "reduced to 1 lot");

  // Expiry runs the same way afterwards.
  assert.deepEqual(a.nextDeadline(), b.nextDeadline());
  assert.deepEqual(a.onTime(2500n), b.onTime(2500n));
  assert.ok(b.order(2n) === null, "the GTD order expired");
  assert.equal(a.stateHash(), b.stateHash());
});

test("a batch's refused options give the per-call codes and change nothing", () => {
  const cases = [
    [(b) => b.limit(1, 0, "buy", 100, 1, { clientOrderId: "bad id" }), (e) => e.place(1, 0, "buy", "1.00", "1", { clientOrderId: "bad id", ts: 5n })],
    [(b) => b.limit(1, 0, "buy", 100, 1, { expireAt: 5n }), (e) => e.place(1, 0, "buy", "1.00", "1", { expireAt: 5n, ts: 5n })],
    [(b) => b.limit(1, 0, "buy", 100, 1, { timeInForce: "gtd" }), (e) => e.place(1, 0, "buy", "1.00", "1", { timeInForce: "gtd", ts: 5n })],
    [(b) => b.limit(1, 0, "buy", 100, 1, { timeInForce: "ioc", expireAt: 9n }), (e) => e.place(1, 0, "buy", "1.00", "1", { timeInForce: "ioc", expireAt: 9n, ts: 5n })],
    [(b) => b.limit(1, 0, "buy", 100, 1, { clientOrderId: "dup" }), (e) => e.place(1, 0, "buy", "1.00", "1", { clientOrderId: "dup", ts: 5n })],
    [(b) => b.cancel(1, "nope"), (e) => e.cancel(1, "nope", { ts: 5n })],
    [(b) => b.amendQty(2, "dup", 3), (e) => e.amend(2, "dup", { qty: "3" }, { ts: 5n })],
    [(b) => b.marketByAmount(1, 0, "buy", 100, 1, { expireAt: 9n }), (e) => e.place(1, 0, "buy", null, "1", { amount: "1.00", expireAt: 9n, ts: 5n })],
  ];
  for (const [write, call] of cases) {
    const a = engine();
    const b = engine();
    for (const x of [a, b]) x.place(1, 0, "buy", "0.50", "1", { clientOrderId: "dup", ts: 4n });
    let code;
    assert.throws(() => call(b), (err) => ((code = err.code), err instanceof bx.BrokerXError));
    const before = a.stateHash();
    const r = a.submitMany(write(new bx.CommandBatch()), { ts: 5n });
    assert.deepEqual([r.applied, r.refused, r.errors.map((x) => [x.index, x.code])], [0, 1, [[0, code]]], code);
    assert.equal(a.stateHash(), before);
    assert.equal(a.takeEvents().length, 0);
  }
});

test("broken extension records are invalid_argument; the next command still runs", () => {
  const e = engine();
  const EXT = 1 << 20;
  const ext = new bx.CommandBatch().extension("c-1", 0).records();
  const batch = new bx.CommandBatch()
    .push(1 | EXT, 0, 1, 0, 100, 1) // announces an extension, the next record is a plain place
    .limit(1, 0, "buy", 100, 1)
    .push(ext[0], ext[1], ext[2], ext[3], ext[4], ext[5]) // an extension nothing announced
    .push(3 | EXT, 0, 1, 1, 0, 0) // a cancel whose extension carries an expiry
    .push(12n | (3n << 8n), 9n, ext[2], 0, 0, 0)
    .push(1 | (7 << 17), 0, 1, 0, 100, 1) // stp 7
    .push(1 | (5 << 8), 0, 1, 0, 100, 1) // tif 5
    .push(12n | (40n << 8n), 0, 0, 0, 0, 0) // unannounced and too long
    .push(1 | EXT, 0, 1, 0, 100, 1); // the batch ends before its extension
  const r = e.submitMany(batch, { ts: 5n });
  assert.equal(r.applied, 1);
  assert.deepEqual(r.errors.map((x) => [x.index, x.code]), [
    [0, "invalid_argument"], [2, "invalid_argument"], [3, "invalid_argument"], [5, "invalid_argument"],
    [6, "invalid_argument"], [7, "invalid_argument"], [8, "invalid_argument"],
  ]);
  assert.equal(e.depth(0, "buy")[0].qty, "1");
  assert.throws(() => new bx.CommandBatch().limit(1, 0, "buy", 1, 1, { clientOrderId: "y".repeat(37) }), RangeError);
  assert.throws(() => new bx.CommandBatch().limit(1, 0, "buy", 1, 1, { clientOrderId: "" }), RangeError);
  assert.throws(() => new bx.CommandBatch().limit(1, 0, "buy", 1, 1, { stp: "toString" }), RangeError);
  assert.throws(() => new bx.CommandBatch().limit(1, 0, "buy", 1, 1, { timeInForce: "constructor" }), RangeError);
});

test("submitRange takes a place and its extension record as one command", () => {
  const e = engine();
  // submitRange stamps the wall clock: an expiry an hour ahead.
  const expireAt = BigInt(Date.now()) * 1_000_000n + 3_600_000_000_000n;
  const batch = new bx.CommandBatch().limit(1, 0, "buy", 100, 2, { clientOrderId: "r-1", expireAt }).cancel(1, "r-1");
  assert.equal(e.submitRange(batch.records(), 0, 2), 0);
  assert.equal(e.orderByClientId(1n, "r-1").expireAt, expireAt);
  assert.equal(e.submitRange(batch.records(), 2, 2), 0);
  assert.equal(e.orderByClientId(1n, "r-1"), null);
});
