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
e.place(7n, "ACME", "buy", "100.00", "2", { ts: 3n, clientOrderId: "c-1" });
const amended: bx.Event[] = e.amend(7n, "c-1", { qty: "1", expectedVersion: 0 }, { ts: 4n });
const byClient: bx.Order | null = e.orderByClientId(7n, "c-1");
void [amended, byClient];
const bbo: bx.Bbo = e.bbo(0);
const bid: string | undefined = bbo.bid?.price;
void bid;

const batch = new bx.CommandBatch()
  .limit(1, 0, "buy", 10000n, 5)
  .cancel(1, 2n)
  .limit(1, 0, "sell", 10100n, 1, { stp: "cancel_taker", expireAt: 2n ** 62n, clientOrderId: "b-1" })
  .amendQty(1, "b-1", 2);
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

const ledger = new bx.Ledger({ transferLimits: [{ code: 1, asset: 1, maxAmount: 100_000n }] });
ledger.createAsset(1, "USD", 2);
ledger.createAccount(1n, 1, { system: true });
ledger.createAccount(2n, 1);
const results: bx.TransferResult[] = ledger.submit([
  { id: 1n, kind: "pending", debit: { owner: 1n, asset: 1 }, credit: { owner: 2n, asset: 1 }, amount: 500n, timeoutNs: 1000n },
  { id: 2n, kind: "post", pendingId: 1n, amount: 500n, code: 3 },
]);
const status: string = results[0].status;
const balance: bx.Balance | null = ledger.balance(2n, 1);
const again: bx.Ledger = bx.Ledger.replay(ledger.journal());
void [status, balance, again];
// @ts-expect-error: ledger amounts are bigint minor units, never numbers
ledger.submit([{ id: 3n, debit: { owner: 1n, asset: 1 }, credit: { owner: 2n, asset: 1 }, amount: 5 }]);

const sagas = new bx.SagaRegistry({ replyTimeoutNs: 100n });
const actions: Array<Record<string, unknown>> = sagas.startDeposit(1n, 9n, { account: 1n, amount: 100n });
void actions;
