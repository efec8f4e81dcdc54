// Engine: every command, its events, and each way a command is refused
// (typed error with the core's code, and nothing changed).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

function engine(options) {
  const e = new bx.Engine(options);
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  return e;
}

/** Asserts `f` throws `cls` with `code` and leaves the engine's state as it was. */
function refused(e, f, cls, code) {
  const before = e.stateHash();
  const seq = e.lastSeq();
  assert.throws(f, (err) => err instanceof cls && err.code === code, `expected ${cls.name} ${code}`);
  assert.equal(e.stateHash(), before, "a refused command changed the state");
  assert.equal(e.lastSeq(), seq, "a refused command emitted events");
}

test("register gives ids in order and refuses a duplicate symbol", () => {
  const e = engine();
  const [ev] = e.registerInstrument("BETA", "0.5", "0.1", { minQty: "0.2", maxQty: "100", ts: 2n });
  assert.equal(ev.kind, "InstrumentRegistered");
  assert.equal(ev.instrument, 1);
  assert.deepEqual(e.instrument("BETA"), {
    id: 1, symbol: "BETA", tickSize: "0.5", lotSize: "0.1", minQty: "0.2", maxQty: "100", status: "open",
  });
  refused(e, () => e.registerInstrument("BETA", "0.5", "0.1"), bx.InvalidInstrument, "duplicate_symbol");
  refused(e, () => e.registerInstrument("ZERO", "0", "1"), bx.InvalidInstrument, "invalid_instrument_spec");
  refused(e, () => e.registerInstrument("", "0.01", "1"), bx.InvalidInstrument, "invalid_instrument_spec");
  refused(e, () => e.registerInstrument("G", "0.01", "1", { minQty: "0.5" }), bx.InvalidOrder, "off_lot");
});

test("a crossing limit trades at the resting price; events carry decimals and bigints", () => {
  const e = engine();
  const [acc] = e.place(7n, "ACME", "sell", "101.25", "10", { ts: 2n, correlationId: 42n });
  assert.equal(acc.kind, "Accepted");
  assert.deepEqual(
    { orderId: acc.orderId, account: acc.account, price: acc.price, qty: acc.qty, side: acc.side, tif: acc.timeInForce, cid: acc.correlationId, ts: acc.ts },
    { orderId: 1n, account: 7n, price: "101.25", qty: "10", side: "sell", tif: "gtc", cid: 42n, ts: 2n },
  );
  const out = e.place(8, 0, "buy", "102", "4", { ts: 3n });
  const trade = out.find((x) => x.kind === "Trade");
  assert.equal(trade.price, "101.25");
  assert.equal(trade.qty, "4");
  assert.equal(trade.makerOrderId, 1n);
  assert.equal(trade.takerOrderId, 2n);
  assert.equal(trade.makerRemaining, "6");
  assert.equal(trade.aggressor, "buy");
  assert.deepEqual(e.bbo("ACME"), { bid: null, ask: { price: "101.25", qty: "6", orders: 1 } });
  assert.deepEqual(e.depth("ACME", "sell"), [{ price: "101.25", qty: "6", orders: 1 }]);
  assert.equal(e.order(1n).remaining, "6");
  assert.equal(e.order(2n), null);
  const seqs = out.map((x) => x.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + BigInt(i)), "gap-free sequence");
  e.checkInvariants();
});

test("market, IOC, FOK, post-only, STP and client order ids", () => {
  const e = engine();
  e.place(1, "ACME", "sell", "10.00", "5", { ts: 2n });
  const mkt = e.place(2, "ACME", "buy", null, "8", { ts: 3n });
  assert.deepEqual(mkt.filter((x) => x.kind !== "LevelChanged" && x.kind !== "BboChanged").map((x) => x.kind), ["Accepted", "Trade", "Cancelled"]);
  assert.equal(mkt.find((x) => x.kind === "Cancelled").reason, "no_liquidity");
  assert.equal(mkt[0].price, null);
  e.place(1, "ACME", "sell", "10.00", "5", { ts: 4n });
  const fok = e.place(2, "ACME", "buy", "10.00", "6", { timeInForce: "fok", ts: 5n });
  assert.equal(fok.find((x) => x.kind === "Cancelled").reason, "fok_unfillable");
  const post = e.place(3, "ACME", "buy", "10.00", "1", { postOnly: true, ts: 6n });
  assert.equal(post[0].kind, "Rejected");
  assert.equal(post[0].reason, "post_only_would_cross");
  const stp = e.place(1, "ACME", "buy", "10.00", "1", { stp: "cancel_taker", ts: 7n });
  assert.ok(stp.some((x) => x.kind === "Cancelled" && x.reason === "stp"));
  const cid = e.place(4, "ACME", "buy", "9.00", "1", { clientOrderId: "my-1", ts: 8n });
  assert.equal(cid[0].clientOrderId, "my-1");
  refused(e, () => e.place(4, "ACME", "buy", "9.00", "1", { clientOrderId: "my-1", ts: 9n }), bx.DuplicateClientOrderId, "duplicate_client_order_id");
  const c = e.cancel(4, "my-1", { ts: 9n });
  assert.equal(c.find((x) => x.kind === "Cancelled").reason, "user");
  refused(e, () => e.place(4, "ACME", "buy", "9.00", "1", { clientOrderId: "bad id", ts: 9n }), bx.InvalidOrder, "client_order_id_invalid");
});

test("amend with version, cancel, mass cancel, halts and expiry", () => {
  const e = engine();
  e.place(1, "ACME", "buy", "10.00", "5", { ts: 2n });
  const [am] = e.amend(1, 1n, { qty: "3", expectedVersion: 0 }, { ts: 3n }).filter((x) => x.kind === "Amended");
  assert.equal(am.version, 1);
  assert.equal(am.priorityKept, true);
  assert.equal(am.qty, "3");
  refused(e, () => e.amend(1, 1n, { price: "10.50", expectedVersion: 0 }, { ts: 4n }), bx.StaleVersion, "stale_version");
  refused(e, () => e.amend(1, 1n, {}, { ts: 4n }), bx.InvalidOrder, "nothing_to_amend");
  refused(e, () => e.amend(2, 1n, { qty: "2" }, { ts: 4n }), bx.UnknownOrder, "order_not_owned");
  refused(e, () => e.amend(1, 99n, { qty: "2" }, { ts: 4n }), bx.UnknownOrder, "unknown_order");
  const [moved] = e.amend(1, 1n, { price: "10.50" }, { ts: 5n }).filter((x) => x.kind === "Amended");
  assert.equal(moved.priorityKept, false);
  assert.equal(moved.price, "10.5");
  refused(e, () => e.cancel(2, 1n, { ts: 6n }), bx.UnknownOrder, "order_not_owned");
  e.place(2, "ACME", "buy", "9.00", "1", { ts: 6n });
  e.place(2, "ACME", "buy", "8.00", "1", { ts: 6n });
  refused(e, () => e.massCancel({}, { ts: 7n }), bx.InvalidOrder, "mass_cancel_needs_filter");
  const mc = e.massCancel({ account: 2n }, { ts: 7n }).filter((x) => x.kind === "Cancelled");
  assert.deepEqual(mc.map((x) => x.reason), ["mass_cancel", "mass_cancel"]);
  const halted = e.setStatus("ACME", "halted", { ts: 8n });
  assert.equal(halted[0].kind, "TradingStatusChanged");
  assert.equal(halted[0].status, "halted");
  assert.equal(e.place(3, "ACME", "buy", "1.00", "1", { ts: 9n })[0].reason, "instrument_halted");
  e.setStatus(0, "open", { ts: 10n });
  e.place(3, "ACME", "sell", "20.00", "1", { expireAt: 100n, ts: 11n });
  assert.equal(e.nextDeadline(), 100n);
  refused(e, () => e.place(3, "ACME", "sell", "20.00", "1", { timeInForce: "gtd", ts: 12n }), bx.InvalidOrder, "expire_at_required");
  refused(e, () => e.place(3, "ACME", "sell", "20.00", "1", { expireAt: 5n, ts: 12n }), bx.InvalidOrder, "expire_at_not_in_future");
  const exp = e.onTime(100n).filter((x) => x.kind === "Expired");
  assert.equal(exp.length, 1);
  assert.equal(exp[0].price, "20");
  assert.equal(e.nextDeadline(), null);
  refused(e, () => e.place(3, "ACME", "sell", "20.00", "1", { ts: 50n }), bx.TimeWentBackwards, "time_went_backwards");
  e.checkInvariants();
});

test("refusals: unknown instrument, off-grid, quantity bounds, market tif", () => {
  const e = engine();
  e.registerInstrument("LIM", "0.01", "1", { minQty: "2", maxQty: "5", ts: 2n });
  refused(e, () => e.place(1, "NOPE", "buy", "1", "1", { ts: 3n }), bx.UnknownInstrument, "unknown_instrument");
  refused(e, () => e.place(1, 9, "buy", "1", "1", { ts: 3n }), bx.UnknownInstrument, "unknown_instrument");
  refused(e, () => e.place(1, "ACME", "buy", "1.001", "1", { ts: 3n }), bx.InvalidOrder, "off_tick");
  refused(e, () => e.place(1, "ACME", "buy", "1", "1.5", { ts: 3n }), bx.InvalidOrder, "off_lot");
  refused(e, () => e.place(1, "ACME", "buy", "0", "1", { ts: 3n }), bx.InvalidOrder, "invalid_price");
  refused(e, () => e.place(1, "ACME", "buy", "-1", "1", { ts: 3n }), bx.InvalidOrder, "invalid_price");
  refused(e, () => e.place(1, "ACME", "buy", "1", "0", { ts: 3n }), bx.InvalidOrder, "invalid_quantity");
  refused(e, () => e.place(1, "LIM", "buy", "1", "1", { ts: 3n }), bx.InvalidOrder, "quantity_below_min");
  refused(e, () => e.place(1, "LIM", "buy", "1", "6", { ts: 3n }), bx.InvalidOrder, "quantity_above_max");
  refused(e, () => e.place(1, "ACME", "buy", null, "1", { timeInForce: "gtc", ts: 3n }), bx.InvalidOrder, "market_order_time_in_force");
  refused(e, () => e.place(1, "ACME", "buy", "1", "1", { postOnly: true, timeInForce: "ioc", ts: 3n }), bx.InvalidOrder, "post_only_time_in_force");
  refused(e, () => e.place(1, "ACME", "buy", "1", "1", { expireAt: 10n, timeInForce: "gtc", ts: 3n }), bx.InvalidOrder, "expire_at_not_allowed");
  // Quantity is checked before price, as in the core and in Python.
  refused(e, () => e.place(1, "ACME", "buy", "1.001", "1.5", { ts: 3n }), bx.InvalidOrder, "off_lot");
});

test("capacity limits are typed refusals", () => {
  const e = engine({ maxOrders: 1, marketData: false });
  e.place(1, "ACME", "buy", "1", "1", { ts: 2n });
  refused(e, () => e.place(1, "ACME", "buy", "2", "1", { ts: 3n }), bx.CapacityReached, "order_capacity_reached");
});

test("market data can be switched off", () => {
  const e = engine({ marketData: false });
  const out = e.place(1, "ACME", "buy", "1", "1", { ts: 2n });
  assert.deepEqual(out.map((x) => x.kind), ["Accepted"]);
});

test("an omitted timestamp is the wall clock, never going back", () => {
  const e = engine();
  const [a] = e.place(1, "ACME", "buy", "1", "1");
  const wall = BigInt(Date.now()) * 1_000_000n;
  assert.ok(a.ts > wall - 10_000_000_000n && a.ts <= wall + 10_000_000_000n, `ts ${a.ts} near ${wall}`);
  e.place(1, "ACME", "buy", "1", "1", { ts: a.ts + 1_000_000_000_000n });
  const [b] = e.place(1, "ACME", "buy", "1", "1");
  assert.ok(b.ts >= a.ts + 1_000_000_000_000n, "never below the engine's time");
});

test("snapshot round trip continues exactly like the original", () => {
  const e = engine();
  e.place(1, "ACME", "sell", "10", "5", { ts: 2n });
  e.place(2, "ACME", "buy", "9", "5", { ts: 3n, clientOrderId: "c-1" });
  const snap = e.snapshot();
  assert.ok(Buffer.isBuffer(snap));
  const r = bx.Engine.restore(snap);
  assert.ok(r instanceof bx.Engine);
  assert.equal(r.stateHash(), e.stateHash());
  const a = e.place(3, "ACME", "buy", "10", "7", { ts: 4n });
  const b = r.place(3, "ACME", "buy", "10", "7", { ts: 4n });
  assert.deepEqual(b, a);
  assert.equal(r.stateHash(), e.stateHash());
  assert.throws(() => bx.Engine.restore(Buffer.from("not a snapshot")), (x) => x instanceof bx.SnapshotError && x.code === "snapshot_undecodable");
  assert.throws(() => bx.Engine.restore("text"), TypeError);
});

test("close releases the engine; every later call throws ClosedError", () => {
  const e = engine();
  assert.equal(e.closed, false);
  e.close();
  assert.equal(e.closed, true);
  for (const f of [() => e.place(1, "ACME", "buy", "1", "1"), () => e.bbo(0), () => e.stateHash(), () => e.snapshot()]) {
    assert.throws(f, (x) => x instanceof bx.ClosedError && x.code === "closed");
  }
  e.close(); // idempotent
  const d = engine();
  d[Symbol.dispose]();
  assert.equal(d.closed, true);
});
