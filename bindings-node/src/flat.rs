//! Events as one string, for the per-call hot paths. Building an object through
//! napi-rs costs microseconds here (every property name is internalized again,
//! every element set through the generic path); one string costs a fraction of
//! that, and `lib.js` turns it into the same objects (`Event`) with the names and
//! types from `eventFields()`. Generated from the `Event` enum's declaration, so
//! the two cannot drift (a test compares both paths event for event).
//!
//! Format: events separated by RS (0x1e), fields by US (0x1f), the kind first.
//! A field is its decimal text; `null` is NUL (0x00); a bool `1`/`0`; a level
//! `price GS qty GS orders` (GS 0x1d); an account `owner GS asset`; a map
//! `key GS value GS key GS value`. No field's text contains these separators
//! (they are numbers, decimals, codes, or client order ids of printable ASCII).

use std::collections::BTreeMap;
use std::fmt::Write;

use napi_derive::napi;

use crate::events::{Event, LedgerAccount, Level};

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const GS: char = '\u{1d}';
const NULL: char = '\u{0}';

trait Text {
    fn text(&self, out: &mut String);
}
macro_rules! display_text {
    ($($t:ty),*) => {$(
        impl Text for $t {
            fn text(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
display_text!(u64, u32, u128, String);
impl Text for bool {
    fn text(&self, out: &mut String) {
        out.push(if *self { '1' } else { '0' });
    }
}
impl Text for Level {
    fn text(&self, out: &mut String) {
        let _ = write!(out, "{}{GS}{}{GS}{}", self.price, self.qty, self.orders);
    }
}
impl Text for LedgerAccount {
    fn text(&self, out: &mut String) {
        let _ = write!(out, "{}{GS}{}", self.owner, self.asset);
    }
}
impl Text for BTreeMap<String, String> {
    fn text(&self, out: &mut String) {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(GS);
            }
            let _ = write!(out, "{k}{GS}{v}");
        }
    }
}
impl<T: Text> Text for Option<T> {
    fn text(&self, out: &mut String) {
        match self {
            Some(v) => v.text(out),
            None => out.push(NULL),
        }
    }
}

/// Each event kind and its fields as `name:type` (`u` bigint, `n` number, `b` boolean,
/// `s` string, `?` nullable, `L` level, `A` ledger account, `M` string map), in `encode` order.
pub const FIELDS: &[(&str, &[&str])] = &[
    ("InstrumentRegistered", &["seq:u", "ts:u", "correlationId:u", "instrument:n"]),
    ("TradingStatusChanged", &["seq:u", "ts:u", "correlationId:u", "instrument:n", "status:s"]),
    (
        "Accepted",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "side:s",
            "price:?s",
            "qty:s",
            "timeInForce:s",
            "clientOrderId:?s",
        ],
    ),
    (
        "Rejected",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "account:u",
            "orderId:?u",
            "clientOrderId:?s",
            "reason:s",
        ],
    ),
    (
        "Trade",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "tradeId:u",
            "price:s",
            "qty:s",
            "aggressor:s",
            "makerOrderId:u",
            "makerAccount:u",
            "makerRemaining:s",
            "takerOrderId:u",
            "takerAccount:u",
            "takerRemaining:s",
        ],
    ),
    (
        "Cancelled",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "qty:s",
            "reason:s",
            "side:s",
            "price:?s",
            "filled:s",
        ],
    ),
    (
        "Reduced",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "qty:s",
            "remaining:s",
            "reason:s",
            "side:s",
            "price:?s",
            "filled:s",
        ],
    ),
    (
        "Amended",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "version:n",
            "price:s",
            "qty:s",
            "remaining:s",
            "priorityKept:b",
            "side:s",
            "filled:s",
        ],
    ),
    (
        "Expired",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "qty:s",
            "side:s",
            "price:s",
            "filled:s",
        ],
    ),
    (
        "Refreshed",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "side:s",
            "price:s",
            "shown:s",
            "hidden:s",
            "filled:s",
        ],
    ),
    (
        "StopAccepted",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "side:s",
            "trigger:s",
            "limit:?s",
            "qty:s",
            "timeInForce:s",
        ],
    ),
    (
        "Triggered",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "side:s",
            "trigger:s",
            "lastPrice:s",
            "limit:?s",
            "qty:s",
            "timeInForce:s",
        ],
    ),
    ("TriggerLimitReached", &["seq:u", "ts:u", "correlationId:u", "instrument:n", "fired:n"]),
    (
        "StopAmended",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "instrument:n",
            "orderId:u",
            "account:u",
            "side:s",
            "version:n",
            "trigger:s",
            "limit:?s",
            "qty:s",
            "priorityKept:b",
        ],
    ),
    ("LevelChanged", &["seq:u", "ts:u", "correlationId:u", "instrument:n", "side:s", "price:s", "qty:s", "orders:n"]),
    ("BboChanged", &["seq:u", "ts:u", "correlationId:u", "instrument:n", "bid:?L", "ask:?L"]),
    (
        "Posting",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "transferId:u",
            "postingKind:s",
            "code:n",
            "debit:A",
            "credit:A",
            "amount:s",
            "orderId:?u",
            "tradeId:?u",
        ],
    ),
    (
        "RiskRejected",
        &["seq:u", "ts:u", "correlationId:u", "account:u", "instrument:n", "orderId:?u", "reason:s", "context:M"],
    ),
    (
        "FundsMoved",
        &[
            "seq:u",
            "ts:u",
            "correlationId:u",
            "key:u",
            "direction:s",
            "account:u",
            "asset:n",
            "amount:s",
            "status:s",
            "replayed:b",
        ],
    ),
    ("AssetCreated", &["seq:u", "ts:u", "correlationId:u", "asset:n"]),
    ("MarketRegistered", &["seq:u", "ts:u", "correlationId:u", "instrument:n", "base:n", "quote:n"]),
    ("InstrumentRiskChanged", &["seq:u", "ts:u", "correlationId:u", "instrument:n"]),
    ("AccountLimitsChanged", &["seq:u", "ts:u", "correlationId:u", "account:u"]),
    ("AccountEnabledChanged", &["seq:u", "ts:u", "correlationId:u", "account:u", "enabled:b"]),
    ("RestrictionChanged", &["seq:u", "ts:u", "correlationId:u", "account:u", "instrument:n", "restricted:b"]),
    ("SettlementFailed", &["seq:u", "ts:u", "correlationId:u", "tradeId:u", "status:s"]),
];

/// Appends one event: its kind, then its fields in `FIELDS` order.
pub fn encode(ev: &Event, out: &mut String) {
    if !out.is_empty() {
        out.push(RS);
    }
    match ev {
        Event::InstrumentRegistered { seq, ts, correlation_id, instrument } => {
            out.push_str("InstrumentRegistered");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
        }
        Event::TradingStatusChanged { seq, ts, correlation_id, instrument, status } => {
            out.push_str("TradingStatusChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            status.text(out);
        }
        Event::Accepted {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            side,
            price,
            qty,
            time_in_force,
            client_order_id,
        } => {
            out.push_str("Accepted");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            time_in_force.text(out);
            out.push(US);
            client_order_id.text(out);
        }
        Event::Rejected { seq, ts, correlation_id, instrument, account, order_id, client_order_id, reason } => {
            out.push_str("Rejected");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            client_order_id.text(out);
            out.push(US);
            reason.text(out);
        }
        Event::Trade {
            seq,
            ts,
            correlation_id,
            instrument,
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
        } => {
            out.push_str("Trade");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            trade_id.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            aggressor.text(out);
            out.push(US);
            maker_order_id.text(out);
            out.push(US);
            maker_account.text(out);
            out.push(US);
            maker_remaining.text(out);
            out.push(US);
            taker_order_id.text(out);
            out.push(US);
            taker_account.text(out);
            out.push(US);
            taker_remaining.text(out);
        }
        Event::Cancelled {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            qty,
            reason,
            side,
            price,
            filled,
        } => {
            out.push_str("Cancelled");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            reason.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            filled.text(out);
        }
        Event::Reduced {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            qty,
            remaining,
            reason,
            side,
            price,
            filled,
        } => {
            out.push_str("Reduced");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            remaining.text(out);
            out.push(US);
            reason.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            filled.text(out);
        }
        Event::Amended {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            version,
            price,
            qty,
            remaining,
            priority_kept,
            side,
            filled,
        } => {
            out.push_str("Amended");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            version.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            remaining.text(out);
            out.push(US);
            priority_kept.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            filled.text(out);
        }
        Event::Expired { seq, ts, correlation_id, instrument, order_id, account, qty, side, price, filled } => {
            out.push_str("Expired");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            filled.text(out);
        }
        Event::Refreshed {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            side,
            price,
            shown,
            hidden,
            filled,
        } => {
            out.push_str("Refreshed");
            for f in [seq, ts, correlation_id] {
                out.push(US);
                f.text(out);
            }
            out.push(US);
            instrument.text(out);
            for f in [order_id, account] {
                out.push(US);
                f.text(out);
            }
            for f in [side, price, shown, hidden, filled] {
                out.push(US);
                f.text(out);
            }
        }
        Event::StopAccepted {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            side,
            trigger,
            limit,
            qty,
            time_in_force,
        } => {
            out.push_str("StopAccepted");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            trigger.text(out);
            out.push(US);
            limit.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            time_in_force.text(out);
        }
        Event::Triggered {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            side,
            trigger,
            last_price,
            limit,
            qty,
            time_in_force,
        } => {
            out.push_str("Triggered");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            trigger.text(out);
            out.push(US);
            last_price.text(out);
            out.push(US);
            limit.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            time_in_force.text(out);
        }
        Event::TriggerLimitReached { seq, ts, correlation_id, instrument, fired } => {
            out.push_str("TriggerLimitReached");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            fired.text(out);
        }
        Event::StopAmended {
            seq,
            ts,
            correlation_id,
            instrument,
            order_id,
            account,
            side,
            version,
            trigger,
            limit,
            qty,
            priority_kept,
        } => {
            out.push_str("StopAmended");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            version.text(out);
            out.push(US);
            trigger.text(out);
            out.push(US);
            limit.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            priority_kept.text(out);
        }
        Event::LevelChanged { seq, ts, correlation_id, instrument, side, price, qty, orders } => {
            out.push_str("LevelChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            side.text(out);
            out.push(US);
            price.text(out);
            out.push(US);
            qty.text(out);
            out.push(US);
            orders.text(out);
        }
        Event::BboChanged { seq, ts, correlation_id, instrument, bid, ask } => {
            out.push_str("BboChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            bid.text(out);
            out.push(US);
            ask.text(out);
        }
        Event::Posting {
            seq,
            ts,
            correlation_id,
            transfer_id,
            posting_kind,
            code,
            debit,
            credit,
            amount,
            order_id,
            trade_id,
        } => {
            out.push_str("Posting");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            transfer_id.text(out);
            out.push(US);
            posting_kind.text(out);
            out.push(US);
            code.text(out);
            out.push(US);
            debit.text(out);
            out.push(US);
            credit.text(out);
            out.push(US);
            amount.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            trade_id.text(out);
        }
        Event::RiskRejected { seq, ts, correlation_id, account, instrument, order_id, reason, context } => {
            out.push_str("RiskRejected");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            order_id.text(out);
            out.push(US);
            reason.text(out);
            out.push(US);
            context.text(out);
        }
        Event::FundsMoved { seq, ts, correlation_id, key, direction, account, asset, amount, status, replayed } => {
            out.push_str("FundsMoved");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            key.text(out);
            out.push(US);
            direction.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            asset.text(out);
            out.push(US);
            amount.text(out);
            out.push(US);
            status.text(out);
            out.push(US);
            replayed.text(out);
        }
        Event::AssetCreated { seq, ts, correlation_id, asset } => {
            out.push_str("AssetCreated");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            asset.text(out);
        }
        Event::MarketRegistered { seq, ts, correlation_id, instrument, base, quote } => {
            out.push_str("MarketRegistered");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            base.text(out);
            out.push(US);
            quote.text(out);
        }
        Event::InstrumentRiskChanged { seq, ts, correlation_id, instrument } => {
            out.push_str("InstrumentRiskChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            instrument.text(out);
        }
        Event::AccountLimitsChanged { seq, ts, correlation_id, account } => {
            out.push_str("AccountLimitsChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            account.text(out);
        }
        Event::AccountEnabledChanged { seq, ts, correlation_id, account, enabled } => {
            out.push_str("AccountEnabledChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            enabled.text(out);
        }
        Event::RestrictionChanged { seq, ts, correlation_id, account, instrument, restricted } => {
            out.push_str("RestrictionChanged");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            account.text(out);
            out.push(US);
            instrument.text(out);
            out.push(US);
            restricted.text(out);
        }
        Event::SettlementFailed { seq, ts, correlation_id, trade_id, status } => {
            out.push_str("SettlementFailed");
            out.push(US);
            seq.text(out);
            out.push(US);
            ts.text(out);
            out.push(US);
            correlation_id.text(out);
            out.push(US);
            trade_id.text(out);
            out.push(US);
            status.text(out);
        }
    }
}

/// The events of one call as one string.
pub fn encode_all(events: &[Event]) -> String {
    let mut out = String::with_capacity(events.len() * 96);
    for e in events {
        encode(e, &mut out);
    }
    out
}

/// The field names and types of every event kind, for `lib.js`'s decoder:
/// `[kind, "name:type", ...]`.
#[napi]
pub fn event_fields() -> Vec<Vec<&'static str>> {
    FIELDS.iter().map(|(kind, fields)| std::iter::once(*kind).chain(fields.iter().copied()).collect()).collect()
}
