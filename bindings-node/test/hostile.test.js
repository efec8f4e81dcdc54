// Hostile and malformed input: every call throws a typed error (TypeError,
// RangeError or a BrokerXError with a code), changes nothing, and the process
// survives. Decimal edge cases are refused with the same codes as in Python.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const bx = require("..");

const HOSTILE = [
  undefined, null, true, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 64, Number.MAX_SAFE_INTEGER + 2,
  -1n, 2n ** 64n, -(2n ** 200n), 2n ** 200n, "", "NaN", "nan", "Infinity", "-inf", "sNaN", "1e99999", "1e-99999",
  "١٢٣", "0x10", "1_000", " 1", "1 ", "1.2.3", "--1", "+", ".", "e5", "9".repeat(400), "0." + "0".repeat(100) + "1",
  "\u0000", "ACME\u0000", {}, [], [1], { toString: () => "1" }, () => 1, Symbol("s"), new Date(), Buffer.alloc(3),
  new Proxy({}, { get() { throw new Error("trap"); } }),
];

function typed(err) {
  // A caller's own exception (a throwing Proxy trap) passes through unchanged.
  if (err instanceof Error && err.message === "trap") return true;
  return err instanceof TypeError || err instanceof RangeError || (err instanceof bx.BrokerXError && typeof err.code === "string");
}

function describe(v) {
  try {
    return typeof v === "symbol" ? v.toString() : typeof v === "bigint" ? `${v}n` : String(v);
  } catch {
    return "<unprintable>";
  }
}

function setup() {
  const b = new bx.Broker({ marketData: false });
  b.createAsset(1, "USD", 2, { ts: 1n });
  b.createAsset(2, "ACME", 0, { ts: 2n });
  b.registerMarket("ACME/USD", "0.01", "1", 2, 1, { risk: { collarBps: null }, ts: 3n });
  b.deposit(1n, 1, "1000.00", "seed", { ts: 4n });
  b.place(1n, 0, "buy", "1.00", "1", { ts: 5n });
  return b;
}

const good = { account: 1n, instrument: 0, side: "buy", price: "1.00", qty: "1", asset: 1, amount: "1.00", key: "k", order: 1n };
const calls = {
  place: (b, a) => b.place(a.account, a.instrument, a.side, a.price, a.qty, a.options ?? { ts: 10n }),
  deposit: (b, a) => b.deposit(a.account, a.asset, a.amount, a.key, a.options ?? { ts: 10n }),
  withdraw: (b, a) => b.withdraw(a.account, a.asset, a.amount, a.key, a.options ?? { ts: 10n }),
  cancel: (b, a) => b.cancel(a.account, a.order, a.options ?? { ts: 10n }),
  amend: (b, a) => b.amend(a.account, a.order, a.change ?? { qty: a.qty, price: a.price }, a.options ?? { ts: 10n }),
  bbo: (b, a) => b.bbo(a.instrument),
  depth: (b, a) => b.depth(a.instrument, a.side),
  available: (b, a) => b.available(a.account, a.asset),
};
const argsOf = {
  place: ["account", "instrument", "side", "price", "qty", "options"],
  deposit: ["account", "asset", "amount", "key", "options"],
  withdraw: ["account", "asset", "amount", "key", "options"],
  cancel: ["account", "order", "options"],
  amend: ["account", "order", "change", "qty", "price", "options"],
  bbo: ["instrument"],
  depth: ["instrument", "side"],
  available: ["account", "asset"],
};

test("every argument of every call, replaced by a hostile value, fails typed and changes nothing", () => {
  const b = setup();
  let tried = 0;
  let accepted = 0;
  for (const [name, call] of Object.entries(calls)) {
    for (const arg of argsOf[name]) {
      for (const bad of HOSTILE) {
        const before = b.stateHash();
        try {
          call(b, { ...good, [arg]: bad });
          accepted += 1; // some values are legal (e.g. 0 as an instrument id, `null` price = market)
        } catch (err) {
          assert.ok(typed(err), `${name}(${arg}=${describe(bad)}): untyped ${err && err.name}: ${err && err.message}`);
          assert.equal(b.stateHash(), before, `${name}(${arg}=${describe(bad)}) changed the state`);
        }
        tried += 1;
      }
    }
  }
  assert.ok(tried > 1000);
  assert.ok(accepted < tried / 4, `${accepted} of ${tried} hostile calls were accepted`);
  b.checkInvariants();
});

test("a number where money belongs is a TypeError naming the argument", () => {
  const b = setup();
  assert.throws(() => b.place(1n, 0, "buy", 1.0, "1", { ts: 10n }), (e) => e instanceof TypeError && /'price'/.test(e.message));
  assert.throws(() => b.place(1n, 0, "buy", "1", 1, { ts: 10n }), (e) => e instanceof TypeError && /'qty'/.test(e.message));
  assert.throws(() => b.deposit(1n, 1, 100, "k", { ts: 10n }), (e) => e instanceof TypeError && /'amount'/.test(e.message));
  assert.throws(() => b.amend(1n, 1n, { price: 2 }, { ts: 10n }), (e) => e instanceof TypeError && /'change.price'/.test(e.message));
  assert.throws(() => b.registerMarket("X", 0.01, "1", 2, 1), (e) => e instanceof TypeError && /'tickSize'/.test(e.message));
  assert.throws(() => b.setInstrumentRisk(0, { referencePrice: 100 }), (e) => e instanceof TypeError && /'risk.referencePrice'/.test(e.message));
});

test("ids and timestamps: negative or too large bigints are RangeErrors", () => {
  const b = setup();
  assert.throws(() => b.place(-1n, 0, "buy", "1", "1"), (e) => e instanceof RangeError && /'account'/.test(e.message));
  assert.throws(() => b.place(2n ** 64n, 0, "buy", "1", "1"), RangeError);
  assert.throws(() => b.place(1n, 0, "buy", "1", "1", { ts: -5n }), (e) => e instanceof RangeError && /'options.ts'/.test(e.message));
  assert.throws(() => b.place(1n, 0, "buy", "1", "1", { ts: 1.5 }), RangeError);
  assert.throws(() => b.onTime(-1n), RangeError);
  assert.throws(() => b.deposit(1n, 1, "1", 2n ** 128n), RangeError);
  assert.throws(() => b.place(1n, 2 ** 32, "buy", "1", "1"), RangeError);
  assert.throws(() => b.place(1n, 0, "up", "1", "1"), (e) => e instanceof RangeError && /'side'/.test(e.message));
  assert.throws(() => b.place(1n, 0, "buy", "1", "1", { timeInForce: "day" }), RangeError);
});

test("decimal text edge cases: exact or refused with the Python binding's codes", () => {
  const e = new bx.Engine({ marketData: false });
  e.registerInstrument("ACME", "0.01", "0.001", { ts: 1n });
  const code = (price, qty = "1") => {
    try {
      const out = e.place(1n, 0, "buy", price, qty, { ts: 2n });
      const id = out[0].orderId;
      e.cancel(1n, id, { ts: 2n });
      return `ok ${out[0].price} ${out[0].qty}`;
    } catch (err) {
      return err.code;
    }
  };
  assert.equal(code("100.50"), "ok 100.5 1");
  assert.equal(code("1E+2"), "ok 100 1");
  assert.equal(code("1.005e2"), "ok 100.5 1");
  assert.equal(code("+7"), "ok 7 1");
  assert.equal(code("0007.10"), "ok 7.1 1");
  assert.equal(code("100.500000000000000000000000000000000"), "ok 100.5 1");
  assert.equal(code("1", "0.001"), "ok 1 0.001");
  assert.equal(code("1", "1e-3"), "ok 1 0.001");
  assert.equal(code("100.505"), "off_tick");
  assert.equal(code("1", "0.0001"), "off_lot");
  assert.equal(code("0." + "0".repeat(40) + "1"), "off_tick");
  assert.equal(code("1e40"), "price_out_of_range");
  assert.equal(code("1", "1e40"), "quantity_out_of_range");
  assert.equal(code("NaN"), "invalid_decimal");
  assert.equal(code("-Infinity"), "invalid_decimal");
  assert.equal(code("1,5"), "invalid_decimal");
  assert.equal(code("1.2.3"), "invalid_decimal");
  assert.equal(code("1e"), "invalid_decimal");
  assert.equal(code("1e99999999999999999999"), "invalid_decimal");
  assert.equal(code("5e-7", "1"), "off_tick");
  assert.equal(code(""), "invalid_decimal");
  assert.equal(code("0"), "invalid_price");
  assert.equal(code("-0"), "invalid_price");
  assert.equal(code("-0.01"), "invalid_price");
  assert.equal(code("90071992547409.93"), "price_out_of_range");
  assert.equal(code("1", "-1"), "invalid_quantity");
  assert.equal(e.lastSeq(), 17n, "only the accepted places and their cancels made events");
});

test("a throwing getter in an options object is reported, not a crash", () => {
  const b = setup();
  const evil = Object.defineProperty({}, "ts", { get() { throw new Error("boom"); } });
  assert.throws(() => b.place(1n, 0, "buy", "1", "1", evil));
  assert.equal(b.available(1n, 1), "999.00");
});

test("the Engine, Ledger and SagaRegistry survive hostile values in every argument too", () => {
  const e = new bx.Engine({ marketData: false });
  e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
  const L = new bx.Ledger();
  L.createAsset(1, "USD", 2, { ts: 1n });
  L.createAccount(1n, 1, { system: true, ts: 1n });
  const r = new bx.SagaRegistry();
  r.startDeposit(1, 1, { account: 1, amount: 5n });
  const targets = [
    [e, (x) => e.place(x, 0, "buy", "1", "1", { ts: 2n })],
    [e, (x) => e.place(1n, 0, "buy", x, "1", { ts: 2n })],
    [e, (x) => e.amend(1n, x, { qty: "1" }, { ts: 2n })],
    [e, (x) => e.massCancel(x, { ts: 2n })],
    [e, (x) => e.setStatus(0, x)],
    [e, (x) => e.submitMany(x)],
    [e, (x) => e.submitRange(new BigInt64Array(6), x, 1)],
    [e, (x) => e.onTime(x)],
    [e, (x) => bx.Engine.restore(x)],
    [L, (x) => L.submit([{ id: 1n, debit: { owner: 1n, asset: 1 }, credit: x, amount: 1n }], { ts: 2n })],
    [L, (x) => L.submit([x], { ts: 2n })],
    [L, (x) => L.balance(x, 1)],
    [L, (x) => L.createAccount(2n, 1, x)],
    [L, (x) => bx.Ledger.replay(x)],
    [r, (x) => r.advance(2, 1, x)],
    [r, (x) => r.advance(2, 1, "payment_confirmed", { payment: x })],
    [r, (x) => r.startOrder(2, 9, x)],
  ];
  let refused = 0;
  for (const [obj, call] of targets) {
    for (const bad of HOSTILE) {
      const state = () => (obj instanceof bx.SagaRegistry ? obj.snapshot().toString() : obj.stateHash());
      const before = state();
      try {
        call(bad);
      } catch (err) {
        refused += 1;
        assert.ok(typed(err), `${call}(${describe(bad)}): untyped ${err && err.name}: ${err && err.message}`);
        assert.equal(state(), before, `${call}(${describe(bad)}) changed the state`);
      }
    }
  }
  assert.ok(refused > targets.length * HOSTILE.length * 0.7, `only ${refused} refused`);
  e.checkInvariants();
  L.checkInvariants();
  r.checkInvariants();
});

test("a getter that calls back into the same object is refused, typed, and changes nothing", () => {
  const e = new bx.Engine();
  e.registerInstrument("A", "0.01", "1", { ts: 1n });
  const hash = e.stateHash();
  const evil = { get ts() { e.place(1n, 0, "buy", "1", "1"); return 5n; } };
  assert.throws(() => e.place(1n, 0, "buy", "1", "1", evil), (x) => x instanceof bx.BrokerXError && x.code === "reentrant_call");
  assert.equal(e.stateHash(), hash);
  const b = new bx.Broker();
  b.createAsset(1, "USD", 2, { ts: 1n });
  const bh = b.stateHash();
  const again = { get ts() { b.deposit(1n, 1, "1.00", "k2"); return 5n; } };
  assert.throws(() => b.deposit(1n, 1, "1.00", "k", again), (x) => typed(x));
  assert.equal(b.stateHash(), bh);
  e.checkInvariants();
  b.checkInvariants();
});
