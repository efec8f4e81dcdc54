// submitMany / submitRange over the compact encoding, and the queued per-call
// commands: same outcomes as one call each, refusals reported and harmless.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

function engine(options) {
  const e = new bx.Engine({ marketData: false, ...options });
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  return e;
}

test("a batch does what one call per command does, event for event", () => {
  const a = engine();
  const b = engine();
  const batch = new bx.CommandBatch(2)
    .limit(1, 0, "sell", 10050, 10)
    .limit(2, 0, "buy", 10060, 4)
    .market(3, 0, "buy", 3)
    .amendQty(1, 1, 8)
    .amendPrice(1, 1, 10070)
    .cancel(1, 1)
    .limit(2, 0, "buy", 10000, 1, { timeInForce: "ioc" });
  const ids = new BigInt64Array(batch.length);
  const r = a.submitMany(batch, { ts: 5n, orderIds: ids });
  assert.deepEqual({ ...r, errors: r.errors.length }, {
    applied: 7, refused: 0, errors: 0, trades: 2, tradedLots: 7n, queuedEvents: r.queuedEvents,
  });
  assert.deepEqual([...ids], [1n, 2n, 3n, 1n, 1n, 1n, 4n]);
  const one = [
    b.place(1, 0, "sell", "100.50", "10", { ts: 5n }),
    b.place(2, 0, "buy", "100.60", "4", { ts: 5n }),
    b.place(3, 0, "buy", null, "3", { ts: 5n }),
    b.amend(1, 1n, { qty: "8" }, { ts: 5n }),
    b.amend(1, 1n, { price: "100.70" }, { ts: 5n }),
    b.cancel(1, 1n, { ts: 5n }),
    b.place(2, 0, "buy", "100.00", "1", { timeInForce: "ioc", ts: 5n }),
  ].flat();
  const queued = a.takeEvents();
  assert.equal(queued.length, r.queuedEvents);
  // Correlation ids are the batch's base + index; compare everything else.
  const strip = (evs) => evs.map(({ correlationId, ...rest }) => rest);
  assert.deepEqual(strip(queued), strip(one));
  assert.equal(a.stateHash(), b.stateHash());
  assert.equal(a.queuedEvents(), 0);
});

test("refused records change nothing and do not stop the batch", () => {
  const e = engine();
  const batch = new bx.CommandBatch()
    .cancel(1, 99) // unknown order
    .limit(1, 0, "buy", 0, 1) // invalid price
    .push(99, 0, 1, 0, 1, 1) // unknown op
    .limit(1, 7, "buy", 100, 1) // unknown instrument
    .limit(1, 0, "buy", 100, 1);
  const r = e.submitMany(batch, { events: "none" });
  assert.equal(r.applied, 1);
  assert.equal(r.refused, 4);
  assert.deepEqual(r.errors.map((x) => [x.index, x.code]), [
    [0, "unknown_order"], [1, "invalid_price"], [2, "invalid_argument"], [3, "unknown_instrument"],
  ]);
  assert.equal(r.queuedEvents, 0);
  assert.equal(e.queuedEvents(), 0);
  assert.equal(e.depth(0, "buy").length, 1);
  assert.throws(() => e.submitMany(new BigInt64Array(5)), RangeError);
  assert.throws(() => e.submitMany([1n, 2n]), TypeError);
  assert.throws(() => e.submitMany(batch.records(), {}, 4, 2), RangeError);
  assert.throws(() => new bx.CommandBatch().limit(1, 0, "up", 1, 1), RangeError);
});

test("reduce amends the total down, or cancels when nothing would be left", () => {
  const e = engine();
  e.submitMany(new bx.CommandBatch().limit(1, 0, "sell", 100, 10).limit(2, 0, "buy", 100, 6), { events: "none" });
  const r = e.submitMany(new bx.CommandBatch().reduce(1, 1, 8), { events: "queue" });
  assert.equal(r.applied, 1);
  assert.equal(e.order(1n).remaining, "2");
  const gone = e.submitMany(new bx.CommandBatch().reduce(1, 1, 5));
  assert.equal(gone.applied, 1, "a reduce below the filled quantity is a cancel");
  assert.equal(e.order(1n), null);
  const evs = e.takeEvents();
  assert.equal(evs.at(-1).kind, "Cancelled");
});

test("submitRange runs one record at a time from one buffer; totals add up", () => {
  const e = engine({ batchEvents: "none" });
  const batch = new bx.CommandBatch().limit(1, 0, "sell", 100, 5).limit(2, 0, "buy", 100, 2).cancel(9, 1);
  const refused = [0, 1, 2].map((i) => e.submitRange(batch.records(), i, 1));
  assert.deepEqual(refused, [0, 0, 1]);
  assert.deepEqual(e.batchTotals(), { applied: 2n, refused: 1n, trades: 1n, tradedLots: 2n });
  assert.equal(e.queuedEvents(), 0);
  assert.throws(() => e.submitRange(batch.records(), 3, 1), RangeError);
});

test("placeQueued / cancelQueued keep events natively until taken; the queue is bounded", () => {
  const e = engine({ maxQueuedEvents: 3 });
  const id = e.placeQueued(1n, 0, "buy", "1.00", "1", { ts: 2n });
  assert.equal(id, 1n);
  e.cancelQueued(1n, id, { ts: 3n });
  const id2 = e.placeQueued(1n, 0, "buy", "1.00", "1", { ts: 4n });
  assert.equal(e.queuedEvents(), 3);
  const hash = e.stateHash();
  assert.throws(() => e.placeQueued(1n, 0, "buy", "1.00", "1"), (x) => x instanceof bx.CapacityReached && x.code === "events_not_taken");
  assert.equal(e.stateHash(), hash);
  const first = e.takeEvents(2);
  assert.deepEqual(first.map((x) => x.kind), ["Accepted", "Cancelled"]);
  assert.equal(e.dropEvents(), 1);
  assert.equal(e.placeQueued(2n, 0, "sell", "1.00", "1", { postOnly: true, ts: 5n }), 0n, "refused for a trading reason: 0n");
  assert.equal(e.takeEvents()[0].kind, "Rejected");
  assert.throws(() => e.placeQueued(1n, 0, "buy", 1, "1"), TypeError);
  assert.throws(() => e.cancelQueued(1n, 99n), (x) => x instanceof bx.UnknownOrder);
  assert.ok(id2 > 0n);
});
