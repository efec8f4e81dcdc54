//! Docstrings of the event classes' fields, shared by the event macros of
//! `events` and `broker` (Python reads them with `help()`).

/// The docstring of an event field: by class and name, then by name alone.
macro_rules! field_doc {
    (Level, price) => {
        "The level's price (`Decimal`)."
    };
    (Level, qty) => {
        "Total quantity resting at this price (`Decimal`)."
    };
    (Trade, price) => {
        "The trade price: the resting order's price (`Decimal`)."
    };
    (Trade, qty) => {
        "The quantity traded (`Decimal`)."
    };
    (Trade, trade_id) => {
        "The trade's id."
    };
    (Cancelled, qty) => {
        "The quantity cancelled (`Decimal`)."
    };
    (Reduced, qty) => {
        "The quantity taken off the order (`Decimal`)."
    };
    (Expired, qty) => {
        "The quantity that expired (`Decimal`)."
    };
    (Amended, qty) => {
        "The order's new total quantity (`Decimal`)."
    };
    (Amended, price) => {
        "The order's price after the amend (`Decimal`)."
    };
    (Expired, price) => {
        "The order's limit price (`Decimal`)."
    };
    (StopAccepted, trigger) => {
        "The stop's trigger price (`Decimal`)."
    };
    (Triggered, trigger) => {
        "The stop's trigger price (`Decimal`)."
    };
    (StopAmended, trigger) => {
        "The stop's trigger after the amend (`Decimal`)."
    };
    (StopAccepted, limit) => {
        "The stop-limit's limit price (`Decimal`), or None for a stop-market."
    };
    (Triggered, limit) => {
        "The stop-limit's limit price (`Decimal`), or None for a stop-market."
    };
    (StopAmended, limit) => {
        "The stop-limit's limit price (`Decimal`), or None for a stop-market."
    };
    (StopAccepted, qty) => {
        "The stop's quantity (`Decimal`)."
    };
    (Triggered, qty) => {
        "The stop's quantity (`Decimal`)."
    };
    (StopAmended, qty) => {
        "The stop's new total quantity (`Decimal`)."
    };
    (Triggered, last_price) => {
        "The last trade price that reached the trigger (`Decimal`)."
    };
    (TriggerLimitReached, fired) => {
        "How many stops this command fired on the instrument (the configured limit)."
    };
    (LevelChanged, qty) => {
        "The level's new total quantity; 0 when it is gone (`Decimal`)."
    };
    (LevelChanged, price) => {
        "The level's price (`Decimal`)."
    };
    (Posting, amount) => {
        "The amount moved, a `Decimal` in the asset's units."
    };
    (Posting, kind) => {
        "`'single'`, `'hold'`, `'post'`, `'void'`, `'resize'` or `'post_part'`."
    };
    (Posting, order_id) => {
        "The order the posting is for, or None."
    };
    (FundsMoved, amount) => {
        "The amount asked for, a `Decimal` in the asset's units."
    };
    (FundsMoved, status) => {
        "`'ok'` or the ledger status that refused it (then the call raised)."
    };
    (RiskRejected, order_id) => {
        "The order an amend named, or None for a new order."
    };
    (RiskRejected, reason) => {
        "The risk check that refused it, as its stable code."
    };
    (SettlementFailed, status) => {
        "The ledger status that refused the settlement."
    };
    (SettlementFailed, trade_id) => {
        "The trade whose settlement was refused."
    };
    (TradingStatusChanged, status) => {
        "`'open'`, `'halted'` or `'closed'`."
    };
    (Rejected, order_id) => {
        "The order's id if it had one (an amend), else None."
    };
    (Rejected, reason) => {
        "Why the engine refused it as a trading outcome, e.g. `'post_only_would_cross'`."
    };
    (Cancelled, reason) => {
        "Why it was cancelled, e.g. `'user'`, `'ioc_remainder'`, `'self_trade'`."
    };
    (Reduced, reason) => {
        "Why it was reduced, e.g. `'self_trade'`."
    };
    (Place, instrument) => {
        "The instrument, by id or symbol as given."
    };
    (MassCancel, instrument) => {
        "The instrument to cancel on (id or symbol), or None for all."
    };
    (MassCancel, account) => {
        "The account to cancel for, or None for all."
    };
    (SetTradingStatus, instrument) => {
        "The instrument, by id or symbol as given."
    };
    (SetTradingStatus, status) => {
        "`'open'`, `'halted'` or `'closed'`."
    };
    (Place, price) => {
        "The limit price (`Decimal`), or None for a market order."
    };
    (Amend, price) => {
        "The new price (`Decimal`), or None to keep it."
    };
    (Amend, qty) => {
        "The new total quantity (`Decimal`), or None to keep it."
    };
    (Order, price) => {
        "The limit price (`Decimal`)."
    };
    (Order, remaining) => {
        "The quantity still open (`Decimal`)."
    };
    (Order, instrument) => {
        "The instrument's id."
    };
    (Instrument, id) => {
        "The instrument's id (dense, in order of registration)."
    };
    (RegisterInstrument, tick_size) => {
        "The smallest price increment (`Decimal`)."
    };
    (Transfer, id) => {
        "The transfer id: the ledger's idempotency key."
    };
    (Transfer, flags) => {
        "The transfer's flags as a list of names."
    };
    (Transfer, kind) => {
        "`'single'`, `'pending'`, `'post'`, `'void'`, `'resize'` or `'post_part'`."
    };
    (Transfer, user_data) => {
        "Opaque 128-bit data the host attached."
    };
    (Transfer, pending_id) => {
        "The hold a post, void or resize names (0 for none)."
    };
    (Transfer, linked) => {
        "True if it is linked to the next transfer of the batch (all or nothing)."
    };
    (Transfer, timeout_ns) => {
        "For a hold: how long until it expires (ns), 0 for never."
    };
    (TransferResult, id) => {
        "The transfer's id."
    };
    (Balance, credits_posted) => {
        "Posted credits (`Decimal`)."
    };
    (Balance, debits_posted) => {
        "Posted debits (`Decimal`)."
    };
    (Balance, credits_pending) => {
        "Credits held by pending transfers (`Decimal`)."
    };
    (Balance, debits_pending) => {
        "Debits held by pending transfers (`Decimal`)."
    };
    (Balance, to_dict) => {
        "JSON-ready dict of the four columns, Decimals as strings."
    };
    (Hold, id) => {
        "The hold's transfer id."
    };
    (Hold, amount) => {
        "The amount held (`Decimal`)."
    };
    (Hold, amount_minor) => {
        "The amount held in minor units."
    };
    (Hold, pending_amount_minor) => {
        "What is still held in minor units."
    };
    (Hold, posted_amount) => {
        "What has been posted from the hold so far (`Decimal`)."
    };
    (Hold, posted_amount_minor) => {
        "What has been posted from the hold so far, in minor units."
    };
    (Hold, expires_at) => {
        "When the hold expires (ns since the Unix epoch), or None."
    };
    (Hold, resolved_by) => {
        "The post or void that closed the hold, or None while pending."
    };
    (InstrumentRisk, collar_bps) => {
        "Limit prices within ±collar_bps of the reference; None switches the collar off."
    };
    (InstrumentRisk, maker_fee_bps) => {
        "The fee on resting (maker) fills, in basis points of the notional."
    };
    (InstrumentRisk, taker_fee_bps) => {
        "The fee on incoming (taker) fills, in basis points of the notional."
    };
    (InstrumentRisk, state) => {
        "`'active'`, `'reducing'` (sells only) or `'halted'`."
    };
    (Broker, cancel) => {
        "Cancels a live order of the account and releases its hold."
    };
    (Broker, amend) => {
        "As `Engine.amend`, after risk checks; the hold is resized to the new price and quantity."
    };
    (Broker, mass_cancel) => {
        "Cancels every live order of an account and/or instrument, releasing their holds."
    };
    (Broker, set_status) => {
        "Opens, halts or closes an instrument (optionally cancelling its resting orders)."
    };
    (Broker, restrict_instrument) => {
        "Forbids (or allows again) an account to trade an instrument."
    };
    (Broker, next_deadline) => {
        "When `on_time` is due next (the earliest GTD expiry, ns), or None."
    };
    (Broker, bbo) => {
        "Best bid and ask as `(bid, ask)`, each a `Level` or None."
    };
    (Broker, state_hash) => {
        "A hash of the whole Broker state: equal for equal command logs."
    };
    (Broker, check_invariants) => {
        "Walks the whole state (books, holds, ledger); raises `InvariantViolation` on a bug."
    };
    (Broker, snapshot) => {
        "The whole state as bytes, for `Broker.restore` (also what pickling uses)."
    };
    (Broker, restore) => {
        "A Broker from `snapshot()` bytes, indistinguishable from the original."
    };
    (Broker, last_seq) => {
        "The sequence number of the last event (0 before any)."
    };
    (Broker, now) => {
        "The Broker's current time (ns): the latest command's timestamp."
    };
    (Amend, order_id) => {
        "The order to amend."
    };
    (Cancel, order_id) => {
        "The order to cancel."
    };
    ($class:ident, account) => {
        "The client account id."
    };
    ($class:ident, aggressor) => {
        "The side of the incoming (taker) order: `'buy'` or `'sell'`."
    };
    ($class:ident, amount) => {
        "The amount, a `Decimal` in the asset's units."
    };
    ($class:ident, asset) => {
        "The ledger asset id."
    };
    ($class:ident, base) => {
        "The asset bought and sold (ledger asset id)."
    };
    ($class:ident, quote) => {
        "The asset it is paid in (ledger asset id)."
    };
    ($class:ident, cancel_resting) => {
        "Whether the status change also cancels the resting orders."
    };
    ($class:ident, client_order_id) => {
        "The account's own order id, or None."
    };
    ($class:ident, context) => {
        "The refusal's `key=value` facts as a dict of ints, in the core's units (ticks, lots, minor units)."
    };
    ($class:ident, correlation_id) => {
        "The command's correlation id (opaque to the engine)."
    };
    ($class:ident, credit) => {
        "The credited account as `(owner, asset)`."
    };
    ($class:ident, debit) => {
        "The debited account as `(owner, asset)`."
    };
    ($class:ident, direction) => {
        "`'deposit'` or `'withdrawal'`."
    };
    ($class:ident, enabled) => {
        "Whether the account may trade (False: the kill switch is on)."
    };
    ($class:ident, expected_version) => {
        "The version the order must be at for the amend to apply, or None."
    };
    ($class:ident, expire_at) => {
        "When a GTD order expires (ns since the Unix epoch), or None."
    };
    ($class:ident, filled) => {
        "The order's cumulative filled quantity (`Decimal`)."
    };
    ($class:ident, instrument) => {
        "The instrument's id."
    };
    ($class:ident, key) => {
        "The idempotency key (the core's 128-bit value)."
    };
    ($class:ident, lot_size) => {
        "The smallest quantity increment (`Decimal`)."
    };
    ($class:ident, tick_size) => {
        "The smallest price increment (`Decimal`)."
    };
    ($class:ident, maker_account) => {
        "The resting (maker) order's account."
    };
    ($class:ident, maker_order_id) => {
        "The resting (maker) order's id."
    };
    ($class:ident, maker_remaining) => {
        "What is left of the maker order after this fill (`Decimal`)."
    };
    ($class:ident, taker_account) => {
        "The incoming (taker) order's account."
    };
    ($class:ident, taker_order_id) => {
        "The incoming (taker) order's id."
    };
    ($class:ident, taker_remaining) => {
        "What is left of the taker order after this fill (`Decimal`)."
    };
    ($class:ident, max_qty) => {
        "The largest order quantity (`Decimal`)."
    };
    ($class:ident, min_qty) => {
        "The smallest order quantity (`Decimal`)."
    };
    ($class:ident, order_id) => {
        "The engine's order id."
    };
    ($class:ident, orders) => {
        "How many orders rest at this price."
    };
    ($class:ident, post_only) => {
        "True if the order may only rest (refused if it would cross)."
    };
    ($class:ident, price) => {
        "The price (`Decimal`), or None for a market order."
    };
    ($class:ident, priority_kept) => {
        "True if the order kept its time priority (a quantity decrease only)."
    };
    ($class:ident, qty) => {
        "The quantity (`Decimal`)."
    };
    ($class:ident, reason) => {
        "Why, as a stable snake_case code."
    };
    ($class:ident, remaining) => {
        "The order's quantity still open after the event (`Decimal`)."
    };
    ($class:ident, replayed) => {
        "True if this repeats the answer first given to the same key (nothing changed)."
    };
    ($class:ident, restricted) => {
        "True if the account may no longer trade the instrument."
    };
    ($class:ident, seq) => {
        "Gap-free event sequence number, starting at 1."
    };
    ($class:ident, side) => {
        "`'buy'` or `'sell'`."
    };
    ($class:ident, status) => {
        "The status, as a stable snake_case code."
    };
    ($class:ident, stp) => {
        "The self-trade prevention mode."
    };
    ($class:ident, symbol) => {
        "The instrument's symbol."
    };
    ($class:ident, time_in_force) => {
        "`'gtc'`, `'ioc'`, `'fok'` or `'gtd'`."
    };
    ($class:ident, to_dict) => {
        "JSON-ready dict: `type`, then every field; Decimals as strings."
    };
    ($class:ident, trade_id) => {
        "The trade's id, or None."
    };
    ($class:ident, transfer_id) => {
        "The ledger transfer's id (128-bit)."
    };
    ($class:ident, ts) => {
        "The command's timestamp (ns since the Unix epoch), or None for an omitted one."
    };
    ($class:ident, version) => {
        "The order's version, +1 on each amend."
    };
    ($class:ident, kind) => {
        "What kind it is, as a snake_case name."
    };
    ($class:ident, code) => {
        "The ledger transfer code (its kind, e.g. deposit, order hold)."
    };
    ($class:ident, id) => {
        "The id."
    };
    ($class:ident, bid) => {
        "The best bid as a `Level`, or None."
    };
    ($class:ident, ask) => {
        "The best ask as a `Level`, or None."
    };
    ($class:ident, $field:ident) => {
        concat!("The event's `", stringify!($field), "`.")
    };
}
pub(crate) use field_doc;
