// Types of the `brokerx` package: everything the generated `index.d.ts`
// declares (the native classes, events, options), plus what `lib.js` adds:
// the Error subclasses, `CommandBatch`, and `Symbol.dispose` on closable objects.
export * from "./index";
import type { BatchResult, CommandOptions, SelfTradePrevention, Side } from "./index";

/** Base class of every BrokerX error; `code` is the core's stable code. */
export declare class BrokerXError extends Error {
  constructor(message?: string, code?: string);
  readonly code: string;
  static readonly defaultCode: string;
}
/** Malformed command: bad price or quantity, off the tick/lot grid, bad flags. */
export declare class InvalidOrder extends BrokerXError {}
/** A decimal that is not a finite number (NaN, Infinity, unparsable text). */
export declare class InvalidDecimal extends InvalidOrder {}
export declare class StaleVersion extends InvalidOrder {}
export declare class DuplicateClientOrderId extends InvalidOrder {}
/** The order is unknown, no longer live, or belongs to another account. */
export declare class UnknownOrder extends BrokerXError {}
export declare class UnknownInstrument extends BrokerXError {}
/** The instrument or market spec is invalid, or its symbol is taken. */
export declare class InvalidInstrument extends BrokerXError {}
/** Instrument risk parameters the core refuses. */
export declare class InvalidRisk extends InvalidInstrument {}
export declare class TimeWentBackwards extends BrokerXError {}
/** A configured limit (orders, levels, instruments, queued events) is reached. */
export declare class CapacityReached extends BrokerXError {}
export declare class SnapshotError extends BrokerXError {}
export declare class InvariantViolation extends BrokerXError {}
/** A FundsMoved refusal (thrown by `deposit` / `withdraw`), with its events. */
export declare class InsufficientFunds extends BrokerXError {
  event?: import("./index").Event;
  events?: import("./index").Event[];
}
export declare class IdempotencyConflict extends BrokerXError {}
/** An amount that does not fit its asset (negative, too many decimals, too large). */
export declare class InvalidAmount extends BrokerXError {}
/** An asset or account that cannot be created or is not there, or a reserved one. */
export declare class InvalidAccount extends BrokerXError {}
/** A ledger transfer was refused; `code` is the ledger's status code. */
export declare class TransferRefused extends BrokerXError {
  event?: import("./index").Event;
  events?: import("./index").Event[];
}
export declare class LimitExceeded extends TransferRefused {}
export declare class SagaError extends BrokerXError {}
/** The object was closed (`close()` / `[Symbol.dispose]`). */
export declare class ClosedError extends BrokerXError {}

/** The package's error for a native error (anything else is returned as is). */
export declare function retype(e: unknown): unknown;

/** What a batch place carries beyond its record: STP in the head, expiry and client order id in an extension record. */
export interface BatchPlaceOptions {
  stp?: SelfTradePrevention;
  /** GTD expiry (ns since the epoch); the default time in force becomes `gtd`. */
  expireAt?: bigint | number;
  /** 1 to 36 bytes. */
  clientOrderId?: string;
}
export interface BatchTimeInForce {
  timeInForce?: "gtc" | "ioc" | "fok" | "gtd";
}

/** Writes the compact encoding `Engine.submitMany` / `submitRange` read (ticks and lots). */
export declare class CommandBatch {
  constructor(capacity?: number);
  static readonly RECORD: 6;
  readonly length: number;
  limit(
    account: bigint | number,
    instrument: number,
    side: Side,
    priceTicks: bigint | number,
    qtyLots: bigint | number,
    options?: { timeInForce?: "gtc" | "ioc" | "fok" | "gtd"; postOnly?: boolean } & BatchPlaceOptions,
  ): this;
  market(account: bigint | number, instrument: number, side: Side, qtyLots: bigint | number, options?: { timeInForce?: "ioc" | "fok" } & BatchPlaceOptions): this;
  /** Cancels and amends name the order by the engine's id or the account's client order id (a `string`). */
  cancel(account: bigint | number, order: bigint | number | string): this;
  amendQty(account: bigint | number, order: bigint | number | string, newTotalLots: bigint | number): this;
  amendPrice(account: bigint | number, order: bigint | number | string, priceTicks: bigint | number): this;
  reduce(account: bigint | number, order: bigint | number | string, newTotalLots: bigint | number): this;
  /** A stop-market: waits for a trade at or through `triggerTicks` (tif `gtc` by default). */
  stopMarket(account: bigint | number, instrument: number, side: Side, triggerTicks: bigint | number, qtyLots: bigint | number, options?: BatchTimeInForce & BatchPlaceOptions): this;
  /** A stop-limit: waits for `triggerTicks`, then enters the book at `limitTicks`. */
  stopLimit(account: bigint | number, instrument: number, side: Side, triggerTicks: bigint | number, limitTicks: bigint | number, qtyLots: bigint | number, options?: BatchTimeInForce & BatchPlaceOptions): this;
  /** Spends at most `amountTickLots` (ticks × lots) on at most `qtyLots`, at any price (IOC by default). */
  marketByAmount(account: bigint | number, instrument: number, side: Side, amountTickLots: bigint | number, qtyLots: bigint | number, options?: BatchTimeInForce & BatchPlaceOptions): this;
  /** The same at `limitTicks` or better. */
  limitByAmount(account: bigint | number, instrument: number, side: Side, limitTicks: bigint | number, amountTickLots: bigint | number, qtyLots: bigint | number, options?: BatchTimeInForce & BatchPlaceOptions): this;
  /** A waiting stop's new trigger, in ticks. */
  amendTrigger(account: bigint | number, order: bigint | number | string, triggerTicks: bigint | number): this;
  /** The extension record of the record before it (src/batch/record.rs); the builders above write it. */
  extension(clientOrderId: string | undefined, expireAt: bigint | number): this;
  push(op: number, instrument: bigint | number, account: bigint | number, third: bigint | number, price: bigint | number, qty: bigint | number): this;
  records(): BigInt64Array;
  clear(): this;
}

declare module "./index" {
  interface Engine {
    [Symbol.dispose](): void;
    submitMany(
      commands: BigInt64Array | CommandBatch,
      options?: { events?: "queue" | "none"; orderIds?: BigInt64Array } & CommandOptions,
      from?: number,
      count?: number,
    ): BatchResult;
  }
  interface Broker {
    [Symbol.dispose](): void;
  }
}
