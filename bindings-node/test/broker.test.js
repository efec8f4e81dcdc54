// Broker: deposits and withdrawals with idempotency keys, markets, orders with
// holds and settlement, risk refusals as events, configuration commands.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

const USD = 1;
const ACME = 2;

function broker() {
  const b = new bx.Broker();
  let t = 0n;
  const ts = () => ({ ts: ++t });
  b.createAsset(USD, "USD", 2, ts());
  b.createAsset(ACME, "ACME", 0, ts());
  b.registerMarket("ACME/USD", "0.01", "1", ACME, USD, { risk: { collarBps: 2000, referencePrice: "100" }, ...ts() });
  return { b, ts };
}

function refused(b, f, cls, code) {
  const before = b.stateHash();
  const seq = b.lastSeq();
  assert.throws(f, (err) => err instanceof cls && err.code === code, `expected ${cls.name} ${code}`);
  assert.equal(b.stateHash(), before, "a refused command changed the state");
  assert.equal(b.lastSeq(), seq, "a refused command emitted events");
}

test("deposits are idempotent by key: a replay answers the same, a changed request is a conflict", () => {
  const { b, ts } = broker();
  const first = b.deposit(7n, USD, "1000.00", "idem-1", ts());
  const moved = first.find((e) => e.kind === "FundsMoved");
  assert.deepEqual(
    { status: moved.status, replayed: moved.replayed, amount: moved.amount, direction: moved.direction, account: moved.account },
    { status: "ok", replayed: false, amount: "1000.00", direction: "deposit", account: 7n },
  );
  const posting = first.find((e) => e.kind === "Posting");
  assert.equal(posting.postingKind, "single");
  assert.deepEqual(posting.credit, { owner: 7n, asset: USD });
  const again = b.deposit(7n, USD, "1000.00", "idem-1", ts());
  assert.equal(again.length, 1);
  assert.equal(again[0].replayed, true);
  assert.equal(again[0].key, moved.key);
  assert.equal(b.balance(7n, USD), "1000.00");
  refused(b, () => b.deposit(7n, USD, "999.00", "idem-1", ts()), bx.IdempotencyConflict, "idempotency_conflict");
  // The same key as bytes, bigint or string follows the core's mapping: a bigint is used as is.
  b.deposit(7n, USD, "1.00", 5n, ts());
  assert.equal(b.deposit(7n, USD, "1.00", 5, ts())[0].replayed, true);
  b.deposit(7n, USD, "1.00", Buffer.from("bytes-key"), ts());
  assert.equal(b.deposit(7n, USD, "1.00", new Uint8Array(Buffer.from("bytes-key")), ts())[0].replayed, true);
  assert.equal(b.available(7n, USD), "1002.00");
});

test("amounts are exact at the asset's scale or refused", () => {
  const { b, ts } = broker();
  refused(b, () => b.deposit(7n, USD, "1.001", "k1", ts()), bx.InvalidAmount, "scale_exceeds_asset");
  refused(b, () => b.deposit(7n, USD, "-5", "k2", ts()), bx.InvalidAmount, "negative_amount");
  refused(b, () => b.deposit(7n, USD, "0", "k3", ts()), bx.InvalidAmount, "invalid_amount");
  refused(b, () => b.deposit(7n, 9, "1", "k4", ts()), bx.InvalidAccount, "unknown_asset");
  refused(b, () => b.deposit(2n ** 64n - 1n, USD, "1", "k5", ts()), bx.InvalidAccount, "reserved_account");
  refused(b, () => b.deposit(7n, USD, "1e40", "k6", ts()), bx.InvalidAmount, "amount_overflow");
});

test("a refused withdrawal is journaled and thrown with its event", () => {
  const { b, ts } = broker();
  b.deposit(7n, USD, "100.00", "d", ts());
  const seq = b.lastSeq();
  let err;
  assert.throws(() => b.withdraw(7n, USD, "100.01", "w", ts()), (e) => (err = e) instanceof bx.InsufficientFunds);
  assert.equal(err.code, "insufficient_funds");
  assert.equal(err.event.kind, "FundsMoved");
  assert.equal(err.event.status, "insufficient_funds");
  assert.ok(err.events.length >= 1);
  assert.equal(b.lastSeq(), seq + 1n, "the refusal has its sequence number");
  // The same key again answers the same way, replayed.
  assert.throws(() => b.withdraw(7n, USD, "100.01", "w", ts()), (e) => e instanceof bx.InsufficientFunds && e.event.replayed === true);
  assert.equal(b.balance(7n, USD), "100.00");
  const ok = b.withdraw(7n, USD, "40.00", "w2", ts()).find((e) => e.kind === "FundsMoved");
  assert.equal(ok.status, "ok");
  assert.equal(b.balance(7n, USD), "60.00");
});

test("wallet caps refuse deposits past them", () => {
  const b = new bx.Broker();
  b.createAsset(USD, "USD", 2, { walletMaxBalance: "50.00", ts: 1n });
  b.deposit(1, USD, "50.00", "a", { ts: 2n });
  assert.throws(() => b.deposit(1, USD, "0.01", "b", { ts: 3n }), (e) => e instanceof bx.LimitExceeded && e.code === "exceeds_max_balance");
  refused(b, () => b.createAsset(USD, "USD", 2, { ts: 4n }), bx.InvalidAccount, "asset_exists");
});

test("orders hold funds, trade, settle and release", () => {
  const { b, ts } = broker();
  b.deposit(1n, USD, "5000.00", "a", ts());
  b.deposit(2n, ACME, "50", "b", ts());
  const sell = b.place(2n, "ACME/USD", "sell", "101.00", "30", ts());
  const sellId = sell.find((e) => e.kind === "Accepted").orderId;
  assert.deepEqual(b.holdOf(sellId).amount, "30");
  const buy = b.place(1n, "ACME/USD", "buy", "102.00", "20", ts());
  assert.ok(buy.some((e) => e.kind === "Trade" && e.price === "101" && e.qty === "20"));
  assert.ok(buy.some((e) => e.kind === "Posting" && e.tradeId !== null));
  assert.equal(b.balance(1n, USD), "2980.00");
  assert.equal(b.balance(1n, ACME), "20");
  assert.equal(b.balance(2n, USD), "2020.00");
  assert.equal(b.balance(2n, ACME), "30");
  assert.equal(b.available(2n, ACME), "20");
  const [am] = b.amend(2n, sellId, { qty: "25", expectedVersion: 0 }, ts()).filter((e) => e.kind === "Amended");
  assert.equal(am.version, 1);
  refused(b, () => b.amend(2n, sellId, { qty: "24", expectedVersion: 0 }, ts()), bx.StaleVersion, "stale_version");
  const c = b.cancel(2n, sellId, ts());
  assert.ok(c.some((e) => e.kind === "Posting" && e.postingKind === "void"));
  assert.equal(b.available(2n, ACME), "30");
  assert.equal(b.holdOf(sellId), null);
  assert.deepEqual(b.bbo("ACME/USD"), { bid: null, ask: null });
  b.checkInvariants();
});

test("risk refusals are events with facts in the caller's units", () => {
  const { b, ts } = broker();
  b.deposit(1n, USD, "5.00", "a", ts());
  const out = b.place(1n, "ACME/USD", "buy", "100.00", "1", ts());
  assert.equal(out.length, 1);
  const r = out[0];
  assert.equal(r.kind, "RiskRejected");
  assert.equal(r.reason, "insufficient_funds");
  assert.deepEqual(r.context, { available: "5.00", required: "100.00" });
  const collar = b.place(1n, "ACME/USD", "buy", "200.00", "1", ts())[0];
  assert.equal(collar.kind, "RiskRejected");
  assert.equal(collar.reason, "price_outside_collar");
});

test("configuration: risk, limits, kill switch, restrictions, status", () => {
  const { b, ts } = broker();
  b.deposit(1n, USD, "5000.00", "a", ts());
  assert.equal(b.place(1n, 0, "buy", "10.00", "1", ts())[0].reason, "price_outside_collar");
  assert.equal(b.setInstrumentRisk("ACME/USD", { collarBps: null, makerFeeBps: 1, takerFeeBps: 2 }, ts())[0].kind, "InstrumentRiskChanged");
  refused(b, () => b.setInstrumentRisk("ACME/USD", { collarBps: 0 }, ts()), bx.InvalidRisk, "invalid_instrument_risk");
  refused(b, () => b.setInstrumentRisk("ACME/USD", { takerFeeBps: 10001 }, ts()), bx.InvalidRisk, "invalid_instrument_risk");
  assert.equal(b.setAccountLimits(1n, { maxOrderQty: 5, maxOpenOrders: 1, throttle: { maxCommands: 10, windowNs: 1_000_000_000n } }, ts())[0].kind, "AccountLimitsChanged");
  assert.equal(b.place(1n, 0, "buy", "10.00", "6", ts())[0].reason, "order_qty_limit");
  b.place(1n, 0, "buy", "10.00", "1", ts());
  assert.equal(b.place(1n, 0, "buy", "10.00", "1", ts())[0].reason, "too_many_open_orders");
  const kill = b.setAccountEnabled(1n, false, ts());
  assert.ok(kill.some((e) => e.kind === "AccountEnabledChanged" && e.enabled === false));
  assert.ok(kill.some((e) => e.kind === "Cancelled"));
  assert.equal(b.place(1n, 0, "buy", "10.00", "1", ts())[0].reason, "account_disabled");
  b.setAccountEnabled(1n, true, ts());
  const r = b.restrictInstrument(1n, "ACME/USD", true, ts());
  assert.equal(r[0].kind, "RestrictionChanged");
  assert.equal(b.place(1n, 0, "buy", "10.00", "1", ts())[0].reason, "instrument_restricted");
  b.restrictInstrument(1n, "ACME/USD", false, ts());
  b.setStatus("ACME/USD", "halted", ts());
  const h = b.place(1n, 0, "buy", "10.00", "1", ts());
  assert.ok(h.some((e) => e.kind === "RiskRejected" || e.kind === "Rejected"));
  refused(b, () => b.registerMarket("ACME/USD", "0.01", "1", ACME, USD, ts()), bx.InvalidInstrument, "duplicate_symbol");
  refused(b, () => b.registerMarket("BAD", "0.001", "1", ACME, USD, ts()), bx.InvalidInstrument, "invalid_market");
  refused(b, () => b.registerMarket("NOQ", "0.01", "1", ACME, 9, ts()), bx.InvalidAccount, "unknown_asset");
  b.checkInvariants();
});

test("GTD expiry through onTime releases the hold", () => {
  const { b, ts } = broker();
  b.deposit(1n, USD, "100.00", "a", ts());
  const id = b.place(1n, 0, "buy", "90.00", "1", { expireAt: 1000n, ...ts() }).find((e) => e.kind === "Accepted").orderId;
  assert.equal(b.available(1n, USD), "10.00");
  assert.equal(b.nextDeadline(), 1000n);
  const out = b.onTime(1000n);
  assert.ok(out.some((e) => e.kind === "Expired" && e.orderId === id));
  assert.equal(b.available(1n, USD), "100.00");
});

test("broker snapshot round trip: same hash, same answers after", () => {
  const { b, ts } = broker();
  b.deposit(1n, USD, "1000.00", "a", ts());
  b.deposit(2n, ACME, "10", "b", ts());
  b.place(2n, 0, "sell", "100.00", "5", ts());
  const r = bx.Broker.restore(b.snapshot());
  assert.equal(r.stateHash(), b.stateHash());
  assert.deepEqual(r.deposit(1n, USD, "1000.00", "a", { ts: 100n }), b.deposit(1n, USD, "1000.00", "a", { ts: 100n }));
  assert.deepEqual(r.place(1n, 0, "buy", "100.00", "2", { ts: 101n }), b.place(1n, 0, "buy", "100.00", "2", { ts: 101n }));
  assert.equal(r.available(1n, USD), b.available(1n, USD));
  r.checkInvariants();
  b.close();
  assert.throws(() => b.balance(1n, USD), bx.ClosedError);
  assert.equal(r.balance(1n, USD), "800.00");
});
