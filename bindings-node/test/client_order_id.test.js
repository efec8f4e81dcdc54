// Cancel and amend by client order id: `(account, clientOrderId)` names the
// account's live order on Engine and Broker alike (the core's `OrderRef::Client`);
// another account's ids are never searched; a refused command changes nothing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

const of = (evs, kind) => evs.filter((e) => e.kind === kind);

function refused(x, f, cls, code) {
  const before = [x.stateHash(), x.lastSeq()];
  assert.throws(f, (err) => err instanceof cls && err.code === code, `expected ${cls.name} ${code}`);
  assert.deepEqual([x.stateHash(), x.lastSeq()], before, "a refused command changed the state");
}

function engine() {
  const e = new bx.Engine();
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  e.place(1n, "ACME", "sell", "101.00", "10", { ts: 2n });
  return e;
}

test("Engine: amend and cancel by client order id, within the account", () => {
  const e = engine();
  const id = e.place(7n, "ACME", "buy", "100.00", "5", { clientOrderId: "ord-1", ts: 2n })[0].orderId;
  assert.deepEqual(e.orderByClientId(7n, "ord-1"), e.order(id));
  assert.equal(e.orderByClientId(7n, "ord-1").clientOrderId, "ord-1");
  assert.equal(e.orderByClientId(8n, "ord-1"), null);
  refused(e, () => e.cancel(8n, "ord-1", { ts: 3n }), bx.UnknownOrder, "unknown_client_order_id");
  refused(e, () => e.amend(8n, "ord-1", { qty: "3" }, { ts: 3n }), bx.UnknownOrder, "unknown_client_order_id");
  refused(e, () => e.amend(7n, "nope", { price: "100.001" }, { ts: 3n }), bx.UnknownOrder, "unknown_client_order_id");
  refused(e, () => e.amend(7n, "bad id", { qty: "3" }, { ts: 3n }), bx.InvalidOrder, "client_order_id_invalid");
  assert.throws(() => e.amend(7n, {}, { qty: "3" }), (x) => x instanceof TypeError && /'order'/.test(x.message));

  const [am] = of(e.amend(7n, "ord-1", { qty: "3", expectedVersion: 0 }, { ts: 3n }), "Amended");
  assert.deepEqual([am.orderId, am.version, am.priorityKept, am.qty], [id, 1, true, "3"]);
  refused(e, () => e.amend(7n, "ord-1", { qty: "2", expectedVersion: 0 }, { ts: 4n }), bx.StaleVersion, "stale_version");
  // The grid is the order's instrument's, as for an amend by id.
  refused(e, () => e.amend(7n, "ord-1", { price: "100.001" }, { ts: 4n }), bx.InvalidOrder, "off_tick");
  const [c] = of(e.cancel(7n, "ord-1", { ts: 5n }), "Cancelled");
  assert.deepEqual([c.orderId, c.qty, c.reason], [id, "3", "user"]);
  refused(e, () => e.cancel(7n, "ord-1", { ts: 6n }), bx.UnknownOrder, "unknown_client_order_id");
  // Gone: the client id may name a new order.
  const again = e.place(7n, "ACME", "buy", "100.00", "1", { clientOrderId: "ord-1", ts: 7n })[0].orderId;
  assert.equal(e.orderByClientId(7n, "ord-1").orderId, again);
});

test("Engine: the same commands by client id and by engine id give the same events", () => {
  const run = (byClient) => {
    const e = engine();
    const ref = (id, cid) => (byClient ? cid : id);
    const out = [];
    const ice = e.place(7n, "ACME", "buy", "99.00", "9", { display: "3", clientOrderId: "ice", ts: 3n })[0].orderId;
    const stop = e.place(7n, "ACME", "buy", null, "2", { trigger: "105.00", clientOrderId: "stp", ts: 3n })[0].orderId;
    out.push(e.amend(7n, ref(ice, "ice"), { display: "2", expectedVersion: 0 }, { ts: 4n }));
    out.push(e.amend(7n, ref(stop, "stp"), { trigger: "106.00" }, { ts: 5n }));
    out.push(e.amend(7n, ref(ice, "ice"), { qty: "6" }, { ts: 6n }));
    out.push(e.cancel(7n, ref(stop, "stp"), { ts: 7n }));
    out.push(e.cancel(7n, ref(ice, "ice"), { ts: 8n }));
    return [out, e.stateHash()];
  };
  assert.deepEqual(run(true), run(false));
});

test("Broker: amend and cancel by client order id resize and release the hold", () => {
  const b = new bx.Broker();
  let t = 0n;
  const ts = () => ({ ts: ++t });
  b.createAsset(1, "USD", 2, ts());
  b.createAsset(2, "ACME", 0, ts());
  b.registerMarket("ACME/USD", "0.01", "1", 2, 1, { risk: { collarBps: 2000, referencePrice: "100" }, ...ts() });
  b.deposit(7n, 1, "5000.00", "d-7", ts());
  const id = b.place(7n, "ACME/USD", "buy", "100.00", "10", { clientOrderId: "buy-1", ...ts() })
    .find((ev) => ev.kind === "Accepted").orderId;
  assert.equal(b.holdOf(id).amount, "1000.00");
  assert.deepEqual(b.orderByClientId(7n, "buy-1"), b.order(id));
  assert.equal(b.orderByClientId(8n, "buy-1"), null);
  refused(b, () => b.amend(8n, "buy-1", { qty: "5" }, ts()), bx.UnknownOrder, "unknown_client_order_id");
  refused(b, () => b.cancel(8n, "buy-1", ts()), bx.UnknownOrder, "unknown_client_order_id");

  const [am] = of(b.amend(7n, "buy-1", { qty: "4", expectedVersion: 0 }, ts()), "Amended");
  assert.deepEqual([am.orderId, am.version, am.qty], [id, 1, "4"]);
  assert.equal(b.holdOf(id).amount, "400.00");
  assert.equal(b.available(7n, 1), "4600.00");
  refused(b, () => b.amend(7n, "buy-1", { qty: "5", expectedVersion: 0 }, ts()), bx.StaleVersion, "stale_version");
  const [c] = of(b.cancel(7n, "buy-1", ts()), "Cancelled");
  assert.deepEqual([c.orderId, c.qty, c.reason], [id, "4", "user"]);
  assert.equal(b.available(7n, 1), "5000.00");
  assert.equal(b.orderByClientId(7n, "buy-1"), null);
});
