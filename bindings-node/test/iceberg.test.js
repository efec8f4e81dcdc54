// Iceberg orders: `display` on place and amend, the Refreshed event (objects and
// the flat string path), the Order view's display, Broker holds, refusals.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

function engine() {
  const e = new bx.Engine();
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  return e;
}

function refused(x, f, cls, code) {
  const before = x.stateHash();
  const seq = x.lastSeq();
  assert.throws(f, (err) => err instanceof cls && err.code === code, `expected ${cls.name} ${code}`);
  assert.equal(x.stateHash(), before, "a refused command changed the state");
  assert.equal(x.lastSeq(), seq, "a refused command emitted events");
}

test("an iceberg shows one slice, refreshes at the back, and cancels its whole leaves", () => {
  const e = engine();
  const placed = e.place(1n, "ACME", "sell", "100", "10", { display: "3", ts: 2n });
  const id = placed.find((ev) => ev.kind === "Accepted").orderId;
  assert.deepEqual(e.depth("ACME", "sell"), [{ price: "100", qty: "3", orders: 1 }]);
  const view = e.order(id);
  assert.equal(view.display, "3");
  assert.equal(view.remaining, "10");

  const taker = e.place(2n, "ACME", "buy", "100", "4", { ts: 3n });
  const kinds = taker.filter((ev) => ev.kind === "Trade" || ev.kind === "Refreshed");
  assert.deepEqual(
    kinds.map((ev) => ev.kind),
    ["Trade", "Refreshed", "Trade"],
  );
  const [t1, r, t2] = kinds;
  assert.equal(t1.qty, "3");
  assert.equal(t1.price, "100");
  assert.equal(t1.makerOrderId, id);
  assert.equal(t1.makerRemaining, "7");
  assert.equal(t1.takerRemaining, "1");
  assert.deepEqual(
    { ...r, seq: undefined, correlationId: undefined },
    {
      kind: "Refreshed",
      seq: undefined,
      ts: 3n,
      correlationId: undefined,
      instrument: 0,
      orderId: id,
      account: 1n,
      side: "sell",
      price: "100",
      shown: "3",
      hidden: "4",
      filled: "3",
    },
  );
  assert.equal(t2.qty, "1");
  assert.equal(t2.makerRemaining, "6");
  assert.equal(t2.takerRemaining, "0");
  assert.deepEqual(e.depth("ACME", "sell"), [{ price: "100", qty: "2", orders: 1 }]);
  assert.equal(e.order(id).remaining, "6");
  assert.equal(e.order(id).filled, "4");

  const cancelled = e.cancel(1n, id, { ts: 4n }).find((ev) => ev.kind === "Cancelled");
  assert.equal(cancelled.qty, "6");
  assert.equal(cancelled.filled, "4");
  assert.equal(e.order(id), null);
  assert.deepEqual(e.depth("ACME", "sell"), []);
});

test("the flat string path decodes Refreshed to the same object", () => {
  const a = engine();
  const b = engine();
  for (const x of [a, b]) x.place(1n, "ACME", "sell", "100", "10", { display: "3", ts: 2n });
  const objects = a.place(2n, "ACME", "buy", "100", "4", { ts: 3n });
  assert.ok(objects.some((ev) => ev.kind === "Refreshed"));
  if (typeof b.placeFast === "function") {
    assert.deepEqual(b.placeFast(2n, "ACME", "buy", "100", "4", { ts: 3n }), objects);
  }
  const fields = bx.eventFields ? bx.eventFields() : null;
  if (fields) {
    const row = fields.find(([kind]) => kind === "Refreshed");
    assert.deepEqual(row, [
      "Refreshed", "seq:u", "ts:u", "correlationId:u", "instrument:n", "orderId:u", "account:u",
      "side:s", "price:s", "shown:s", "hidden:s", "filled:s",
    ]);
  }
});

test("amend changes an iceberg's display; a plain order has none", () => {
  const e = engine();
  const ice = e.place(1n, "ACME", "sell", "100", "10", { display: "3", ts: 2n }).find((ev) => ev.kind === "Accepted").orderId;
  e.amend(1n, ice, { display: "5" }, { ts: 3n });
  assert.equal(e.order(ice).display, "5");
  const plain = e.place(1n, "ACME", "sell", "101", "10", { ts: 4n }).find((ev) => ev.kind === "Accepted").orderId;
  assert.equal(e.order(plain).display, null);
  refused(e, () => e.amend(1n, plain, { display: "2" }, { ts: 5n }), bx.InvalidOrder, "not_an_iceberg");
});

test("bad display values are refused with their code and change nothing", () => {
  const e = engine();
  e.place(1n, "ACME", "sell", "100", "10", { display: "3", ts: 2n });
  refused(e, () => e.place(1n, "ACME", "sell", "100", "10", { display: "0", ts: 3n }), bx.InvalidOrder, "invalid_display");
  refused(e, () => e.place(1n, "ACME", "sell", "100", "10", { display: "11", ts: 3n }), bx.InvalidOrder, "invalid_display");
  refused(e, () => e.place(1n, "ACME", "sell", "100", "10", { display: "1.5", ts: 3n }), bx.InvalidOrder, "off_lot");
  refused(
    e,
    () => e.place(1n, "ACME", "sell", "100", "10", { display: "3", timeInForce: "ioc", ts: 3n }),
    bx.InvalidOrder,
    "iceberg_time_in_force",
  );
  refused(e, () => e.place(1n, "ACME", "sell", null, "10", { display: "3", ts: 3n }), bx.InvalidOrder, "invalid_argument");
  refused(
    e,
    () => e.place(1n, "ACME", "sell", "100", "10", { display: "3", trigger: "99", ts: 3n }),
    bx.InvalidOrder,
    "invalid_argument",
  );
  refused(
    e,
    () => e.place(1n, "ACME", "buy", "100", "10", { display: "3", amount: "500", ts: 3n }),
    bx.InvalidOrder,
    "invalid_argument",
  );
});

test("a Broker iceberg buy holds its full quantity at its price", () => {
  const b = new bx.Broker();
  let t = 0n;
  const ts = () => ({ ts: ++t });
  b.createAsset(1, "USD", 2, ts());
  b.createAsset(2, "ACME", 0, ts());
  b.registerMarket("ACME/USD", "0.01", "1", 2, 1, { risk: { collarBps: 2000, referencePrice: "100" }, ...ts() });
  b.deposit(1n, 1, "5000.00", "a", ts());
  const placed = b.place(1n, "ACME/USD", "buy", "100.00", "10", { display: "3", ...ts() });
  const id = placed.find((ev) => ev.kind === "Accepted").orderId;
  assert.equal(b.holdOf(id).amount, "1000.00");
  assert.equal(b.available(1n, 1), "4000.00");
  assert.deepEqual(b.depth("ACME/USD", "buy"), [{ price: "100", qty: "3", orders: 1 }]);
  assert.equal(b.order(id).display, "3");
  refused(b, () => b.place(1n, "ACME/USD", "buy", "100.00", "10", { display: "11", ...ts() }), bx.InvalidOrder, "invalid_display");
});
