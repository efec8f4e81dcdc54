// Stops (stop-limit, stop-market) and orders by quote amount through Engine and
// Broker: the same behaviour, events and refusal codes as the Python binding
// (bindings-python/tests/test_stops.py, test_by_amount.py). The rules are the core's.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

const LIQ = 1n;
const TAKER = 2n;
const STOPS = 3n;
const kinds = (evs) => evs.map((e) => e.kind);
const of = (evs, kind) => evs.filter((e) => e.kind === kind);
const trading = (evs) => evs.filter((e) => e.kind !== "LevelChanged" && e.kind !== "BboChanged");
const fills = (evs) => of(evs, "Trade").map((t) => [t.price, t.qty]);

function refused(x, f, cls, code) {
  const before = [x.stateHash(), x.lastSeq()];
  assert.throws(f, (err) => err instanceof cls && err.code === code, `expected ${cls.name} ${code}`);
  assert.deepEqual([x.stateHash(), x.lastSeq()], before, "a refused command changed the state");
}

/** ACME (tick 0.01, lot 1): a last trade at 100.00, asks 9 at 100.00 and 10 at 101.00, a bid at 99.00. */
function traded(options) {
  const e = new bx.Engine(options);
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  e.place(LIQ, "ACME", "sell", "100.00", "10", { ts: 2000n });
  e.place(LIQ, "ACME", "sell", "101.00", "10", { ts: 2000n });
  e.place(LIQ, "ACME", "buy", "99.00", "10", { ts: 2000n });
  e.place(TAKER, "ACME", "buy", "100.00", "1", { ts: 2000n });
  assert.equal(e.lastPrice("ACME"), "100");
  return e;
}

test("a stop-market waits outside the book, status waiting", () => {
  const e = traded();
  const bbo = e.bbo("ACME");
  const evs = e.place(STOPS, "ACME", "buy", null, "5", { trigger: "105.00", ts: 3000n, correlationId: 7n });
  assert.deepEqual(evs, [{
    kind: "StopAccepted", seq: evs[0].seq, ts: 3000n, correlationId: 7n, instrument: 0, orderId: evs[0].orderId,
    account: STOPS, side: "buy", trigger: "105", limit: null, qty: "5", timeInForce: "gtc",
  }]);
  assert.deepEqual(e.bbo("ACME"), bbo);
  const o = e.order(evs[0].orderId);
  assert.deepEqual([o.status, o.trigger, o.price, o.remaining, o.version], ["waiting", "105", "105", "5", 0]);
  assert.deepEqual(e.stops("ACME", "buy").map((s) => s.orderId), [evs[0].orderId]);
  assert.deepEqual(e.stops(0, "sell"), []);
});

test("a stop-limit carries its limit and tif; a trade at the trigger fires it under its id", () => {
  const e = traded();
  const [acc] = e.place(STOPS, "ACME", "buy", "101.00", "12", { trigger: "101.00", ts: 3000n });
  assert.deepEqual([acc.kind, acc.trigger, acc.limit, acc.timeInForce], ["StopAccepted", "101", "101", "gtc"]);
  const sid = acc.orderId;
  assert.deepEqual(kinds(trading(e.place(TAKER, "ACME", "buy", "100.00", "1", { ts: 3001n }))), ["Accepted", "Trade"]);
  assert.equal(e.order(sid).status, "waiting");
  const evs = trading(e.place(TAKER, "ACME", "buy", "101.00", "9", { ts: 4000n, correlationId: 42n }));
  assert.deepEqual(kinds(evs), ["Accepted", "Trade", "Trade", "Triggered", "Trade"]);
  const [t] = of(evs, "Triggered");
  assert.deepEqual(
    [t.orderId, t.account, t.side, t.trigger, t.lastPrice, t.limit, t.qty, t.timeInForce],
    [sid, STOPS, "buy", "101", "101", "101", "12", "gtc"],
  );
  assert.ok(evs.every((x) => x.correlationId === 42n));
  const last = evs.at(-1);
  assert.deepEqual([last.takerOrderId, last.qty], [sid, "9"]);
  const o = e.order(sid);
  assert.deepEqual([o.status, o.trigger, o.remaining], ["resting", null, "3"]);
  assert.equal(e.lastPrice(0), "101");
  // Reached at entry: triggers at once.
  assert.deepEqual(kinds(trading(e.place(STOPS, "ACME", "sell", null, "2", { trigger: "101.00", ts: 4001n }))), [
    "StopAccepted", "Triggered", "Trade",
  ]);
});

test("the trigger limit is an event and the rest fire at the next trade", () => {
  const e = new bx.Engine({ maxTriggersPerCommand: 1 });
  e.registerInstrument("ACME", "1", "1", { ts: 1n });
  for (const px of ["101", "105"]) e.place(LIQ, "ACME", "sell", px, "1", { ts: 2n });
  e.place(LIQ, "ACME", "sell", "110", "5", { ts: 2n });
  const first = e.place(STOPS, "ACME", "buy", null, "1", { trigger: "101", ts: 3n })[0].orderId;
  const second = e.place(STOPS, "ACME", "buy", null, "1", { trigger: "105", ts: 3n })[0].orderId;
  const evs = e.place(TAKER, "ACME", "buy", "101", "1", { ts: 4n });
  assert.deepEqual(of(evs, "Triggered").map((t) => t.orderId), [first]);
  const [lim] = of(evs, "TriggerLimitReached");
  assert.deepEqual([lim.fired, lim.instrument, lim.correlationId], [1, 0, 0n]);
  assert.deepEqual(e.stops("ACME", "buy").map((o) => o.orderId), [second]);
  e.place(LIQ, "ACME", "buy", "50", "1", { ts: 5n });
  assert.deepEqual(of(e.place(TAKER, "ACME", "sell", "50", "1", { ts: 6n }), "Triggered").map((t) => t.orderId), [second]);
  e.checkInvariants();
});

test("amending a waiting stop: quantity, limit, trigger; a reached trigger fires", () => {
  const e = traded();
  const sid = e.place(STOPS, "ACME", "buy", "106.00", "5", { trigger: "105.00", ts: 3000n })[0].orderId;
  const other = e.place(STOPS, "ACME", "buy", null, "1", { trigger: "105.00", ts: 3000n })[0].orderId;
  const [a] = e.amend(STOPS, sid, { qty: "3", expectedVersion: 0 }, { ts: 3001n });
  assert.deepEqual(
    [a.kind, a.orderId, a.side, a.version, a.trigger, a.limit, a.qty, a.priorityKept],
    ["StopAmended", sid, "buy", 1, "105", "106", "3", true],
  );
  refused(e, () => e.amend(STOPS, sid, { qty: "2", expectedVersion: 0 }, { ts: 3002n }), bx.StaleVersion, "stale_version");
  const [p] = e.amend(STOPS, sid, { price: "107.00" }, { ts: 3003n });
  assert.deepEqual([p.limit, p.priorityKept], ["107", false]);
  const [t] = e.amend(STOPS, other, { trigger: "106.50" }, { ts: 3004n });
  assert.deepEqual([t.kind, t.trigger, t.limit], ["StopAmended", "106.5", null]);
  assert.deepEqual(e.stops("ACME", "buy").map((o) => o.orderId), [sid, other]);
  assert.deepEqual(kinds(trading(e.amend(STOPS, other, { trigger: "100.00" }, { ts: 3005n }))), [
    "StopAmended", "Triggered", "Trade",
  ]);
});

test("refused stops and stop amends: the Python codes, nothing changed", () => {
  const e = traded();
  const cases = [
    [null, { trigger: "100.001" }, bx.InvalidOrder, "off_tick"],
    [null, { trigger: "0" }, bx.InvalidOrder, "invalid_trigger_price"],
    [null, { trigger: "NaN" }, bx.InvalidDecimal, "invalid_decimal"],
    [null, { trigger: "1E+30" }, bx.InvalidOrder, "price_out_of_range"],
    ["0.001", { trigger: "0.001" }, bx.InvalidOrder, "off_tick"],
    [null, { trigger: "100", timeInForce: "ioc" }, bx.InvalidOrder, "stop_market_time_in_force"],
    ["101", { trigger: "100", postOnly: true }, bx.InvalidOrder, "post_only_stop"],
    ["101", { trigger: "100", timeInForce: "gtd" }, bx.InvalidOrder, "expire_at_required"],
    [null, { trigger: "100", amount: "500" }, bx.InvalidOrder, "invalid_argument"],
  ];
  for (const [price, opts, cls, code] of cases) {
    refused(e, () => e.place(STOPS, "ACME", "buy", price, "1", { ...opts, ts: 3000n }), cls, code);
  }
  assert.throws(() => e.place(STOPS, "ACME", "buy", null, "1", { trigger: 100.5 }), (x) => x instanceof TypeError && /trigger/.test(x.message));
  const sid = e.place(STOPS, "ACME", "buy", null, "1", { trigger: "105", ts: 3000n })[0].orderId;
  for (const [account, id, change, cls, code] of [
    [LIQ, 1n, { trigger: "101" }, bx.InvalidOrder, "not_a_stop"],
    [STOPS, sid, { price: "105" }, bx.InvalidOrder, "stop_market_has_no_limit"],
    [STOPS, sid, { trigger: "105.005" }, bx.InvalidOrder, "off_tick"],
    [TAKER, sid, { trigger: "106" }, bx.UnknownOrder, "order_not_owned"],
    [STOPS, 999n, { trigger: "106" }, bx.UnknownOrder, "unknown_order"],
  ]) {
    refused(e, () => e.amend(account, id, change, { ts: 3001n }), cls, code);
  }
  assert.throws(() => e.amend(STOPS, sid, { newTrigger: "106" }), (x) => x instanceof TypeError && /'trigger'/.test(x.message));
  // A waiting stop cancels with its limit as price.
  const [c] = trading(e.cancel(STOPS, sid, { ts: 3002n }));
  assert.deepEqual([c.kind, c.orderId, c.qty, c.reason, c.filled], ["Cancelled", sid, "1", "user", "0"]);
});

test("by amount on the Engine: a market buy stops before the lot that would pass it; refusals", () => {
  const e = new bx.Engine();
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  for (const [px, q] of [["100.00", "3"], ["101.00", "2"], ["103.00", "5"]]) e.place(LIQ, "ACME", "sell", px, q, { ts: 2000n });
  const cases = [
    [null, { amount: "0" }, bx.InvalidAmount, "invalid_amount"],
    [null, { amount: "-5.00" }, bx.InvalidAmount, "invalid_amount"],
    [null, { amount: "500.001" }, bx.InvalidAmount, "amount_off_grid"],
    [null, { amount: "1E-30" }, bx.InvalidAmount, "amount_off_grid"],
    [null, { amount: "184467440737095516.16" }, bx.InvalidAmount, "amount_out_of_range"],
    [null, { amount: "1E+40" }, bx.InvalidAmount, "amount_out_of_range"],
    [null, { amount: "NaN" }, bx.InvalidDecimal, "invalid_decimal"],
    ["0", { amount: "0" }, bx.InvalidOrder, "invalid_price"],
    [null, { amount: "500", timeInForce: "gtc" }, bx.InvalidOrder, "market_order_time_in_force"],
    [null, { amount: "500", postOnly: true }, bx.InvalidOrder, "post_only_time_in_force"],
    [null, { amount: "500", expireAt: 9000n }, bx.InvalidOrder, "expire_at_not_allowed"],
  ];
  for (const [price, opts, cls, code] of cases) {
    refused(e, () => e.place(TAKER, "ACME", "buy", price, "10", { ...opts, ts: 3000n }), cls, code);
  }
  assert.throws(() => e.place(TAKER, "ACME", "buy", null, "10", { amount: 500 }), (x) => x instanceof TypeError && /amount/.test(x.message));
  const evs = e.place(TAKER, "ACME", "buy", null, "1000", { amount: "600.00", ts: 3000n, correlationId: 4n });
  const [acc] = of(evs, "Accepted");
  assert.deepEqual([acc.price, acc.qty, acc.timeInForce], [null, "1000", "ioc"]);
  assert.deepEqual(fills(evs), [["100", "3"], ["101", "2"]]);
  const [c] = of(evs, "Cancelled");
  assert.deepEqual([c.qty, c.reason], ["995", "no_liquidity"]);
  const lim = e.place(TAKER, "ACME", "buy", "103.00", "1000", { amount: "250.00", ts: 3001n });
  assert.deepEqual(fills(lim), [["103", "2"]]);
  assert.deepEqual(of(lim, "Cancelled").map((x) => [x.qty, x.reason]), [["998", "ioc_remainder"]]);
});

const USD = 1;
const ASSET = 2;
function market() {
  const b = new bx.Broker();
  b.createAsset(USD, "USD", 2, { ts: 1n });
  b.createAsset(ASSET, "ACME", 0, { ts: 1n });
  b.registerMarket("ACME/USD", "0.01", "1", ASSET, USD, { risk: { collarBps: 2000, referencePrice: "100.00", makerFeeBps: 10, takerFeeBps: 30 }, ts: 2n });
  b.deposit(TAKER, USD, "100000.00", "dep-b", { ts: 3n });
  b.deposit(LIQ, ASSET, "1000", "dep-s", { ts: 3n });
  b.place(LIQ, "ACME/USD", "sell", "100.00", "3", { ts: 4n });
  b.place(LIQ, "ACME/USD", "sell", "101.00", "5", { ts: 4n });
  return b;
}

test("Broker buy by amount holds amount + fee, spends at most the amount, releases the rest", () => {
  const b = market();
  const evs = b.place(TAKER, "ACME/USD", "buy", null, "1000", { amount: "500.00", ts: 5n });
  const holds = of(evs, "Posting").filter((p) => p.postingKind === "hold");
  assert.deepEqual(holds.map((p) => p.amount), ["501.50"]);
  const [acc] = of(evs, "Accepted");
  assert.deepEqual([acc.price, acc.timeInForce], ["120", "ioc"]);
  assert.deepEqual(fills(evs), [["100", "3"], ["101", "1"]]); // 401.00 ≤ 500.00
  assert.equal(b.balance(TAKER, ASSET), "4");
  assert.equal(b.balance(TAKER, USD), "99597.79"); // 401.00 + 1.21 fee
  assert.equal(b.available(TAKER, USD), "99597.79");
  assert.equal(b.holdOf(acc.orderId), null);
  assert.equal(b.balance(LIQ, USD), "400.59");
  b.checkInvariants();
  for (const [inst, amount, cls, code] of [
    ["ACME/USD", "500.001", bx.InvalidAmount, "amount_off_grid"],
    ["ACME/USD", "0", bx.InvalidAmount, "invalid_amount"],
    ["ACME/USD", "1E+20", bx.InvalidAmount, "amount_out_of_range"],
    ["ACME/USD", "NaN", bx.InvalidDecimal, "invalid_decimal"],
    ["NOPE/USD", "500", bx.UnknownInstrument, "unknown_instrument"],
  ]) {
    refused(b, () => b.place(TAKER, inst, "buy", null, "10", { amount, ts: 6n }), cls, code);
  }
  refused(b, () => b.place(TAKER, "ACME/USD", "buy", null, "10", { amount: "500", trigger: "101", ts: 6n }), bx.InvalidOrder, "invalid_argument");
});

test("Broker stop-limit: held at its limit while waiting, settled when triggered; cancel releases a stop-market", () => {
  const b = new bx.Broker();
  b.createAsset(USD, "USD", 2, { ts: 1n });
  b.createAsset(ASSET, "ACME", 0, { ts: 1n });
  b.registerMarket("ACME/USD", "0.01", "1", ASSET, USD, { risk: { referencePrice: "100" }, ts: 2n });
  b.deposit(STOPS, USD, "10000.00", "dep", { ts: 3n });
  b.deposit(TAKER, USD, "10000.00", "dep-t", { ts: 3n });
  b.deposit(LIQ, ASSET, "100", "dep-acme", { ts: 4n });
  b.place(LIQ, "ACME/USD", "sell", "100.00", "1", { ts: 5n });
  b.place(TAKER, "ACME/USD", "buy", "100.00", "1", { ts: 6n });
  b.place(LIQ, "ACME/USD", "sell", "101.00", "10", { ts: 7n });
  assert.equal(b.lastPrice("ACME/USD"), "100");
  const [acc] = of(b.place(STOPS, "ACME/USD", "buy", "102.00", "3", { trigger: "101.00", ts: 8n }), "StopAccepted");
  assert.deepEqual([acc.limit, acc.trigger], ["102", "101"]);
  assert.equal(b.holdOf(acc.orderId).amount, "306.00");
  assert.equal(b.available(STOPS, USD), "9694.00");
  assert.deepEqual(b.stops("ACME/USD", "buy").map((o) => o.orderId), [acc.orderId]);
  const evs = b.place(TAKER, "ACME/USD", "buy", "101.00", "1", { ts: 9n });
  assert.deepEqual(of(evs, "Triggered").map((t) => t.orderId), [acc.orderId]);
  assert.equal(b.holdOf(acc.orderId), null);
  assert.equal(b.balance(STOPS, USD), "9697.00");
  assert.equal(b.available(STOPS, USD), "9697.00");
  assert.equal(b.balance(STOPS, ASSET), "3");
  // A stop-market is protected (and held) at the collar around its trigger (10 %: 115.50).
  const [mkt] = of(b.place(STOPS, "ACME/USD", "buy", null, "2", { trigger: "105.00", ts: 10n }), "StopAccepted");
  assert.deepEqual([mkt.limit, mkt.timeInForce], ["115.5", "ioc"]);
  assert.equal(b.holdOf(mkt.orderId).amount, "231.00");
  assert.equal(b.available(STOPS, USD), "9466.00");
  refused(b, () => b.amend(STOPS, mkt.orderId, { price: "105.00" }, { ts: 11n }), bx.InvalidOrder, "stop_market_has_no_limit");
  b.cancel(STOPS, mkt.orderId, { ts: 12n });
  assert.equal(b.available(STOPS, USD), "9697.00");
  b.checkInvariants();
});

test("batch ops carry stops, amounts and trigger amends exactly as place/amend", () => {
  const e = traded();
  const direct = bx.Engine.restore(e.snapshot());
  const batch = new bx.CommandBatch()
    .stopLimit(STOPS, 0, "buy", 10500n, 10600n, 5n)
    .stopMarket(STOPS, 0, "sell", 9000n, 1n)
    .amendTrigger(STOPS, 5n, 10650n)
    .marketByAmount(TAKER, 0, "buy", 20000n, 100n);
  const r = e.submitMany(batch, { ts: 3000n });
  assert.deepEqual([r.applied, r.refused], [4, 0]);
  direct.place(STOPS, "ACME", "buy", "106.00", "5", { trigger: "105.00", ts: 3000n });
  direct.place(STOPS, "ACME", "sell", null, "1", { trigger: "90.00", ts: 3000n });
  direct.amend(STOPS, 5n, { trigger: "106.50" }, { ts: 3000n });
  direct.place(TAKER, "ACME", "buy", null, "100", { amount: "200.00", ts: 3000n });
  assert.equal(e.stateHash(), direct.stateHash());
  const bad = new bx.CommandBatch().push(1 | (1 << 20), 0, 1, 0, 100, 1);
  assert.deepEqual(e.submitMany(bad).errors.map((x) => x.code), ["invalid_argument"]);
});
