// The service's use of the Broker: every state change goes through `execute`,
// which runs the command and journals it (with the time the Broker used, so a
// replay is exact) before the HTTP reply. The trade tape is rebuilt from the
// events on replay. No business rule here: the Broker decides everything.
"use strict";
const bx = require("brokerx");

const USD = 1;
const ACME = 2;
const SYMBOL = "ACME/USD";

/** The commands a journal record can hold, by name. */
const commands = {
  createAsset: (b, a, o) => b.createAsset(a.asset, a.code, a.scale, o),
  registerMarket: (b, a, o) => b.registerMarket(a.symbol, a.tick, a.lot, a.base, a.quote, { ...o, risk: a.risk }),
  deposit: (b, a, o) => b.deposit(BigInt(a.account), a.asset, a.amount, a.key, o),
  place: (b, a, o) => b.place(BigInt(a.account), a.symbol, a.side, a.price, a.qty, { ...o, timeInForce: a.timeInForce, clientOrderId: a.clientOrderId }),
  amend: (b, a, o) => b.amend(BigInt(a.account), BigInt(a.orderId), { price: a.price, qty: a.qty, expectedVersion: a.expectedVersion }, o),
  cancel: (b, a, o) => b.cancel(BigInt(a.account), BigInt(a.orderId), o),
};

class Brokerage {
  constructor(store) {
    this.store = store;
    this.trades = [];
    const { snapshot, extra, records } = store.load();
    this.broker = snapshot ? bx.Broker.restore(snapshot) : new bx.Broker();
    if (extra) this.trades = extra.trades;
    for (const r of records) this.run(r.op, r.args, BigInt(r.ts));
    store.open();
    if (!snapshot && records.length === 0) this.bootstrap();
  }

  bootstrap() {
    this.execute("createAsset", { asset: USD, code: "USD", scale: 2 });
    this.execute("createAsset", { asset: ACME, code: "ACME", scale: 0 });
    this.execute("registerMarket", {
      symbol: SYMBOL, tick: "0.01", lot: "1", base: ACME, quote: USD, risk: { collarBps: 5000, referencePrice: "100.00" },
    });
  }

  /** Runs a command at `ts`; its events (a refused deposit's too, which the Broker journals). */
  run(op, args, ts) {
    let events;
    try {
      events = commands[op](this.broker, args, ts === undefined ? {} : { ts });
    } catch (e) {
      if (!e.events) throw e;
      events = e.events;
      this.tape(events);
      throw e;
    }
    this.tape(events);
    return events;
  }

  tape(events) {
    for (const e of events) {
      if (e.kind === "Trade") {
        this.trades.push({ tradeId: e.tradeId.toString(), price: e.price, qty: e.qty, aggressor: e.aggressor, ts: e.ts.toString() });
      }
    }
  }

  /** Runs and journals a command; throws the Broker's typed error (nothing journaled) if refused. */
  execute(op, args) {
    let events;
    try {
      events = this.run(op, args);
    } catch (e) {
      // A refused deposit changed the Broker (it is journaled there): journal it too.
      if (e.events && e.events.length) this.store.append({ op, args, ts: e.events[0].ts });
      throw e;
    }
    this.store.append({ op, args, ts: events.length ? events[0].ts : this.broker.now() });
    return events;
  }

  snapshot() {
    // The snapshot is the last file renamed: it names the journal lines it covers.
    this.store.snapshot(this.broker.snapshot(), { trades: this.trades });
  }

  close() {
    this.snapshot();
    this.store.close();
    this.broker.close();
  }
}

module.exports = { Brokerage, USD, ACME, SYMBOL };
