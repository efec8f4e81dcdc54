#!/usr/bin/env node
// Throughput of the Node binding, in interleaved rounds (shared noisy machines:
// compare within one run). `node bench/bench.js [rounds] [n]`.
//
//   per-call queued   placeQueued + cancelQueued, decimal strings in, events kept
//                     natively and dropped every 4096 commands (a host that keeps none)
//   per-call events   place + cancel returning their events as objects
//   per-call range    submitRange(buffer, i, 1): one native call per command
//   broker per-call   Broker.place + Broker.cancel (risk check, ledger hold, void), events returned
//   submitMany        one batch of a seeded mix: 50% limit, 10% market, 30% cancel,
//                     10% reduce, around a mid, a few thousand resting orders
"use strict";
const { Engine, Broker, CommandBatch } = require("..");
const os = require("node:os");

const rounds = Number(process.argv[2] || 5);
const n = Number(process.argv[3] || 200000);

function lcg(seed) {
  let s = BigInt(seed);
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 33n) / 2 ** 31;
  };
}

function mix(count, seed) {
  const rnd = lcg(seed);
  const b = new CommandBatch(count);
  const live = [];
  let next = 1;
  const mid = 10000;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const side = rnd() < 0.5 ? "buy" : "sell";
    if (r < 0.5 || live.length < 100) {
      const off = Math.floor(rnd() * 50) + 1;
      const price = side === "buy" ? mid - off + 5 : mid + off - 5;
      b.limit(1, 0, side, price, 1 + Math.floor(rnd() * 20));
      live.push(next++);
    } else if (r < 0.6) {
      b.market(1, 0, side, 1 + Math.floor(rnd() * 10));
      next++;
    } else if (r < 0.9) {
      const k = Math.floor(rnd() * live.length);
      b.cancel(1, live[k]);
      live[k] = live[live.length - 1];
      live.pop();
    } else {
      b.reduce(1, live[Math.floor(rnd() * live.length)], 1);
    }
  }
  return b;
}

function fresh(opts) {
  const e = new Engine({ marketData: false, ...opts });
  e.registerInstrument("BX-USD", "0.01", "1", { ts: 1n });
  return e;
}

const prices = Array.from({ length: 64 }, (_, i) => (100 + i / 100).toFixed(2));
const cases = {
  "per-call queued"() {
    const e = fresh();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const id = e.placeQueued(1n, 0, "buy", prices[i & 63], "1");
      e.cancelQueued(1n, id);
      if ((i & 2047) === 0) e.dropEvents();
    }
    return (2 * n) / (Number(process.hrtime.bigint() - t0) / 1e9);
  },
  "per-call events"() {
    const e = fresh();
    const m = n >> 2;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < m; i++) {
      const [a] = e.place(1n, 0, "buy", prices[i & 63], "1");
      e.cancel(1n, a.orderId);
    }
    return (2 * m) / (Number(process.hrtime.bigint() - t0) / 1e9);
  },
  "per-call range"() {
    const e = fresh({ batchEvents: "none" });
    const b = new CommandBatch(2 * n);
    for (let i = 0; i < n; i++) b.limit(1, 0, "buy", 10000 + (i & 63), 1).cancel(1, i + 1);
    const recs = b.records();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 2 * n; i++) e.submitRange(recs, i, 1);
    return (2 * n) / (Number(process.hrtime.bigint() - t0) / 1e9);
  },
  "broker per-call"() {
    const b = new Broker({ marketData: false });
    b.createAsset(1, "USD", 2, { ts: 1n });
    b.createAsset(2, "ACME", 0, { ts: 1n });
    b.registerMarket("BX-USD", "0.01", "1", 2, 1, { risk: { collarBps: 5000, referencePrice: "100" }, ts: 1n });
    b.deposit(1n, 1, "1000000000.00", "seed", { ts: 1n });
    const m = n >> 2;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < m; i++) {
      const out = b.place(1n, 0, "buy", prices[i & 63], "1");
      b.cancel(1n, out[1].orderId);
    }
    return (2 * m) / (Number(process.hrtime.bigint() - t0) / 1e9);
  },
  submitMany() {
    const e = fresh();
    const b = mix(5 * n, 42);
    const t0 = process.hrtime.bigint();
    const r = e.submitMany(b, { events: "none" });
    const rate = b.length / (Number(process.hrtime.bigint() - t0) / 1e9);
    if (r.applied < b.length * 0.9) throw new Error(`only ${r.applied} of ${b.length} applied`);
    return rate;
  },
};

const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
console.log(`load before: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} (${os.cpus().length} vCPUs), n=${n}, rounds=${rounds}`);
for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(cases)) results[k].push(f());
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [k, xs] of Object.entries(results)) {
  console.log(`${k.padEnd(16)} median ${(median(xs) / 1e6).toFixed(2)} M cmds/s  (rounds: ${xs.map((x) => (x / 1e6).toFixed(2)).join(", ")})`);
}
console.log(`load after: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
