//! Events as plain JavaScript objects, a discriminated union on `kind`.
//!
//! The same events and fields as the Rust core and the Python binding (fields in
//! camelCase): ids, sequence numbers and timestamps are `bigint`, prices and
//! quantities decimal strings on the instrument's grid (normalized, `"100.5"`,
//! as Python's `Decimal`), amounts decimal strings at the asset's scale
//! (`"1000.00"`). A Broker adds `Posting`, `RiskRejected`, `FundsMoved` and its
//! configuration events; the posting's own kind is `postingKind`, since `kind`
//! is the discriminant.

use std::collections::BTreeMap;

use brokerx_engine::broker::{Broker, BrokerEvent, BrokerEventKind, FundsDirection, PostingKind};
use brokerx_engine::{ClientOrderId, Engine, Event as CoreEvent, EventKind, InstrumentId, LevelView, Lots, Ticks};
use brokerx_ledger::{AccountKey, Amount, AssetId};
use napi_derive::napi;
use rust_decimal::Decimal;

/// One price level: total quantity and order count at a price.
#[napi(object, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub price: String,
    pub qty: String,
    pub orders: u32,
}

/// A ledger account: its owner and asset.
#[napi(object, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerAccount {
    pub owner: u64,
    pub asset: u32,
}

/// Everything an `Engine` or a `Broker` says, one object per event.
#[napi(discriminant = "kind", use_nullable = true, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    InstrumentRegistered {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
    },
    TradingStatusChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        status: String,
    },
    Accepted {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        #[napi(ts_type = "Side")]
        side: String,
        price: Option<String>,
        qty: String,
        #[napi(ts_type = "TimeInForce")]
        time_in_force: String,
        client_order_id: Option<String>,
    },
    Rejected {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        account: u64,
        order_id: Option<u64>,
        client_order_id: Option<String>,
        reason: String,
    },
    Trade {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        trade_id: u64,
        price: String,
        qty: String,
        #[napi(ts_type = "Side")]
        aggressor: String,
        maker_order_id: u64,
        maker_account: u64,
        maker_remaining: String,
        taker_order_id: u64,
        taker_account: u64,
        taker_remaining: String,
    },
    Cancelled {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        qty: String,
        reason: String,
        #[napi(ts_type = "Side")]
        side: String,
        price: Option<String>,
        filled: String,
    },
    Reduced {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        qty: String,
        remaining: String,
        reason: String,
        #[napi(ts_type = "Side")]
        side: String,
        price: Option<String>,
        filled: String,
    },
    Amended {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        version: u32,
        price: String,
        qty: String,
        remaining: String,
        priority_kept: bool,
        #[napi(ts_type = "Side")]
        side: String,
        filled: String,
    },
    Expired {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        qty: String,
        #[napi(ts_type = "Side")]
        side: String,
        price: String,
        filled: String,
    },
    /// An iceberg's shown slice was used up and the next one is shown: `shown`
    /// at the back of its level, `hidden` still in reserve (leaves `shown + hidden`).
    Refreshed {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        #[napi(ts_type = "Side")]
        side: String,
        price: String,
        shown: String,
        hidden: String,
        filled: String,
    },
    /// A stop order passed validation and waits outside the book for its trigger
    /// (`limit` `null`: a stop-market).
    StopAccepted {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        #[napi(ts_type = "Side")]
        side: String,
        trigger: String,
        limit: Option<String>,
        qty: String,
        #[napi(ts_type = "TimeInForce")]
        time_in_force: String,
    },
    /// A waiting stop triggered (the last trade price reached its trigger) and now
    /// enters the book under its own id; the place's events follow.
    Triggered {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        #[napi(ts_type = "Side")]
        side: String,
        trigger: String,
        last_price: String,
        limit: Option<String>,
        qty: String,
        #[napi(ts_type = "TimeInForce")]
        time_in_force: String,
    },
    /// The command fired the engine's `maxTriggersPerCommand` stops on the
    /// instrument; the stops still due fire at its next trade.
    TriggerLimitReached {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        fired: u32,
    },
    /// A waiting stop was amended (trigger, limit and/or quantity); it keeps
    /// waiting unless its trigger is reached (then `Triggered` follows).
    StopAmended {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        order_id: u64,
        account: u64,
        #[napi(ts_type = "Side")]
        side: String,
        version: u32,
        trigger: String,
        limit: Option<String>,
        qty: String,
        priority_kept: bool,
    },
    LevelChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        #[napi(ts_type = "Side")]
        side: String,
        price: String,
        qty: String,
        orders: u32,
    },
    BboChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        bid: Option<Level>,
        ask: Option<Level>,
    },
    Posting {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        transfer_id: u128,
        posting_kind: String,
        code: u32,
        debit: LedgerAccount,
        credit: LedgerAccount,
        amount: String,
        order_id: Option<u64>,
        trade_id: Option<u64>,
    },
    RiskRejected {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        account: u64,
        instrument: u32,
        order_id: Option<u64>,
        reason: String,
        context: BTreeMap<String, String>,
    },
    FundsMoved {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        key: u128,
        direction: String,
        account: u64,
        asset: u32,
        amount: String,
        status: String,
        replayed: bool,
    },
    AssetCreated {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        asset: u32,
    },
    MarketRegistered {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
        base: u32,
        quote: u32,
    },
    InstrumentRiskChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        instrument: u32,
    },
    AccountLimitsChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        account: u64,
    },
    AccountEnabledChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        account: u64,
        enabled: bool,
    },
    RestrictionChanged {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        account: u64,
        instrument: u32,
        restricted: bool,
    },
    SettlementFailed {
        seq: u64,
        ts: u64,
        correlation_id: u64,
        trade_id: u64,
        status: String,
    },
}

/// The tick and lot of one instrument: what turns ticks and lots into decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub tick: Decimal,
    pub lot: Decimal,
}

impl Grid {
    pub fn of(e: &Engine, id: InstrumentId) -> Grid {
        e.instrument(id).map_or(Grid { tick: Decimal::ONE, lot: Decimal::ONE }, |i| Grid {
            tick: i.spec.tick_size,
            lot: i.spec.lot_size,
        })
    }
    pub fn price(&self, t: Ticks) -> String {
        Decimal::from(t.0).checked_mul(self.tick).unwrap_or(Decimal::MAX).normalize().to_string()
    }
    pub fn qty(&self, l: Lots) -> String {
        Decimal::from(l.0).checked_mul(self.lot).unwrap_or(Decimal::MAX).normalize().to_string()
    }
    pub fn level(&self, l: LevelView) -> Level {
        Level { price: self.price(l.price), qty: self.qty(l.qty), orders: l.orders }
    }
}

fn cid(c: Option<ClientOrderId>) -> Option<String> {
    c.map(|c| c.as_str().to_string())
}

/// The instrument an engine event is about (every engine event names one).
fn instrument_of(k: &EventKind) -> InstrumentId {
    match *k {
        EventKind::InstrumentRegistered { instrument }
        | EventKind::TradingStatusChanged { instrument, .. }
        | EventKind::Accepted { instrument, .. }
        | EventKind::Rejected { instrument, .. }
        | EventKind::Trade { instrument, .. }
        | EventKind::Cancelled { instrument, .. }
        | EventKind::Reduced { instrument, .. }
        | EventKind::Amended { instrument, .. }
        | EventKind::Expired { instrument, .. }
        | EventKind::Refreshed { instrument, .. }
        | EventKind::LevelChanged { instrument, .. }
        | EventKind::BboChanged { instrument, .. }
        | EventKind::StopAccepted { instrument, .. }
        | EventKind::Triggered { instrument, .. }
        | EventKind::TriggerLimitReached { instrument, .. }
        | EventKind::StopAmended { instrument, .. } => instrument,
    }
}

/// One engine event, numbered `seq` at `ts` (the Broker renumbers them).
pub fn engine_event(e: &Engine, seq: u64, ts: u64, correlation_id: u64, k: &EventKind) -> Event {
    let id = instrument_of(k);
    let g = Grid::of(e, id);
    let instrument = id.0;
    match *k {
        EventKind::InstrumentRegistered { .. } => Event::InstrumentRegistered { seq, ts, correlation_id, instrument },
        EventKind::TradingStatusChanged { status, .. } => {
            Event::TradingStatusChanged { seq, ts, correlation_id, instrument, status: status.as_str().into() }
        }
        EventKind::Accepted { order_id, account, side, price, qty, time_in_force, client_order_id, .. } => {
            Event::Accepted {
                seq,
                ts,
                correlation_id,
                instrument,
                order_id: order_id.0,
                account: account.0,
                side: side.as_str().into(),
                price: price.map(|p| g.price(p)),
                qty: g.qty(qty),
                time_in_force: time_in_force.as_str().into(),
                client_order_id: cid(client_order_id),
            }
        }
        EventKind::Rejected { account, order_id, client_order_id, reason, .. } => Event::Rejected {
            seq,
            ts,
            correlation_id,
            instrument,
            account: account.0,
            order_id: order_id.map(|o| o.0),
            client_order_id: cid(client_order_id),
            reason: reason.code().into(),
        },
        EventKind::Trade {
            trade_id,
            price,
            qty,
            aggressor,
            maker_order_id,
            maker_account,
            maker_remaining,
            taker_order_id,
            taker_account,
            taker_remaining,
            ..
        } => Event::Trade {
            seq,
            ts,
            correlation_id,
            instrument,
            trade_id: trade_id.0,
            price: g.price(price),
            qty: g.qty(qty),
            aggressor: aggressor.as_str().into(),
            maker_order_id: maker_order_id.0,
            maker_account: maker_account.0,
            maker_remaining: g.qty(maker_remaining),
            taker_order_id: taker_order_id.0,
            taker_account: taker_account.0,
            taker_remaining: g.qty(taker_remaining),
        },
        EventKind::Cancelled { order_id, account, side, price, qty, filled, reason, .. } => Event::Cancelled {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id: order_id.0,
            account: account.0,
            qty: g.qty(qty),
            reason: reason.code().into(),
            side: side.as_str().into(),
            price: price.map(|p| g.price(p)),
            filled: g.qty(filled),
        },
        EventKind::Reduced { order_id, account, side, price, qty, remaining, filled, reason, .. } => Event::Reduced {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id: order_id.0,
            account: account.0,
            qty: g.qty(qty),
            remaining: g.qty(remaining),
            reason: reason.code().into(),
            side: side.as_str().into(),
            price: price.map(|p| g.price(p)),
            filled: g.qty(filled),
        },
        EventKind::Amended {
            order_id, account, side, version, price, qty, remaining, filled, priority_kept, ..
        } => Event::Amended {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id: order_id.0,
            account: account.0,
            version,
            price: g.price(price),
            qty: g.qty(qty),
            remaining: g.qty(remaining),
            priority_kept,
            side: side.as_str().into(),
            filled: g.qty(filled),
        },
        EventKind::Expired { order_id, account, side, price, qty, filled, .. } => Event::Expired {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id: order_id.0,
            account: account.0,
            qty: g.qty(qty),
            side: side.as_str().into(),
            price: g.price(price),
            filled: g.qty(filled),
        },
        EventKind::Refreshed { order_id, account, side, price, shown, hidden, filled, .. } => Event::Refreshed {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id: order_id.0,
            account: account.0,
            side: side.as_str().into(),
            price: g.price(price),
            shown: g.qty(shown),
            hidden: g.qty(hidden),
            filled: g.qty(filled),
        },
        EventKind::LevelChanged { side, price, qty, orders, .. } => Event::LevelChanged {
            seq,
            ts,
            correlation_id,
            instrument,
            side: side.as_str().into(),
            price: g.price(price),
            qty: g.qty(qty),
            orders,
        },
        EventKind::BboChanged { bid, ask, .. } => Event::BboChanged {
            seq,
            ts,
            correlation_id,
            instrument,
            bid: bid.map(|l| g.level(l)),
            ask: ask.map(|l| g.level(l)),
        },
        EventKind::StopAccepted { order_id, account, side, trigger, limit, qty, time_in_force, .. } => {
            Event::StopAccepted {
                seq,
                ts,
                correlation_id,
                instrument,
                order_id: order_id.0,
                account: account.0,
                side: side.as_str().into(),
                trigger: g.price(trigger),
                limit: limit.map(|p| g.price(p)),
                qty: g.qty(qty),
                time_in_force: time_in_force.as_str().into(),
            }
        }
        EventKind::Triggered { order_id, account, side, trigger, last_price, limit, qty, time_in_force, .. } => {
            Event::Triggered {
                seq,
                ts,
                correlation_id,
                instrument,
                order_id: order_id.0,
                account: account.0,
                side: side.as_str().into(),
                trigger: g.price(trigger),
                last_price: g.price(last_price),
                limit: limit.map(|p| g.price(p)),
                qty: g.qty(qty),
                time_in_force: time_in_force.as_str().into(),
            }
        }
        EventKind::TriggerLimitReached { fired, .. } => {
            Event::TriggerLimitReached { seq, ts, correlation_id, instrument, fired }
        }
        EventKind::StopAmended { order_id, account, side, version, trigger, limit, qty, priority_kept, .. } => {
            Event::StopAmended {
                seq,
                ts,
                correlation_id,
                instrument,
                order_id: order_id.0,
                account: account.0,
                side: side.as_str().into(),
                version,
                trigger: g.price(trigger),
                limit: limit.map(|p| g.price(p)),
                qty: g.qty(qty),
                priority_kept,
            }
        }
    }
}

pub fn engine_events(e: &Engine, events: &[CoreEvent]) -> Vec<Event> {
    events.iter().map(|ev| engine_event(e, ev.seq, ev.ts.0, ev.correlation_id.0, &ev.kind)).collect()
}

/// Minor units of `asset` as a decimal string at the asset's scale.
pub fn money(b: &Broker, asset: AssetId, amount: Amount) -> String {
    let scale = b.asset(asset).map_or(0, |a| a.scale);
    i128::try_from(amount.minor())
        .ok()
        .and_then(|m| Decimal::try_from_i128_with_scale(m, u32::from(scale)).ok())
        .map_or_else(|| amount.minor().to_string(), |d| d.to_string())
}

fn account(k: AccountKey) -> LedgerAccount {
    LedgerAccount { owner: k.owner.0, asset: k.asset.0 }
}

pub fn posting_kind(k: PostingKind) -> &'static str {
    match k {
        PostingKind::Single => "single",
        PostingKind::Hold => "hold",
        PostingKind::Post => "post",
        PostingKind::Void => "void",
        PostingKind::Resize => "resize",
        PostingKind::PostPart => "post_part",
    }
}

pub fn direction(d: FundsDirection) -> &'static str {
    match d {
        FundsDirection::Deposit => "deposit",
        FundsDirection::Withdrawal => "withdrawal",
    }
}

/// One Broker event.
pub fn broker_event(b: &Broker, ev: &BrokerEvent) -> Event {
    let (seq, ts, correlation_id) = (ev.seq, ev.ts.0, ev.correlation_id.0);
    match ev.kind {
        BrokerEventKind::Order(ref k) => engine_event(b.engine(), seq, ts, correlation_id, k),
        BrokerEventKind::Posting(p) => Event::Posting {
            seq,
            ts,
            correlation_id,
            transfer_id: p.transfer_id.0,
            posting_kind: posting_kind(p.kind).into(),
            code: u32::from(p.code.0),
            debit: account(p.debit),
            credit: account(p.credit),
            amount: money(b, p.debit.asset, p.amount),
            order_id: p.order_id.map(|o| o.0),
            trade_id: p.trade_id.map(|t| t.0),
        },
        BrokerEventKind::OrderRejected { account, instrument, order_id, reject } => Event::RiskRejected {
            seq,
            ts,
            correlation_id,
            account: account.0,
            instrument: instrument.0,
            order_id: order_id.map(|o| o.0),
            reason: reject.code.code().into(),
            context: reject.context.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        },
        BrokerEventKind::FundsMoved { key, direction: d, account, asset, amount, status, replayed } => {
            Event::FundsMoved {
                seq,
                ts,
                correlation_id,
                key,
                direction: direction(d).into(),
                account: account.0,
                asset: asset.0,
                amount: money(b, asset, amount),
                status: status.code().into(),
                replayed,
            }
        }
        BrokerEventKind::AssetCreated { asset } => Event::AssetCreated { seq, ts, correlation_id, asset: asset.0 },
        BrokerEventKind::MarketRegistered { instrument, base, quote } => {
            Event::MarketRegistered { seq, ts, correlation_id, instrument: instrument.0, base: base.0, quote: quote.0 }
        }
        BrokerEventKind::InstrumentRiskChanged { instrument, .. } => {
            Event::InstrumentRiskChanged { seq, ts, correlation_id, instrument: instrument.0 }
        }
        BrokerEventKind::AccountLimitsChanged { account, .. } => {
            Event::AccountLimitsChanged { seq, ts, correlation_id, account: account.0 }
        }
        BrokerEventKind::AccountEnabledChanged { account, enabled } => {
            Event::AccountEnabledChanged { seq, ts, correlation_id, account: account.0, enabled }
        }
        BrokerEventKind::RestrictionChanged { account, instrument, restricted } => Event::RestrictionChanged {
            seq,
            ts,
            correlation_id,
            account: account.0,
            instrument: instrument.0,
            restricted,
        },
        BrokerEventKind::SettlementFailed { trade_id, status } => {
            Event::SettlementFailed { seq, ts, correlation_id, trade_id: trade_id.0, status: status.code().into() }
        }
    }
}
