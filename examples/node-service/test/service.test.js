// Starts the service on 127.0.0.1 as a separate process and drives it over
// HTTP: idempotent deposits, place / amend with version / cancel, book, trades,
// balances, then restarts (graceful: snapshot + journal; killed: journal replay
// after the last snapshot) and checks the same balances, book and trades.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");

const SERVER = path.resolve(__dirname, "..", "server.js");

async function start(dataDir) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  const call = async (method, route, body, headers = {}) => {
    const res = await fetch(url + route, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const stop = (signal) =>
    new Promise((resolve) => {
      child.on("exit", resolve);
      child.kill(signal);
    });
  return { call, stop };
}

test("a brokerage over HTTP survives restarts with the same balances, book and trades", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "brokerx-service-"));
  let s = await start(dir);
  try {
    // Deposits with an Idempotency-Key: a replay is the original answer, a changed body 422.
    const d1 = await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: "10000.00" }, { "idempotency-key": "dep-1" });
    assert.equal(d1.status, 201);
    assert.deepEqual({ ...d1.body, key: undefined }, { key: undefined, account: "1", asset: 1, amount: "10000.00", status: "ok" });
    const again = await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: "10000.00" }, { "idempotency-key": "dep-1" });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, d1.body);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    const conflict = await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: "9.00" }, { "idempotency-key": "dep-1" });
    assert.equal(conflict.status, 422);
    assert.equal(conflict.body.code, "idempotency_conflict");
    assert.equal((await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: "1" })).status, 400);
    const typed = await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: 5 }, { "idempotency-key": "dep-x" });
    assert.equal(typed.status, 400);
    assert.equal(typed.body.code, "ERR_INVALID_ARG_TYPE");
    assert.equal((await s.call("POST", "/deposits", { account: 2, asset: "ACME", amount: "100" }, { "idempotency-key": "dep-2" })).status, 201);

    // Orders: a sell rests, a buy trades at the resting price.
    const sell = await s.call("POST", "/orders", { account: 2, side: "sell", price: "101.00", qty: "30" });
    assert.equal(sell.status, 201);
    const buy = await s.call("POST", "/orders", { account: 1, side: "buy", price: "102.00", qty: "10" });
    assert.equal(buy.status, 201);
    assert.deepEqual(buy.body.trades.map((t) => [t.price, t.qty]), [["101", "10"]]);
    const poor = await s.call("POST", "/orders", { account: 3, side: "buy", price: "100.00", qty: "1" });
    assert.equal(poor.status, 422);
    assert.equal(poor.body.rejected.reason, "insufficient_funds");
    const offTick = await s.call("POST", "/orders", { account: 1, side: "buy", price: "100.001", qty: "1" });
    assert.equal(offTick.status, 400);
    assert.equal(offTick.body.code, "off_tick");

    // Amend with the expected version; a stale version is 409.
    const id = sell.body.orderId;
    const am = await s.call("PATCH", `/orders/${id}`, { account: 2, qty: "25", expectedVersion: 0 });
    assert.equal(am.status, 200);
    assert.equal(am.body.version, 1);
    const stale = await s.call("PATCH", `/orders/${id}`, { account: 2, qty: "24", expectedVersion: 0 });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, "stale_version");
    const bid = await s.call("POST", "/orders", { account: 1, side: "buy", price: "99.00", qty: "5" });
    const cancelled = await s.call("DELETE", `/orders/${bid.body.orderId}?account=1`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.cancelledQty, "5");
    assert.equal((await s.call("DELETE", `/orders/${bid.body.orderId}?account=1`)).status, 404);
    await s.call("POST", "/orders", { account: 1, side: "buy", price: "98.50", qty: "3" });

    const before = {
      book: (await s.call("GET", "/book")).body,
      trades: (await s.call("GET", "/trades")).body,
      b1: (await s.call("GET", "/balances/1")).body,
      b2: (await s.call("GET", "/balances/2")).body,
    };
    assert.deepEqual(before.book.asks, [{ price: "101", qty: "15", orders: 1 }]);
    assert.deepEqual(before.book.bids, [{ price: "98.5", qty: "3", orders: 1 }]);
    assert.deepEqual(before.b1.USD, { balance: "8990.00", available: "8694.50" });
    assert.deepEqual(before.b2.ACME, { balance: "90", available: "75" });
    assert.equal(before.trades.length, 1);

    const same = async () => {
      assert.deepEqual((await s.call("GET", "/book")).body, before.book);
      assert.deepEqual((await s.call("GET", "/trades")).body, before.trades);
      assert.deepEqual((await s.call("GET", "/balances/1")).body, before.b1);
      assert.deepEqual((await s.call("GET", "/balances/2")).body, before.b2);
    };

    // Graceful restart: snapshot written at shutdown.
    await s.stop("SIGTERM");
    assert.ok(fs.existsSync(path.join(dir, "snapshot.bin")));
    s = await start(dir);
    await same();
    // The idempotency record survived: the same request is still the original answer.
    const replay = await s.call("POST", "/deposits", { account: 1, asset: "USD", amount: "10000.00" }, { "idempotency-key": "dep-1" });
    assert.deepEqual(replay.body, d1.body);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");

    // More work, then a crash (no snapshot): the journal after the last snapshot is replayed.
    const sell2 = await s.call("POST", "/orders", { account: 2, side: "sell", price: "98.50", qty: "2" });
    assert.deepEqual(sell2.body.trades.map((t) => [t.price, t.qty]), [["98.5", "2"]]);
    before.book = (await s.call("GET", "/book")).body;
    before.trades = (await s.call("GET", "/trades")).body;
    before.b1 = (await s.call("GET", "/balances/1")).body;
    before.b2 = (await s.call("GET", "/balances/2")).body;
    await s.stop("SIGKILL");
    // A torn tail (a write cut by the crash) is cut, never replayed.
    fs.appendFileSync(path.join(dir, "journal.jsonl"), '{"op":"deposit","args":{"acc');
    s = await start(dir);
    await same();
    assert.equal(before.trades.length, 2);
  } finally {
    await s.stop("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
