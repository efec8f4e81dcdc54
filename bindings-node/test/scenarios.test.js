// The shared scenario files (testdata/scenarios/*.txt), replayed through Node.
// Same format and checks as the Rust runner (engine-core/tests/scenarios.rs)
// and the Python one (bindings-python/tests/test_scenarios.py): a command's
// trading events (everything but market data and status changes) must match
// its `expect` lines one for one, keys not written are not checked, and
// `expect book` compares the depth after the command.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const bx = require("..");
const { sameDecimal } = require("./support.js");

const DIR = path.resolve(__dirname, "../../testdata/scenarios");
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort();
const NOT_TRADING = new Set(["LevelChanged", "BboChanged", "TradingStatusChanged", "InstrumentRegistered"]);

function parse(text) {
  const lines = [];
  text.split("\n").forEach((raw, i) => {
    const t = raw.split("#")[0].trim();
    if (!t) return;
    const [verb, ...rest] = t.split(/\s+/);
    const line = { no: i + 1, verb, words: [], kv: {} };
    for (const w of rest) {
      const eq = w.indexOf("=");
      if (eq >= 0) line.kv[w.slice(0, eq)] = w.slice(eq + 1);
      else line.words.push(w);
    }
    lines.push(line);
  });
  return lines;
}

function fields(ev) {
  switch (ev.kind) {
    case "Accepted":
      return ["accepted", { order: ev.orderId }];
    case "Rejected": {
      const got = { reason: ev.reason };
      if (ev.orderId !== null) got.order = ev.orderId;
      return ["rejected", got];
    }
    case "Trade":
      return ["trade", { price: ev.price, qty: ev.qty, maker: ev.makerOrderId, taker: ev.takerOrderId }];
    case "Cancelled":
      return ["cancelled", { order: ev.orderId, qty: ev.qty, reason: ev.reason }];
    case "Reduced":
      return ["reduced", { order: ev.orderId, qty: ev.qty, remaining: ev.remaining }];
    case "Amended":
      return ["amended", {
        order: ev.orderId, version: ev.version, price: ev.price, qty: ev.qty, remaining: ev.remaining,
        priority: ev.priorityKept ? "kept" : "lost",
      }];
    case "Expired":
      return ["expired", { order: ev.orderId, qty: ev.qty }];
    case "StopAccepted":
      return ["stop_accepted", {
        order: ev.orderId, side: ev.side, trigger: ev.trigger, limit: ev.limit ?? "none", qty: ev.qty, tif: ev.timeInForce,
      }];
    case "Triggered":
      return ["triggered", {
        order: ev.orderId, side: ev.side, trigger: ev.trigger, last: ev.lastPrice, limit: ev.limit ?? "none", qty: ev.qty,
        tif: ev.timeInForce,
      }];
    case "TriggerLimitReached":
      return ["trigger_limit", { fired: ev.fired }];
    case "StopAmended":
      return ["stop_amended", {
        order: ev.orderId, version: ev.version, trigger: ev.trigger, limit: ev.limit ?? "none", qty: ev.qty,
        priority: ev.priorityKept ? "kept" : "lost",
      }];
    default:
      return ["other", {}];
  }
}

function same(got, want) {
  if (typeof got === "bigint" || typeof got === "number") return String(got) === want;
  if (/^[+-]?[0-9.]+$/.test(want) && /^[+-]?[0-9.]+$/.test(String(got))) return sameDecimal(String(got), want);
  return String(got) === want;
}

function levels(e, sym, side) {
  return e.depth(sym, side, 1000).map((l) => [l.price, l.qty, l.orders]);
}

function parseLevels(text) {
  return text.split(",").filter(Boolean).map((part) => {
    const [pq, n] = part.split("/");
    const [p, q] = pq.split("@");
    return [p, q, Number(n)];
  });
}

function sameLevels(got, want) {
  return got.length === want.length &&
    got.every((g, i) => sameDecimal(g[0], want[i][0]) && sameDecimal(g[1], want[i][1]) && g[2] === want[i][2]);
}

function runCommand(e, line, firstSymbol, corr) {
  const kv = line.kv;
  const ts = "t" in kv ? BigInt(kv.t) : e.now(); // as the Rust runner: the engine's time, not the wall clock
  const sym = kv.sym ?? firstSymbol;
  const opts = { ts, correlationId: BigInt(corr) };
  switch (line.verb) {
    case "place": {
      const market = line.words.includes("market");
      return e.place(BigInt(kv.acct), sym, kv.side, market ? null : kv.price, kv.qty, {
        ...opts,
        timeInForce: kv.tif ?? "gtc", // as the Rust and Python runners
        expireAt: "expire_at" in kv ? BigInt(kv.expire_at) : undefined,
        postOnly: line.words.includes("post_only"),
        stp: kv.stp ?? "none",
        clientOrderId: kv.cid,
        trigger: kv.trigger,
        amount: kv.amount,
      });
    }
    case "cancel":
      return e.cancel(BigInt(kv.acct), BigInt(kv.order), opts);
    case "amend":
      return e.amend(BigInt(kv.acct), BigInt(kv.order), {
        price: kv.price, qty: kv.qty, trigger: kv.trigger, expectedVersion: "version" in kv ? Number(kv.version) : undefined,
      }, opts);
    case "mass_cancel":
      return e.massCancel({ account: "acct" in kv ? BigInt(kv.acct) : undefined, instrument: kv.sym }, opts);
    case "status": {
      const status = line.words.find((w) => ["open", "halted", "closed"].includes(w));
      return e.setStatus(sym, status, { ...opts, cancelResting: line.words.includes("cancel_resting") });
    }
    case "expire":
      return e.onTime(BigInt(kv.t));
    default:
      throw new Error(`line ${line.no}: unknown verb ${line.verb}`);
  }
}

/** Replays one file; returns the number of expectations checked. */
function replay(file) {
  const all = parse(fs.readFileSync(path.join(DIR, file), "utf8"));
  // `engine key=value ...` on a file's first line configures its engine.
  const head = all[0] && all[0].verb === "engine" ? all[0] : null;
  const lines = head ? all.slice(1) : all;
  const known = { max_triggers_per_command: "maxTriggersPerCommand", max_orders: "maxOrders", max_levels_per_side: "maxLevelsPerSide" };
  const config = {};
  for (const [k, v] of Object.entries(head ? head.kv : {})) {
    assert.ok(k in known, `${file}:${head.no}: unknown engine setting ${k}`);
    config[known[k]] = Number(v);
  }
  const e = new bx.Engine(config);
  let firstSymbol = "";
  let checked = 0;
  let corr = 0;
  for (let i = 0; i < lines.length; ) {
    const cmd = lines[i++];
    const expects = [];
    while (i < lines.length && lines[i].verb === "expect") expects.push(lines[i++]);
    const at = `${file}:${cmd.no}`;
    corr += 1;
    if (cmd.verb === "instrument") {
      const symbol = cmd.words[0];
      firstSymbol = firstSymbol || symbol;
      e.registerInstrument(symbol, cmd.kv.tick, cmd.kv.lot, {
        minQty: cmd.kv.min, maxQty: cmd.kv.max, ts: e.now(), correlationId: BigInt(corr),
      });
      continue;
    }
    const errors = expects.filter((x) => x.words[0] === "error");
    const VIEWS = ["book", "stops", "last_trade"];
    const books = expects.filter((x) => VIEWS.includes(x.words[0]));
    const events = expects.filter((x) => x.words[0] !== "error" && !VIEWS.includes(x.words[0]));
    const before = e.stateHash();
    let out;
    try {
      out = runCommand(e, cmd, firstSymbol, corr);
    } catch (err) {
      assert.ok(err instanceof bx.BrokerXError, `${at}: ${err}`);
      assert.ok(errors.length > 0, `${at}: unexpected error ${err.code}: ${err.message}`);
      assert.equal(err.code, errors[0].kv.code, `${at}: wrong error code`);
      assert.equal(e.stateHash(), before, `${at}: a refused command changed the state`);
      checked += 1;
      continue;
    }
    assert.equal(errors.length, 0, `${at}: expected error ${errors[0]?.kv.code}`);
    const trading = out.filter((ev) => !NOT_TRADING.has(ev.kind));
    assert.equal(trading.length, events.length, `${at}: ${events.length} events expected, got ${JSON.stringify(trading, (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
    trading.forEach((ev, n) => {
      const ex = events[n];
      const [name, got] = fields(ev);
      assert.equal(name, ex.words[0], `${file}:${ex.no}: expected ${ex.words[0]}, got ${ev.kind}`);
      for (const [k, want] of Object.entries(ex.kv)) {
        assert.ok(k in got, `${file}:${ex.no}: ${name} has no key ${k}`);
        assert.ok(same(got[k], want), `${file}:${ex.no}: ${name} ${k}: expected ${want}, got ${got[k]}`);
      }
      checked += 1;
    });
    const sym = cmd.kv.sym ?? firstSymbol;
    for (const b of books) {
      if (b.words[0] === "stops") {
        for (const [key, side] of [["buys", "buy"], ["sells", "sell"]]) {
          if (key in b.kv) assert.equal(e.stops(sym, side).map((o) => String(o.orderId)).join(","), b.kv[key], `${file}:${b.no} ${key}`);
        }
        checked += 1;
        continue;
      }
      if (b.words[0] === "last_trade") {
        const last = e.lastPrice(sym);
        assert.ok(same(last === null ? "none" : last, b.kv.price), `${file}:${b.no} last trade ${last}`);
        checked += 1;
        continue;
      }
      if ("bids" in b.kv) assert.ok(sameLevels(levels(e, sym, "buy"), parseLevels(b.kv.bids)), `${file}:${b.no} bids`);
      if ("asks" in b.kv) assert.ok(sameLevels(levels(e, sym, "sell"), parseLevels(b.kv.asks)), `${file}:${b.no} asks`);
      checked += 1;
    }
    e.checkInvariants();
  }
  e.close();
  return checked;
}

test("the shared scenario files are there", () => {
  assert.ok(FILES.length >= 5, `no scenario files under ${DIR}`);
});

for (const file of FILES) {
  test(`scenario ${file}`, () => {
    assert.ok(replay(file) > 0);
  });
}
