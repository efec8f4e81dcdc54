// The `brokerx` package: the native classes from the generated loader
// (`index.js`), with the package's `Error` subclasses. The addon throws errors
// whose `code` is the core's stable code; each method here rethrows them as the
// subclass for that code (one class per code), `TypeError` / `RangeError` for
// arguments. A refused deposit or withdrawal (journaled, with its event) is
// thrown as its class carrying `.event` and `.events`, as in Python.
// No rule of the engine lives here: only error classes and that rethrow.
"use strict";
const native = require("./index.js");

class BrokerXError extends Error {
  constructor(message, code) {
    super(message);
    this.name = new.target.name;
    this.code = code ?? new.target.defaultCode;
  }
}
BrokerXError.defaultCode = "brokerx_error";

const classes = { BrokerXError };
function define(name, parent, defaultCode) {
  const cls = { [name]: class extends parent {} }[name];
  cls.defaultCode = defaultCode;
  classes[name] = cls;
  return cls;
}
const InvalidOrder = define("InvalidOrder", BrokerXError, "invalid_order");
define("InvalidDecimal", InvalidOrder, "invalid_decimal");
define("StaleVersion", InvalidOrder, "stale_version");
define("DuplicateClientOrderId", InvalidOrder, "duplicate_client_order_id");
define("UnknownOrder", BrokerXError, "unknown_order");
define("UnknownInstrument", BrokerXError, "unknown_instrument");
const InvalidInstrument = define("InvalidInstrument", BrokerXError, "invalid_instrument_spec");
define("InvalidRisk", InvalidInstrument, "invalid_instrument_risk");
define("TimeWentBackwards", BrokerXError, "time_went_backwards");
define("CapacityReached", BrokerXError, "capacity_reached");
define("SnapshotError", BrokerXError, "snapshot_undecodable");
define("InvariantViolation", BrokerXError, "invariant_violated");
define("InsufficientFunds", BrokerXError, "insufficient_funds");
define("IdempotencyConflict", BrokerXError, "idempotency_conflict");
define("InvalidAmount", BrokerXError, "invalid_amount");
define("InvalidAccount", BrokerXError, "invalid_account");
const TransferRefused = define("TransferRefused", BrokerXError, "transfer_refused");
define("LimitExceeded", TransferRefused, "exceeds_max_balance");
define("SagaError", BrokerXError, "saga_error");
define("ClosedError", BrokerXError, "closed");

// The code -> class table: the same as the Python binding's (bindings-python/src/errors.rs).
const byCode = new Map();
function codes(cls, list) {
  for (const c of list) byCode.set(c, classes[cls]);
}
codes("InvalidOrder", [
  "invalid_price", "invalid_quantity", "off_tick", "off_lot", "price_out_of_range", "quantity_out_of_range",
  "client_order_id_invalid", "quantity_below_min", "quantity_above_max", "market_order_time_in_force",
  "post_only_time_in_force", "expire_at_required", "expire_at_not_allowed", "expire_at_not_in_future",
  "nothing_to_amend", "amend_qty_at_or_below_filled", "mass_cancel_needs_filter", "invalid_trigger_price",
  "stop_market_time_in_force", "post_only_stop", "not_a_stop", "stop_market_has_no_limit", "invalid_argument",
  "invalid_display", "iceberg_time_in_force", "not_an_iceberg",
]);
codes("InvalidDecimal", ["invalid_decimal"]);
codes("StaleVersion", ["stale_version"]);
codes("DuplicateClientOrderId", ["duplicate_client_order_id"]);
codes("UnknownOrder", ["unknown_order", "order_not_owned", "unknown_client_order_id"]);
codes("UnknownInstrument", ["unknown_instrument"]);
codes("InvalidInstrument", ["duplicate_symbol", "invalid_instrument_spec", "invalid_market"]);
codes("InvalidRisk", ["invalid_instrument_risk"]);
codes("TimeWentBackwards", ["time_went_backwards"]);
codes("CapacityReached", [
  "order_capacity_reached", "level_capacity_reached", "instrument_capacity_reached", "accounts_max_reached",
  "assets_max_reached", "registry_full", "events_not_taken",
]);
codes("SnapshotError", [
  "snapshot_version_unsupported", "snapshot_inconsistent", "snapshot_undecodable", "replay_diverged",
  "snapshot_hash_mismatch",
]);
codes("InvariantViolation", ["invariant_violated"]);
codes("InsufficientFunds", ["insufficient_funds"]);
codes("InvalidAmount", [
  "scale_exceeds_asset", "negative_amount", "amount_overflow", "scale_too_large", "invalid_amount", "amount_off_grid",
  "amount_out_of_range",
]);
codes("InvalidAccount", [
  "asset_exists", "account_exists", "unknown_asset", "reserved_account", "asset_id_must_not_be_zero",
  "asset_scale_too_large", "asset_not_found", "max_balance_overflow",
]);
codes("LimitExceeded", ["exceeds_max_balance", "exceeds_daily_limit", "exceeds_transfer_limit"]);
codes("SagaError", [
  "saga_finished", "unexpected_input", "foreign_reference", "conflicting_fill", "overfill", "price_beyond_limit",
  "invalid_value", "unknown_saga", "duplicate_saga", "wrong_saga_kind", "unsupported_version",
]);
codes("IdempotencyConflict", ["idempotency_conflict"]);
codes("ClosedError", ["closed"]);
const transferCodes = new Set(native.transferStatusCodes());

function classFor(code) {
  const cls = byCode.get(code);
  if (cls) return cls;
  if (code.startsWith("exists_with_different_")) return classes.IdempotencyConflict;
  if (code === "transfer_refused" || transferCodes.has(code)) return TransferRefused;
  return BrokerXError; // a code this package does not know yet (a newer engine): still typed
}

/** The package's error for a native error (anything else passes through). */
function retype(e) {
  if (!(e instanceof Error) || e instanceof BrokerXError || typeof e.code !== "string") return e;
  let out;
  if (e.code === "ERR_INVALID_ARG_TYPE") out = new TypeError(e.message);
  else if (e.code === "ERR_OUT_OF_RANGE") out = new RangeError(e.message);
  else if (e.code === "InvalidArg" || e.code === "NumberExpected" || e.code === "StringExpected" || e.code === "BigintExpected" || e.code === "ObjectExpected") {
    out = new TypeError(e.message);
  } else {
    const cls = classFor(e.code);
    return new cls(e.message, e.code);
  }
  out.code = e.code;
  return out;
}

/** A refused deposit or withdrawal is journaled and returned as events: throw it, with them. */
function throwRefusedFunds(events) {
  for (const ev of events) {
    if (ev.kind === "FundsMoved" && ev.status !== "ok") {
      const cls = classFor(ev.status);
      const err = new cls(
        `${ev.direction} of ${ev.amount} (asset ${ev.asset}) for account ${ev.account} refused: ${ev.status}`,
        ev.status,
      );
      err.event = ev;
      err.events = events;
      throw err;
    }
  }
  return events;
}

function wrapMethods(target, names, after) {
  for (const name of names) {
    const f = target[name];
    if (typeof f !== "function") continue;
    const post = after && after[name];
    const wrapped = post
      ? function (...args) {
          let out;
          try {
            out = f.apply(this, args);
          } catch (e) {
            throw retype(e);
          }
          return post(out);
        }
      : function (...args) {
          try {
            return f.apply(this, args);
          } catch (e) {
            throw retype(e);
          }
        };
    Object.defineProperty(wrapped, "name", { value: name });
    Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true });
  }
}

function methodNames(proto) {
  return Object.getOwnPropertyNames(proto).filter((n) => {
    if (n === "constructor") return false;
    const d = Object.getOwnPropertyDescriptor(proto, n);
    return d && typeof d.value === "function";
  });
}

// The per-call hot paths: the class's `place` / `cancel` call free functions on
// the object's handle (a napi class method costs ~10x a free function), with the
// same arguments, results and errors. See src/registry.rs.
const HANDLE = Symbol("brokerx.handle");

// Events encoded as one string (src/flat.rs) back to the objects of the `Event` union.
const GS = "\u001d";
const fieldReaders = {
  u: (t) => BigInt(t),
  n: (t) => Number(t),
  b: (t) => t === "1",
  s: (t) => t,
  L: (t) => {
    const [price, qty, orders] = t.split(GS);
    return { price, qty, orders: Number(orders) };
  },
  A: (t) => {
    const [owner, asset] = t.split(GS);
    return { owner: BigInt(owner), asset: Number(asset) };
  },
  M: (t) => {
    const out = {};
    if (t === "") return out;
    const parts = t.split(GS);
    for (let i = 0; i < parts.length; i += 2) out[parts[i]] = parts[i + 1];
    return out;
  },
};
// One decoder per kind, built once from the native field table: an object
// literal per kind (a stable shape, monomorphic stores) instead of a generic loop.
const readExpr = { u: (x) => `BigInt(${x})`, n: (x) => `+${x}`, b: (x) => `${x} === "1"`, s: (x) => x, L: (x) => `R.L(${x})`, A: (x) => `R.A(${x})`, M: (x) => `R.M(${x})` };
const decoders = new Map(
  native.eventFields().map(([kind, ...fields]) => {
    const props = fields.map((f, n) => {
      const [name, type] = f.split(":");
      const x = `p[${n + 1}]`;
      const nullable = type.startsWith("?");
      const e = readExpr[nullable ? type.slice(1) : type](x);
      return `${name}: ${nullable ? `(${x} === "\\u0000" ? null : ${e})` : e}`;
    });
    const body = `return { kind: ${JSON.stringify(kind)}, ${props.join(", ")} };`;
    return [kind, new Function("p", "R", body)];
  }),
);
function decodeEvents(text) {
  const out = [];
  if (text === "") return out;
  for (const record of text.split("\u001e")) {
    const p = record.split("\u001f");
    out.push(decoders.get(p[0])(p, fieldReaders));
  }
  return out;
}
const flatPaths = new Set([native.enginePlace, native.engineCancel, native.brokerPlace, native.brokerCancel]);
const fastPaths = {
  Engine: {
    place: native.enginePlace,
    cancel: native.engineCancel,
    placeQueued: native.enginePlaceQueued,
    cancelQueued: native.engineCancelQueued,
    submitMany: native.engineSubmitMany,
    submitRange: native.engineSubmitRange,
  },
  Broker: { place: native.brokerPlace, cancel: native.brokerCancel },
};

/** Getters (`closed`, `live`, `size`) rethrow typed errors too. */
function wrapGetters(proto) {
  for (const n of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, n);
    if (!d || typeof d.get !== "function" || !d.configurable) continue;
    const get = d.get;
    Object.defineProperty(proto, n, {
      ...d,
      get() {
        try {
          return get.call(this);
        } catch (e) {
          throw retype(e);
        }
      },
    });
  }
}

function typed(cls, after) {
  wrapMethods(cls.prototype, methodNames(cls.prototype), after);
  wrapGetters(cls.prototype);
  if (typeof cls.prototype.close === "function") {
    Object.defineProperty(cls.prototype, Symbol.dispose, {
      value: function dispose() {
        this.close();
      },
      writable: true,
      configurable: true,
    });
  }
  // The native constructor and static factories are read-only: a subclass
  // rethrows their errors; `restore` gives an instance of the subclass.
  const sub = {
    [cls.name]: class extends cls {
      constructor(...args) {
        try {
          super(...args);
        } catch (e) {
          throw retype(e);
        }
        this[HANDLE] = super.handle;
      }
    },
  }[cls.name];
  const fast = fastPaths[cls.name] || {};
  for (const [name, f] of Object.entries(fast)) {
    const method = name === "submitRange"
      ? function submitRange(commands, from, count) {
          try {
            return f(this[HANDLE], commands, from, count);
          } catch (e) {
            throw retype(e);
          }
        }
      : name === "submitMany"
      ? function submitMany(commands, options, from, count) {
          try {
            return f(this[HANDLE], commands instanceof CommandBatch ? commands.records() : commands, options, from, count);
          } catch (e) {
            throw retype(e);
          }
        }
      : flatPaths.has(f) && name === "place"
      ? function (account, instrument, side, price, qty, options) {
          let flat;
          try {
            flat = f(this[HANDLE], account, instrument, side, price, qty, options);
          } catch (e) {
            throw retype(e);
          }
          return decodeEvents(flat);
        }
      : flatPaths.has(f)
      ? function (account, order, options) {
          let flat;
          try {
            flat = f(this[HANDLE], account, order, options);
          } catch (e) {
            throw retype(e);
          }
          return decodeEvents(flat);
        }
      : name.startsWith("place")
      ? function (account, instrument, side, price, qty, options) {
          try {
            return f(this[HANDLE], account, instrument, side, price, qty, options);
          } catch (e) {
            throw retype(e);
          }
        }
      : function (account, order, options) {
          try {
            return f(this[HANDLE], account, order, options);
          } catch (e) {
            throw retype(e);
          }
        };
    Object.defineProperty(method, "name", { value: name });
    Object.defineProperty(sub.prototype, name, { value: method, writable: true, configurable: true });
  }
  for (const n of Object.getOwnPropertyNames(cls)) {
    const f = cls[n];
    if (typeof f !== "function" || n === "prototype") continue;
    Object.defineProperty(sub, n, {
      value: {
        [n](...args) {
          let r;
          try {
            r = f.apply(cls, args);
          } catch (e) {
            throw retype(e);
          }
          if (r instanceof cls) {
            Object.setPrototypeOf(r, sub.prototype);
            r[HANDLE] = r.handle;
          }
          return r;
        },
      }[n],
      writable: true,
      configurable: true,
    });
  }
  return sub;
}

/**
 * Builds the compact encoding `Engine.submitMany` reads: 6 `bigint` slots per
 * command, in the engine's integers (price in ticks, quantity in lots). See
 * src/batch.rs for the layout.
 */
class CommandBatch {
  constructor(capacity = 1024) {
    this.buf = new BigInt64Array(Math.max(1, capacity) * 6);
    this.length = 0;
  }
  static get RECORD() {
    return 6;
  }
  push(op, instrument, account, third, price, qty) {
    if ((this.length + 1) * 6 > this.buf.length) {
      const next = new BigInt64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const b = this.buf;
    const i = this.length * 6;
    b[i] = BigInt(op);
    b[i + 1] = BigInt(instrument);
    b[i + 2] = BigInt(account);
    b[i + 3] = BigInt(third);
    b[i + 4] = BigInt(price);
    b[i + 5] = BigInt(qty);
    this.length += 1;
    return this;
  }
  /**
   * A place: `head` with the options a place record carries (stp in the head;
   * expiry and client order id in an extension record after it, src/batch/record.rs).
   */
  placeRecord(head, instrument, account, third, price, qty, { stp, expireAt, clientOrderId } = {}) {
    const ext = expireAt !== undefined || clientOrderId !== undefined;
    this.push(head | (stpCode(stp) << 17) | (ext ? EXT : 0), instrument, account, third, price, qty);
    return ext ? this.extension(clientOrderId, expireAt ?? 0) : this;
  }
  /** A cancel or amend: the order by engine id (`bigint`) or client order id (`string`, in an extension record). */
  orderRecord(op, account, order, price, qty) {
    if (typeof order !== "string") return this.push(op, 0, account, order, price, qty);
    return this.push(op | EXT, 0, account, 0, price, qty).extension(order, 0);
  }
  /** The extension record of the record before it: a client order id (1..=36 bytes) and/or an expiry. */
  extension(clientOrderId, expireAt) {
    const bytes = new Uint8Array(40);
    let len = 0;
    if (clientOrderId !== undefined) {
      if (typeof clientOrderId !== "string") throw new TypeError(`argument 'clientOrderId': expected a string, got ${typeof clientOrderId}`);
      const b = Buffer.from(clientOrderId, "utf8");
      if (b.length < 1 || b.length > 36) throw new RangeError(`argument 'clientOrderId': a batch record carries 1 to 36 bytes, got ${b.length}`);
      bytes.set(b);
      len = b.length;
    }
    const v = new DataView(bytes.buffer);
    const head = 12n | (BigInt(len) << 8n) | (BigInt(v.getUint32(32, true)) << 16n);
    return this.push(head, expireAt, v.getBigInt64(0, true), v.getBigInt64(8, true), v.getBigInt64(16, true), v.getBigInt64(24, true));
  }
  /** A limit order: side 'buy' | 'sell', price in ticks, qty in lots; tif 'gtc' | 'ioc' | 'fok' | 'gtd' (with `expireAt`). */
  limit(account, instrument, side, priceTicks, qtyLots, options = {}) {
    const head = 1 | (tifCode(options.timeInForce) << 8) | (options.postOnly ? 1 << 16 : 0);
    return this.placeRecord(head, instrument, account, sideCode(side), priceTicks, qtyLots, options);
  }
  /** A market order (IOC unless timeInForce 'fok'). */
  market(account, instrument, side, qtyLots, options = {}) {
    const codes = { undefined: 0, ioc: 2, fok: 3 };
    const tif = Object.hasOwn(codes, options.timeInForce) ? codes[options.timeInForce] : undefined;
    if (tif === undefined) throw new RangeError(`argument 'timeInForce': must be 'ioc' or 'fok', got ${options.timeInForce}`);
    return this.placeRecord(2 | (tif << 8), instrument, account, sideCode(side), 0, qtyLots, options);
  }
  cancel(account, order) {
    return this.orderRecord(3, account, order, 0, 0);
  }
  /** The order's new total quantity (filled + remaining), in lots. */
  amendQty(account, order, newTotalLots) {
    return this.orderRecord(4, account, order, 0, newTotalLots);
  }
  amendPrice(account, order, priceTicks) {
    return this.orderRecord(5, account, order, priceTicks, 0);
  }
  /** Amend the total quantity down; a cancel when nothing would be left. */
  reduce(account, order, newTotalLots) {
    return this.orderRecord(6, account, order, 0, newTotalLots);
  }
  /** A stop-market order: waits for a trade at or through `triggerTicks` (tif 'gtc' by default). */
  stopMarket(account, instrument, side, triggerTicks, qtyLots, options = {}) {
    return this.placeRecord(7 | (tifCode(options.timeInForce) << 8) | (sideCode(side) << 24), instrument, account, triggerTicks, 0, qtyLots, options);
  }
  /** A stop-limit order: waits for `triggerTicks`, then enters the book at `limitTicks`. */
  stopLimit(account, instrument, side, triggerTicks, limitTicks, qtyLots, options = {}) {
    return this.placeRecord(8 | (tifCode(options.timeInForce) << 8) | (sideCode(side) << 24), instrument, account, triggerTicks, limitTicks, qtyLots, options);
  }
  /** An order that spends at most `amountTickLots` (price ticks × lots) on at most `qtyLots`, at any price (IOC by default). */
  marketByAmount(account, instrument, side, amountTickLots, qtyLots, options = {}) {
    return this.placeRecord(9 | (tifCode(options.timeInForce) << 8) | (sideCode(side) << 24), instrument, account, amountTickLots, 0, qtyLots, options);
  }
  /** The same at `limitTicks` or better. */
  limitByAmount(account, instrument, side, limitTicks, amountTickLots, qtyLots, options = {}) {
    return this.placeRecord(10 | (tifCode(options.timeInForce) << 8) | (sideCode(side) << 24), instrument, account, amountTickLots, limitTicks, qtyLots, options);
  }
  /** A waiting stop's new trigger, in ticks. */
  amendTrigger(account, order, triggerTicks) {
    return this.orderRecord(11, account, order, triggerTicks, 0);
  }
  /** The records written so far (a view, not a copy). */
  records() {
    return this.buf.subarray(0, this.length * 6);
  }
  clear() {
    this.length = 0;
    return this;
  }
}

const EXT = 1 << 20;

function tifCode(timeInForce) {
  const codes = { undefined: 0, gtc: 1, ioc: 2, fok: 3, gtd: 4 };
  const tif = Object.hasOwn(codes, timeInForce) ? codes[timeInForce] : undefined;
  if (tif === undefined) throw new RangeError(`argument 'timeInForce': must be 'gtc', 'ioc', 'fok' or 'gtd', got ${timeInForce}`);
  return tif;
}

const STP = { undefined: 0, none: 0, cancel_taker: 1, cancel_maker: 2, cancel_both: 3, decrement: 4 };
function stpCode(stp) {
  const code = Object.hasOwn(STP, stp) ? STP[stp] : undefined;
  if (code === undefined) {
    throw new RangeError(`argument 'stp': must be one of 'none', 'cancel_taker', 'cancel_maker', 'cancel_both', 'decrement', got ${String(stp)}`);
  }
  return code;
}

function sideCode(side) {
  if (side === "buy") return 0;
  if (side === "sell") return 1;
  throw new RangeError(`argument 'side': must be 'buy' or 'sell', got ${String(side)}`);
}

// Saga inputs and actions cross as JSON text so 128-bit integers stay exact
// (src/saga.rs): bigints are written as plain digits, and integers beyond 2^53
// are read back as bigints. Only the text format is handled here.
const BIG = "\u0000bigint:";
function stringifyExact(value) {
  const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? BIG + v.toString() : v));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}
function parseExact(text) {
  const marked = text.replace(/([:[,])(-?\d{16,})(?=[,\]}])/g, (_, p, d) => `${p}"\\u0000bigint:${d}"`);
  return JSON.parse(marked, (_, v) => {
    if (typeof v !== "string" || !v.startsWith(BIG)) return v;
    const b = BigInt(v.slice(BIG.length));
    return b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER) ? b : Number(b);
  });
}
/** The saga methods as the package exposes them: objects in, objects out. */
const sagaPost = {
  startOrder: parseExact,
  startDeposit: parseExact,
  onTime: parseExact,
};

const out = { ...classes, retype, CommandBatch };
for (const [name, value] of Object.entries(native)) {
  if (name === "transferStatusCodes" || name === "eventFields" || /^(engine|broker)(Place|Cancel|SubmitMany|SubmitRange)(Queued)?$/.test(name)) continue;
  if (typeof value === "function" && value.prototype && methodNames(value.prototype).length > 0) {
    const after =
      name === "Broker" ? { deposit: throwRefusedFunds, withdraw: throwRefusedFunds } : name === "SagaRegistry" ? sagaPost : undefined;
    out[name] = typed(value, after);
    if (name === "SagaRegistry") {
      const advance = value.prototype.advance; // already rethrows typed errors
      Object.defineProperty(out[name].prototype, "advance", {
        value: function advance_(now, sagaId, input, fields) {
          let text;
          if (fields !== undefined && fields !== null) {
            // A fill's aggressor as the rest of the API spells a side.
            const f = { ...fields };
            if (f.aggressor === "buy") f.aggressor = "Buy";
            else if (f.aggressor === "sell") f.aggressor = "Sell";
            text = stringifyExact(f);
          }
          return parseExact(advance.call(this, now, sagaId, input, text));
        },
        writable: true,
        configurable: true,
      });
    }
  } else if (typeof value === "function") {
    out[name] = function (...args) {
      try {
        return value.apply(this, args);
      } catch (e) {
        throw retype(e);
      }
    };
  } else {
    out[name] = value;
  }
}
module.exports = out;
