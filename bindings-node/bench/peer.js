#!/usr/bin/env node
// BrokerX Engine from Node.js as a peer in ../shared/peers/run_all.sh: reads the
// shared CSV (op,id,side,price,qty), times only the replay, prints one RESULT line.
//
//   EXTRA_PEERS='brokerx_node_call|node bindings-node/bench/peer.js {CSV} call;brokerx_node_batch|node bindings-node/bench/peer.js {CSV} batch' \
//     bash ../shared/peers/run_all.sh
//
// Mode `call`: one native call per command (`submitMany` of one record, on a
// range of one pre-encoded buffer: results, not exceptions, for the workload's
// many refused cancels). Mode `batch`: one `submitMany` over the whole workload.
// Either way: one instrument (tick 0.01, lot 1, prices in ticks as in the CSV),
// market data off, events not kept (fills counted, as every peer counts its
// fills). REDUCE is the encoding's `reduce`: the order's total quantity down,
// a cancel when nothing would be left; the new total follows from the CSV alone
// (fills never change an order's total), as in benches/src/peers.rs.
"use strict";
const fs = require("node:fs");
const { Engine, CommandBatch } = require("..");
const pkg = require("../package.json");

const path = process.argv[2] || "workload.csv";
const mode = process.argv[3] || "batch";

// ---- load (untimed) ----
const lines = fs.readFileSync(path, "utf8").split("\n");
if (lines[0] !== "op,id,side,price,qty") throw new Error("bad header");
const batch = new CommandBatch(lines.length);
const totals = new Map();
let ordinal = 0;
const engineId = new Map(); // CSV id -> engine id (identity when the CSV numbers orders 1, 2, 3, ...)
for (let i = 1; i < lines.length; i++) {
  const l = lines[i];
  if (!l) continue;
  const [op, idText, sideText, priceText, qtyText] = l.split(",");
  const id = Number(idText);
  const side = sideText === "B" ? "buy" : "sell";
  const qty = Number(qtyText);
  switch (op) {
    case "NEW_LIMIT":
      engineId.set(id, ++ordinal);
      totals.set(id, qty);
      batch.limit(1, 0, side, Number(priceText), qty);
      break;
    case "NEW_MARKET":
      engineId.set(id, ++ordinal);
      batch.market(1, 0, side, qty);
      break;
    case "CANCEL":
      batch.cancel(1, engineId.get(id) ?? 0);
      break;
    case "REDUCE": {
      const total = (totals.get(id) ?? 0) - qty;
      totals.set(id, total);
      if (total > 0) batch.reduce(1, engineId.get(id) ?? 0, total);
      else batch.cancel(1, engineId.get(id) ?? 0);
      break;
    }
    default:
      break;
  }
}
const records = batch.records();
const n = batch.length;

const e = new Engine({ marketData: false, batchEvents: "none" });
e.registerInstrument("BX-USD", "0.01", "1", { ts: 1n });
const opts = { events: "none", ts: 2n };

// ---- replay (timed) ----
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let trades = 0;
let volume = 0n;
if (mode === "batch") {
  const r = e.submitMany(records, opts);
  trades = r.trades;
  volume = r.tradedLots;
} else {
  for (let i = 0; i < n; i++) e.submitRange(records, i, 1);
  const t = e.batchTotals();
  trades = Number(t.trades);
  volume = t.tradedLots;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const cu = process.cpuUsage(c0);
const cpuSecs = (cu.user + cu.system) / 1e6;

// ---- final book checksum (untimed): FNV-1a 64 over B,<price>,<qty>\n best first, then A,... ----
// Prices back to ticks (tick 0.01) by text, not by float arithmetic.
const ticks = (p) => {
  const [int, frac = ""] = p.split(".");
  return BigInt(int + frac.padEnd(2, "0"));
};
let text = "";
for (const l of e.depth(0, "buy")) text += `B,${ticks(l.price)},${l.qty}\n`;
for (const l of e.depth(0, "sell")) text += `A,${ticks(l.price)},${l.qty}\n`;
let h = 0xcbf29ce484222325n;
for (const b of Buffer.from(text)) {
  h ^= BigInt(b);
  h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
}
let live = 0;
for (const l of e.depth(0, "buy")) live += l.orders;
for (const l of e.depth(0, "sell")) live += l.orders;
console.log(
  "RESULT " +
    JSON.stringify({
      peer: `brokerx-node-${mode}`,
      version: pkg.version,
      ops: n,
      secs,
      ops_per_sec: n / secs,
      cpu_secs: cpuSecs,
      trades,
      volume: Number(volume),
      checksum: h.toString(16).padStart(16, "0"),
      live_orders: live,
    }),
);
