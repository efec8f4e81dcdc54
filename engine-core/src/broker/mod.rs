//! The Broker: engine + pre-trade risk + ledger in one deterministic state machine.
//!
//! `Place` → risk check → a ledger hold (a pending transfer from the client's
//! wallet to the asset's escrow account) → the engine. Each fill settles as one
//! linked ledger batch: the buyer's cash hold is posted for notional + fee, the
//! seller's share hold for the quantity, escrow pays the seller (less fee) and the
//! buyer, and fees go to the fee account. An order filled in full has its hold
//! posted and the rest released (a buy's price improvement); an order still working
//! keeps its hold, same id, with a `post_part` of the fill, after a resize when a
//! buy's rest needs less (filled below its limit, or at the maker rate). Cancel,
//! IOC remainder, expiry and engine rejection void the hold; an amend resizes it
//! first (and is refused if the client cannot afford it). Market orders
//! are protected: they enter the book as IOC/FOK limits at the collar's bound.
//! An order pays the maker and taker fee rates in force when it was accepted, for
//! its whole life: `SetInstrumentRisk` changes them for orders accepted after it.
//! Fees are rounded up once, on each order's running total, so over many fills an
//! order never pays more than the fee its hold was sized for. An asset's wallet cap
//! (`wallet_max_balance`) refuses deposits that would pass it; settlement is never
//! refused by it, since a matched trade is final. For the same reason a market is
//! refused (`invalid_market`) if the ledger's policy limits its assets' settlement,
//! fee or hold transfers, or sets default wallet max balances on them.
//!
//! Invariants (`check_invariants`, called after every command in tests): every live
//! order has exactly one hold, sized to its remaining worst-case cost; no hold
//! without a live order; escrow holds nothing posted; per asset all balances sum to
//! zero (the ledger's double entry); no wallet is negative.

mod accounts;
mod apply;
mod command;
mod error;
mod event;
mod funds;
mod hash;
mod invariants;
mod limits;
mod market;
mod order_funds;
mod reject;
mod settlement;
mod snapshot;

pub use accounts::{
    escrow_account, external_account, fees_account, is_reserved_owner, wallet_account, ESCROW_OWNER, EXTERNAL_OWNER,
    FEES_OWNER, ORDER_HOLD, RESERVED_OWNERS_FROM, TRADE_SETTLEMENT,
};
pub use command::{BrokerCommand, BrokerCommandKind, BrokerConfig, Funds, MarketSpec};
pub use error::BrokerError;
pub use event::{BrokerEvent, BrokerEventKind, FundsDirection, Posting, PostingKind};
pub use reject::{OrderRejection, RejectContext};
pub use snapshot::BrokerSnapshot;
// The risk vocabulary a Broker command speaks, so `broker::*` is enough.
pub use crate::risk::{AccountLimits, InstrumentRisk, RiskCode, RiskState, Throttle};

use std::collections::BTreeMap;

use brokerx_ledger::{Amount, AssetId, AssetSpec, Ledger, Transfer, TransferId};
use rust_decimal::Decimal;

use self::accounts::{wallet, wallet_available, FIRST_TRANSFER_ID};
use self::funds::FundsRecord;
use self::limits::AccountState;
use self::market::Market;
use self::order_funds::OrderFunds;
use crate::engine::Engine;
use crate::error::CommandError;
use crate::event::Event;
use crate::hash::IdHashMap;
use crate::types::{AccountId, CorrelationId, InstrumentId, Notional, OrderId, Timestamp, TradeId};

#[derive(Debug)]
pub struct Broker {
    engine: Engine,
    ledger: Ledger,
    markets: Vec<Market>,
    wallet_max: BTreeMap<AssetId, u128>,
    funds: IdHashMap<OrderId, OrderFunds>,
    accounts: IdHashMap<AccountId, AccountState>,
    funds_keys: IdHashMap<u128, FundsRecord>,
    next_transfer: u64,
    last_seq: u64,
    now: Timestamp,
    // Reused buffers: steady state allocates nothing for them.
    engine_events: Vec<Event>,
    batch: Vec<Transfer>,
}

/// Collects events for one command; numbered at the end.
struct Out<'a> {
    events: &'a mut Vec<BrokerEvent>,
    ts: Timestamp,
    correlation_id: CorrelationId,
}

impl Out<'_> {
    fn emit(&mut self, kind: BrokerEventKind) {
        self.events.push(BrokerEvent { seq: 0, ts: self.ts, correlation_id: self.correlation_id, kind });
    }

    /// Adds a settlement transfer to `batch` and its posting to the events, as
    /// it is built: a chain applies whole or not at all, so the postings are
    /// taken back only if it fails for good. A settlement names both accounts
    /// of every transfer and voids nothing, so its posting is the transfer as
    /// built (`posting`'s look-ups never apply), and written here it costs no
    /// second pass over the batch.
    fn settlement(&mut self, batch: &mut Vec<Transfer>, t: Transfer, kind: PostingKind, trade_id: TradeId) {
        debug_assert!(
            t.debit_account.asset.0 != 0 && t.credit_account.asset.0 != 0,
            "invariant: a settlement transfer names its accounts"
        );
        self.emit(BrokerEventKind::Posting(Posting {
            transfer_id: t.id,
            kind,
            code: t.code,
            debit: t.debit_account,
            credit: t.credit_account,
            amount: t.amount,
            order_id: None,
            trade_id: Some(trade_id),
        }));
        batch.push(t);
    }
}

impl Broker {
    pub fn new(config: BrokerConfig) -> Self {
        let mut ledger = config.ledger;
        // Every transfer id the Broker submits comes from `next_id`.
        ledger.sequential_ids_from.get_or_insert(TransferId(FIRST_TRANSFER_ID));
        Broker {
            engine: Engine::new(config.engine),
            ledger: Ledger::new(ledger),
            markets: Vec::new(),
            wallet_max: BTreeMap::new(),
            funds: IdHashMap::default(),
            accounts: IdHashMap::default(),
            funds_keys: IdHashMap::default(),
            next_transfer: 1,
            last_seq: 0,
            now: Timestamp(0),
            engine_events: Vec::with_capacity(256),
            batch: Vec::with_capacity(16),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn now(&self) -> Timestamp {
        self.now
    }
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Available balance of a client's wallet: posted less held (0 if it has none).
    pub fn available(&self, account: AccountId, asset: AssetId) -> Amount {
        wallet_amount(wallet_available(&self.ledger, account, asset))
    }

    /// Posted balance of a client's wallet (holds not subtracted).
    pub fn balance(&self, account: AccountId, asset: AssetId) -> Amount {
        wallet_amount(self.ledger.balance(wallet(account, asset)).map_or(0, |b| b.posted()))
    }

    /// [`available`](Self::available) as a decimal at the asset's scale
    /// (`5000.00` USD); `None` for an unknown asset.
    pub fn available_decimal(&self, account: AccountId, asset: AssetId) -> Option<Decimal> {
        self.to_decimal(asset, self.available(account, asset))
    }

    /// [`balance`](Self::balance) as a decimal at the asset's scale; `None` for an unknown asset.
    pub fn balance_decimal(&self, account: AccountId, asset: AssetId) -> Option<Decimal> {
        self.to_decimal(asset, self.balance(account, asset))
    }

    /// An asset's spec (code, scale), for converting decimals to [`Amount`]s:
    /// `broker.asset(USD)?.amount_from_decimal(d)`.
    pub fn asset(&self, asset: AssetId) -> Option<&AssetSpec> {
        self.ledger.asset(asset)
    }

    fn to_decimal(&self, asset: AssetId, amount: Amount) -> Option<Decimal> {
        // Every balance the ledger admits fits a decimal (its totals are bounded).
        self.ledger.asset(asset)?.amount_to_decimal(amount).ok()
    }

    /// The hold behind a live order: (transfer id, amount in the held asset's minor units).
    pub fn hold_of(&self, order: OrderId) -> Option<(TransferId, Amount)> {
        self.funds.get(&order).map(|f| (f.hold_id, Amount::from_minor(f.hold)))
    }

    /// A quote amount as the engine's by-amount orders count it
    /// ([`OrderType::MarketByAmount`](crate::OrderType::MarketByAmount)), exactly:
    /// `amount_off_grid` unless it is a whole number of tick·lots (one tick of
    /// price on one lot, in quote minor units).
    ///
    /// # Errors
    /// `unknown_instrument`, `amount_off_grid`, or `invalid_amount` for zero or
    /// an amount past the engine's range.
    pub fn notional_from_amount(&self, instrument: InstrumentId, amount: Amount) -> Result<Notional, BrokerError> {
        let m = self.markets.get(instrument.0 as usize).ok_or(CommandError::UnknownInstrument { instrument })?;
        let per = m.scale.quote_per_tick_lot;
        if amount.minor() % per != 0 {
            return Err(BrokerError::AmountOffGrid { amount, per_tick_lot: per });
        }
        match u64::try_from(amount.minor() / per) {
            Ok(n) if n > 0 => Ok(Notional(n)),
            _ => Err(BrokerError::InvalidAmount),
        }
    }

    /// The (base, quote) assets of a registered market.
    pub fn market_assets(&self, instrument: InstrumentId) -> Option<(AssetId, AssetId)> {
        self.markets.get(instrument.0 as usize).map(|m| (m.base, m.quote))
    }

    /// When the host should next call `apply` with `ExpireDue`.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.engine.next_deadline()
    }

    fn next_id(&mut self) -> TransferId {
        let id = TransferId(FIRST_TRANSFER_ID - 1 + u128::from(self.next_transfer));
        self.next_transfer += 1;
        id
    }
}

/// A client wallet's balance as an [`Amount`]: wallets never go negative (an
/// invariant the ledger's flags enforce and `check_invariants` asserts).
fn wallet_amount(minor: i128) -> Amount {
    debug_assert!(minor >= 0, "invariant: a client wallet is never negative");
    Amount::from_minor(u128::try_from(minor).unwrap_or(0))
}
