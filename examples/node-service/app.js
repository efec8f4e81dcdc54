// The HTTP API: Fastify routes that convert JSON to Broker calls and the
// Broker's typed errors to `{code, message}` with a status. One writer: Node runs
// the handlers one at a time and each command is synchronous, so commands are
// serialized without a lock.
"use strict";
const Fastify = require("fastify");
const bx = require("brokerx");
const { Brokerage, USD, ACME, SYMBOL } = require("./brokerage");
const { Store } = require("./store");

const ASSETS = { USD, ACME };

/** HTTP status for an error, by its class (the class is the core's code family). */
function statusOf(e) {
  if (e instanceof TypeError || e instanceof RangeError) return 400;
  if (e instanceof bx.IdempotencyConflict) return 422;
  if (e instanceof bx.StaleVersion) return 409;
  if (e instanceof bx.UnknownOrder || e instanceof bx.UnknownInstrument) return 404;
  if (e instanceof bx.InsufficientFunds || e instanceof bx.TransferRefused) return 422;
  if (e instanceof bx.CapacityReached) return 503;
  if (e instanceof bx.BrokerXError) return 400;
  return 500;
}

const json = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x)));

function fundsBody(ev) {
  return { key: ev.key.toString(), account: ev.account.toString(), asset: ev.asset, amount: ev.amount, status: ev.status };
}

function orderBody(events) {
  const accepted = events.find((e) => e.kind === "Accepted");
  const rejected = events.find((e) => e.kind === "RiskRejected" || e.kind === "Rejected");
  return json({
    orderId: accepted ? accepted.orderId : null,
    rejected: rejected ? { reason: rejected.reason, context: rejected.context ?? {} } : null,
    trades: events.filter((e) => e.kind === "Trade").map((t) => ({ tradeId: t.tradeId, price: t.price, qty: t.qty })),
    cancelled: events.filter((e) => e.kind === "Cancelled").map((c) => ({ orderId: c.orderId, qty: c.qty, reason: c.reason })),
  });
}

function build({ dataDir, logger = false }) {
  const app = Fastify({ logger });
  const brokerage = new Brokerage(new Store(dataDir));
  app.decorate("brokerage", brokerage);

  app.setErrorHandler((e, req, reply) => {
    if (e.validation) return reply.code(400).send({ code: "invalid_argument", message: e.message });
    const status = statusOf(e);
    reply.code(status).send({ code: typeof e.code === "string" ? e.code : "internal", message: e.message });
  });

  app.post("/deposits", (req, reply) => {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key.length === 0) {
      return reply.code(400).send({ code: "idempotency_key_required", message: "send an Idempotency-Key header" });
    }
    const { account, asset, amount } = req.body ?? {};
    const events = brokerage.execute("deposit", { account: String(account), asset: ASSETS[asset] ?? asset, amount, key });
    const moved = events.find((e) => e.kind === "FundsMoved");
    // A replay with the same key and body is the original answer (the core's idempotency).
    if (moved.replayed) reply.header("idempotent-replayed", "true");
    return reply.code(201).send(fundsBody(moved));
  });

  app.post("/orders", (req, reply) => {
    const { account, side, price, qty, timeInForce, clientOrderId } = req.body ?? {};
    const events = brokerage.execute("place", {
      account: String(account), symbol: SYMBOL, side, price: price ?? null, qty, timeInForce, clientOrderId,
    });
    const body = orderBody(events);
    return reply.code(body.orderId === null ? 422 : 201).send(body);
  });

  app.patch("/orders/:id", (req, reply) => {
    const { account, price, qty, expectedVersion } = req.body ?? {};
    const events = brokerage.execute("amend", { account: String(account), orderId: req.params.id, price, qty, expectedVersion });
    const amended = events.find((e) => e.kind === "Amended");
    if (!amended) return reply.code(422).send(orderBody(events));
    return reply.send(json({ orderId: amended.orderId, version: amended.version, price: amended.price, qty: amended.qty, remaining: amended.remaining }));
  });

  app.delete("/orders/:id", (req, reply) => {
    const events = brokerage.execute("cancel", { account: String(req.query.account), orderId: req.params.id });
    const c = events.find((e) => e.kind === "Cancelled");
    return reply.send(json({ orderId: c.orderId, cancelledQty: c.qty, filled: c.filled }));
  });

  app.get("/orders/:id", (req, reply) => {
    const o = brokerage.broker.order(BigInt(req.params.id));
    if (!o) return reply.code(404).send({ code: "unknown_order", message: `order ${req.params.id} is not live` });
    return reply.send(json(o));
  });

  app.get("/book", () => ({
    bids: brokerage.broker.depth(SYMBOL, "buy"),
    asks: brokerage.broker.depth(SYMBOL, "sell"),
  }));

  app.get("/trades", () => brokerage.trades);

  app.get("/balances/:account", (req) => {
    const account = BigInt(req.params.account);
    const out = {};
    for (const [code, id] of Object.entries(ASSETS)) {
      out[code] = { balance: brokerage.broker.balance(account, id), available: brokerage.broker.available(account, id) };
    }
    return out;
  });

  app.post("/admin/snapshot", () => {
    brokerage.snapshot();
    return { ok: true };
  });

  app.addHook("onClose", async () => brokerage.close());
  return app;
}

module.exports = { build, statusOf };
