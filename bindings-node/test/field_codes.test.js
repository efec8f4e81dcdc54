// Refused field values give the core's code, the same as in Python: both suites
// run testdata/refusals/field_codes.json (its `about` says the setup). The
// binding only converts; a display or trigger ≤ 0 reaches the core, which
// refuses it with `invalid_display` / `invalid_trigger_price`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const bx = require("..");

const table = require(path.join(__dirname, "../../testdata/refusals/field_codes.json"));

const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

function setup() {
  const e = new bx.Engine();
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  e.place(1n, "ACME", "sell", "100.00", "10", { ts: 2000n });
  e.place(2n, "ACME", "buy", "100.00", "1", { ts: 2000n });
  const iceberg = e.place(3n, "ACME", "sell", "101.00", "10", { display: "3", ts: 2000n })[0].orderId;
  const stop = e.place(3n, "ACME", "buy", null, "5", { trigger: "105.00", ts: 2000n })[0].orderId;
  return { e, orders: { iceberg, stop } };
}

function split(fields) {
  const out = { price: "100.00", qty: "10", opts: {} };
  for (const [k, v] of Object.entries(fields)) {
    if (k === "price" || k === "qty") out[k] = v;
    else if (k === "expire_at") out.opts.expireAt = BigInt(v);
    else out.opts[camel(k)] = v;
  }
  return out;
}

function refusedWith(e, f, code, what) {
  const before = [e.stateHash(), e.lastSeq()];
  assert.throws(f, (err) => err instanceof bx.BrokerXError && err.code === code, `${what}: expected ${code}`);
  assert.deepEqual([e.stateHash(), e.lastSeq()], before, `${what}: a refused command changed the state`);
}

test("refused place fields: the table's codes, nothing changed", () => {
  const { e } = setup();
  for (const c of table.place) {
    const { price, qty, opts } = split(c.fields);
    refusedWith(e, () => e.place(2n, "ACME", "buy", price, qty, { ...opts, ts: 3000n }), c.code, JSON.stringify(c.fields));
  }
});

test("refused amend fields: the table's codes, nothing changed", () => {
  const { e, orders } = setup();
  for (const c of table.amend) {
    const change = Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [camel(k), v]));
    refusedWith(e, () => e.amend(3n, orders[c.order], change, { ts: 3000n }), c.code, `${c.order} ${JSON.stringify(c.fields)}`);
  }
});

test("a display or trigger of 0 is an InvalidOrder naming the field's rule", () => {
  const { e } = setup();
  assert.throws(
    () => e.place(2n, "ACME", "buy", "100.00", "10", { display: "0", ts: 3000n }),
    (err) => err instanceof bx.InvalidOrder && err.code === "invalid_display" && /display/.test(err.message),
  );
  assert.throws(
    () => e.place(2n, "ACME", "buy", null, "10", { trigger: "0", ts: 3000n }),
    (err) => err instanceof bx.InvalidOrder && err.code === "invalid_trigger_price" && /trigger/.test(err.message),
  );
});
