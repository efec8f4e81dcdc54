// The per-call hot paths (free functions on a handle, events as one string that
// lib.js decodes) give exactly what the class methods give (events built as
// objects by napi-rs), for every kind of event the two paths carry.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

// The native class methods, under the package's fast `place` / `cancel`.
const nativeOf = (cls) => Object.getPrototypeOf(cls.prototype);

function twin() {
  const make = () => {
    const b = new bx.Broker();
    b.createAsset(1, "USD", 2, { ts: 1n });
    b.createAsset(2, "ACME", 0, { ts: 1n });
    b.registerMarket("ACME/USD", "0.01", "1", 2, 1, { risk: { collarBps: 2000, referencePrice: "100", makerFeeBps: 5, takerFeeBps: 10 }, ts: 1n });
    b.deposit(1n, 1, "10000.00", "a", { ts: 2n });
    b.deposit(2n, 2, "100", "b", { ts: 2n });
    return b;
  };
  return [make(), make()];
}

test("Broker.place / cancel: the fast path's events equal the class methods' events", () => {
  const [fast, slow] = twin();
  const P = nativeOf(bx.Broker);
  const steps = [
    ["place", [2n, "ACME/USD", "sell", "101.00", "30", { ts: 3n, correlationId: 2n ** 63n, clientOrderId: "s-1" }]],
    ["place", [1n, "ACME/USD", "buy", "102.00", "20", { ts: 4n }]],
    ["place", [1n, "ACME/USD", "buy", "150.00", "1", { ts: 5n }]], // RiskRejected with its context
    ["place", [3n, "ACME/USD", "buy", "100.00", "1", { ts: 5n }]], // no funds
    ["place", [1n, "ACME/USD", "buy", null, "5", { ts: 6n }]], // market
    ["place", [1n, "ACME/USD", "buy", "99.00", "1", { ts: 6n, postOnly: true }]],
    ["cancel", [2n, "s-1", { ts: 7n }]],
    ["place", [1n, "ACME/USD", "buy", "100.00", "2", { ts: 8n, stp: "cancel_taker" }]],
  ];
  let kinds = new Set();
  for (const [m, args] of steps) {
    const a = fast[m](...args);
    const b = P[m].call(slow, ...args);
    assert.deepEqual(a, b, `${m}(${args[0]}, …)`);
    for (const e of a) kinds.add(e.kind);
  }
  for (const k of ["Posting", "Accepted", "Trade", "RiskRejected", "Cancelled", "LevelChanged", "BboChanged"]) {
    assert.ok(kinds.has(k), `covered ${k}`);
  }
  assert.equal(fast.stateHash(), slow.stateHash());
});

test("Engine.place / cancel: the same, with reduced, rejected and client ids", () => {
  const a = new bx.Engine();
  const b = new bx.Engine();
  for (const e of [a, b]) e.registerInstrument("ACME", "0.5", "0.1", { ts: 1n });
  const P = nativeOf(bx.Engine);
  const steps = [
    ["place", [1n, 0, "sell", "10", "2", { ts: 2n, clientOrderId: "x" }]],
    ["place", [1n, 0, "buy", "10", "0.5", { ts: 3n, stp: "decrement" }]],
    ["place", [2n, 0, "buy", "10.5", "0.3", { ts: 4n, postOnly: true }]],
    ["place", [2n, 0, "buy", "9.5", "1", { ts: 5n, expireAt: 99n }]],
    ["cancel", [1n, "x", { ts: 6n }]],
  ];
  for (const [m, args] of steps) assert.deepEqual(a[m](...args), P[m].call(b, ...args));
  assert.equal(a.stateHash(), b.stateHash());
});

test("stop events (StopAccepted, Triggered, TriggerLimitReached, StopAmended): both paths agree", () => {
  const make = () => {
    const e = new bx.Engine({ maxTriggersPerCommand: 1 });
    e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
    e.place(1n, 0, "sell", "100.00", "10", { ts: 2n });
    e.place(1n, 0, "sell", "101.00", "10", { ts: 2n });
    e.place(2n, 0, "buy", "100.00", "1", { ts: 2n });
    return e;
  };
  const [a, b] = [make(), make()];
  const P = nativeOf(bx.Engine);
  const steps = [
    ["place", [3n, 0, "buy", "101.00", "2", { ts: 3n, trigger: "101.00" }]],
    ["place", [3n, 0, "buy", null, "1", { ts: 3n, trigger: "101.00" }]],
    ["place", [3n, 0, "sell", null, "1", { ts: 3n, trigger: "90.00", expireAt: 99n }]],
    ["place", [2n, 0, "buy", "101.00", "12", { ts: 4n }]], // fires 4 only: the limit is 1
    ["cancel", [3n, 6n, { ts: 5n }]],
  ];
  const kinds = new Set();
  for (const [m, args] of steps) {
    const x = a[m](...args);
    assert.deepEqual(x, P[m].call(b, ...args), `${m}(${args[0]}, …)`);
    for (const e of x) kinds.add(e.kind);
  }
  const amended = a.amend(3n, 5n, { qty: "2" }, { ts: 6n });
  assert.deepEqual(amended, b.amend(3n, 5n, { qty: "2" }, { ts: 6n }));
  assert.equal(amended[0].kind, "StopAmended");
  for (const k of ["StopAccepted", "Triggered", "TriggerLimitReached"]) assert.ok(kinds.has(k), `covered ${k}`);
  assert.equal(a.stateHash(), b.stateHash());
});
