// A typed use of the package, checked with `tsc --noEmit --strict` (npm run typecheck).
import * as bx from "brokerx";

const e = new bx.Engine({ marketData: false });
e.registerInstrument("ACME", "0.01", "1", { ts: 1n });
const events: bx.Event[] = e.place(7n, "ACME", "sell", "101.25", "10", { ts: 2n, timeInForce: "gtc" });
for (const ev of events) {
  // Narrowing on the discriminant: only a Trade has makerOrderId.
  if (ev.kind === "Trade") {
    const maker: bigint = ev.makerOrderId;
    const price: string = ev.price;
    void [maker, price];
  } else if (ev.kind === "Accepted") {
    const id: bigint = ev.orderId;
    const p: string | null = ev.price;
    void [id, p];
  }
}
const bbo: bx.Bbo = e.bbo(0);
const bid: string | undefined = bbo.bid?.price;
void bid;

const batch = new bx.CommandBatch().limit(1, 0, "buy", 10000n, 5).cancel(1, 2n);
const r: bx.BatchResult = e.submitMany(batch, { events: "none" });
const applied: number = r.applied;
void applied;
e[Symbol.dispose]();

const b = new bx.Broker();
b.createAsset(1, "USD", 2);
b.registerMarket("ACME/USD", "0.01", "1", 2, 1, { risk: { collarBps: null, referencePrice: "100" } });
try {
  b.deposit(7n, 1, "1000.00", "idem-1");
} catch (err) {
  if (err instanceof bx.InsufficientFunds) {
    const code: string = err.code;
    void code;
  }
}
const available: string = b.available(7n, 1);
void available;
b.close();

// @ts-expect-error: money is never a number
e.place(7n, 0, "buy", 101.25, "1");
// @ts-expect-error: sides are 'buy' | 'sell'
e.place(7n, 0, "up", "1", "1");
