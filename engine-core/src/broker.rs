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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, Ledger, LedgerConfig, LedgerError, LedgerSnapshot, OwnerId,
    Timestamp as LedgerTs, Transfer, TransferCode, TransferId, TransferStatus,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::command::{Amend, Cancel, Command, CommandKind, MassCancel, Place, SetTradingStatus};
use crate::engine::EngineSnapshot;
use crate::engine::{Engine, EngineConfig};
use crate::error::CommandError;
use crate::event::{Event, EventKind};
use crate::hash::{Fnv64, IdHashMap};
use crate::instrument::{InstrumentSpec, TradingStatus};
use crate::outcome::{Checked, Outcome};
use crate::risk::{self, AccountLimits, Approval, InstrumentRisk, OrderIntent, RiskReject, RiskView, UnitScale};
use crate::types::{
    AccountId, CorrelationId, InstrumentId, Lots, OrderId, OrderType, Side, Ticks, TimeInForce, Timestamp, TradeId,
};

/// The external bank / payment provider (may go negative).
pub const EXTERNAL_OWNER: u64 = u64::MAX;
/// Where fees accumulate.
pub const FEES_OWNER: u64 = u64::MAX - 1;
/// The counterparty of every hold and the hub of every settlement.
pub const ESCROW_OWNER: u64 = u64::MAX - 2;
/// Client account ids at or above this are reserved.
pub const RESERVED_OWNERS_FROM: u64 = u64::MAX - 15;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    pub engine: EngineConfig,
    pub ledger: LedgerConfig,
}

/// A market: an engine instrument plus the assets it exchanges and its risk limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSpec {
    pub instrument: InstrumentSpec,
    /// What is bought (shares, coins).
    pub base: AssetId,
    /// What it is paid with (cash).
    pub quote: AssetId,
    pub risk: InstrumentRisk,
}

/// A deposit or withdrawal, idempotent by `key` (e.g. a UUID from an
/// `Idempotency-Key` header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    pub account: AccountId,
    pub asset: AssetId,
    /// Minor units, > 0.
    pub amount: u128,
    pub key: u128,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerCommand {
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: BrokerCommandKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerCommandKind {
    CreateAsset {
        spec: AssetSpec,
        wallet_max_balance: Option<u128>,
    },
    RegisterMarket(MarketSpec),
    Deposit(Funds),
    Withdraw(Funds),
    Place(Place),
    Cancel(Cancel),
    Amend(Amend),
    MassCancel(MassCancel),
    SetTradingStatus(SetTradingStatus),
    SetInstrumentRisk {
        instrument: InstrumentId,
        risk: InstrumentRisk,
    },
    SetAccountLimits {
        account: AccountId,
        limits: AccountLimits,
    },
    /// The kill switch: disabling refuses new orders and amends and cancels every open order.
    SetAccountEnabled {
        account: AccountId,
        enabled: bool,
    },
    RestrictInstrument {
        account: AccountId,
        instrument: InstrumentId,
        restricted: bool,
    },
    ExpireDue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerEvent {
    pub seq: u64,
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: BrokerEventKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FundsDirection {
    Deposit,
    Withdrawal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostingKind {
    Single,
    Hold,
    Post,
    Void,
    /// An order's hold set to a new amount in place (amend, quantity reduced,
    /// a fill that leaves less to reserve); `amount` is the hold's new size.
    Resize,
    /// A fill settled from the hold of an order that stays live: `amount` is
    /// what was settled, and the rest stays held under the same id.
    PostPart,
}

/// One applied ledger transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub transfer_id: TransferId,
    pub kind: PostingKind,
    pub code: TransferCode,
    pub debit: AccountKey,
    pub credit: AccountKey,
    pub amount: u128,
    pub order_id: Option<OrderId>,
    pub trade_id: Option<TradeId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerEventKind {
    /// An engine event (its own sequence replaced by the Broker's).
    Order(EventKind),
    Posting(Posting),
    /// Pre-trade risk refused a place (`order_id` None) or an amend.
    OrderRejected {
        account: AccountId,
        instrument: InstrumentId,
        order_id: Option<OrderId>,
        reject: RiskReject,
    },
    FundsMoved {
        key: u128,
        direction: FundsDirection,
        account: AccountId,
        asset: AssetId,
        amount: u128,
        status: TransferStatus,
        /// A repeat of an earlier request with the same key and payload.
        replayed: bool,
    },
    AssetCreated {
        asset: AssetId,
    },
    MarketRegistered {
        instrument: InstrumentId,
        base: AssetId,
        quote: AssetId,
    },
    InstrumentRiskChanged {
        instrument: InstrumentId,
        risk: InstrumentRisk,
    },
    AccountLimitsChanged {
        account: AccountId,
        limits: AccountLimits,
    },
    AccountEnabledChanged {
        account: AccountId,
        enabled: bool,
    },
    RestrictionChanged {
        account: AccountId,
        instrument: InstrumentId,
        restricted: bool,
    },
    /// A settlement batch the ledger refused. Never expected; an alarm, journaled.
    SettlementFailed {
        trade_id: TradeId,
        status: TransferStatus,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BrokerError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("ledger: {0}")]
    Ledger(LedgerError),
    #[error("timestamp {ts} is before the broker's time {now}")]
    TimeWentBackwards { ts: Timestamp, now: Timestamp },
    #[error("unknown asset {asset:?}")]
    UnknownAsset { asset: AssetId },
    #[error("account {account} is reserved for the broker's own books")]
    ReservedAccount { account: AccountId },
    #[error("amount must be > 0")]
    InvalidAmount,
    #[error("idempotency key {key:#x} was used with a different request")]
    IdempotencyConflict { key: u128 },
    #[error("invalid market: {why}")]
    InvalidMarket { why: &'static str },
    #[error("snapshot is inconsistent: {why}")]
    Snapshot { why: String },
}

impl BrokerError {
    pub fn code(&self) -> &'static str {
        match self {
            BrokerError::Command(e) => e.code(),
            BrokerError::Ledger(e) => e.code(),
            BrokerError::TimeWentBackwards { .. } => "time_went_backwards",
            BrokerError::UnknownAsset { .. } => "unknown_asset",
            BrokerError::ReservedAccount { .. } => "reserved_account",
            BrokerError::InvalidAmount => "invalid_amount",
            BrokerError::IdempotencyConflict { .. } => "idempotency_conflict",
            BrokerError::InvalidMarket { .. } => "invalid_market",
            BrokerError::Snapshot { .. } => "snapshot_inconsistent",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Market {
    base: AssetId,
    quote: AssetId,
    scale: UnitScale,
    risk: InstrumentRisk,
    last_trade: Option<Ticks>,
}

/// The hold behind one live order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OrderFunds {
    account: AccountId,
    instrument: InstrumentId,
    side: Side,
    hold_id: TransferId,
    hold: u128,
    /// Price the hold was sized at (buys).
    hold_price: Ticks,
    remaining: Lots,
    /// The market's fee rates when the order was accepted. The order pays these
    /// for its whole life, amends included: its hold was sized for them, and a
    /// raise charged to a resting buy would overdraw it.
    fees: OrderFees,
    /// The order's exact fees so far, in ten-thousandths of a quote minor unit:
    /// fees are rounded once on this running total ([`risk::fee_step`]).
    fee_accrued: u128,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OrderFees {
    maker_bps: u32,
    taker_bps: u32,
}

impl OrderFees {
    fn of(risk: &InstrumentRisk) -> Self {
        OrderFees { maker_bps: risk.maker_fee_bps, taker_bps: risk.taker_fee_bps }
    }

    /// `risk` with these rates in place of its own: what the order's hold is sized by.
    fn applied_to(self, risk: &InstrumentRisk) -> InstrumentRisk {
        InstrumentRisk { maker_fee_bps: self.maker_bps, taker_fee_bps: self.taker_bps, ..*risk }
    }

    /// The rate for the order's side of a trade.
    fn rate(self, is_taker: bool) -> u32 {
        if is_taker {
            self.taker_bps
        } else {
            self.maker_bps
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct AccountState {
    limits: AccountLimits,
    disabled: bool,
    open_orders: u32,
    recent: VecDeque<u64>,
    restricted: BTreeSet<InstrumentId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FundsRecord {
    direction: FundsDirection,
    funds: Funds,
    status: TransferStatus,
}

/// Everything needed to continue exactly where a Broker is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub format_version: u32,
    pub engine: EngineSnapshot,
    pub ledger: LedgerSnapshot,
    markets: Vec<Market>,
    wallet_max: BTreeMap<AssetId, u128>,
    funds: Vec<(OrderId, OrderFunds)>,
    accounts: BTreeMap<AccountId, AccountState>,
    funds_keys: Vec<(u128, FundsRecord)>,
    next_transfer: u64,
    last_seq: u64,
    now: Timestamp,
}

impl BrokerSnapshot {
    /// 2: each order's hold records the fee rates it pays and the fees it has accrued.
    pub const FORMAT_VERSION: u32 = 2;
}

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
            amount: t.amount.minor(),
            order_id: None,
            trade_id: Some(trade_id),
        }));
        batch.push(t);
    }
}

/// One side of a fill against its order's hold: settle `pays` from it, and
/// either close it (the order is done; the rest of the hold is released) or
/// keep it pending, under the same id, at `keeps`. Keeping it is a resize to
/// `pays + keeps` when the hold is not already that, then a `post_part` of
/// `pays`: a buy's hold shrinks by more than it pays when it fills below its
/// limit or at the lower fee rate.
struct HoldLeg {
    hold_id: TransferId,
    pays: u128,
    keeps: Option<u128>,
    /// The hold's new amount when it must be resized first.
    resize_to: Option<u128>,
    debit: AccountKey,
    credit: AccountKey,
}

impl HoldLeg {
    fn new(f: &OrderFunds, pays: u128, keeps: Option<u128>, debit: AccountKey, credit: AccountKey) -> Self {
        let resize_to = keeps.map(|k| pays + k).filter(|&to| to != f.hold);
        HoldLeg { hold_id: f.hold_id, pays, keeps, resize_to, debit, credit }
    }

    /// Transfer ids for (the resize, the post), taken in batch order.
    fn ids(&self, broker: &mut Broker) -> (Option<TransferId>, TransferId) {
        let resize = self.resize_to.map(|_| broker.next_id());
        (resize, broker.next_id())
    }

    /// Adds the leg's transfers (each names both accounts, as `on_hold` would) to the batch.
    #[inline(always)]
    fn settle(
        &self,
        (resize_id, post_id): (Option<TransferId>, TransferId),
        data: u128,
        trade_id: TradeId,
        batch: &mut Vec<Transfer>,
        o: &mut Out<'_>,
    ) {
        let accounts = |t: Transfer| Transfer { debit_account: self.debit, credit_account: self.credit, ..t };
        if let (Some(id), Some(to)) = (resize_id, self.resize_to) {
            let resize = Transfer::resize(id, self.hold_id, Amount::from_minor(to), TransferCode::ORDER_HOLD);
            o.settlement(batch, accounts(resize).with_user_data(data), PostingKind::Resize, trade_id);
        }
        let code = TransferCode::TRADE_SETTLEMENT;
        let amount = Amount::from_minor(self.pays);
        let (post, kind) = match self.keeps {
            Some(_) => (Transfer::post_part(post_id, self.hold_id, amount, code), PostingKind::PostPart),
            None => (Transfer::post(post_id, self.hold_id, amount, code), PostingKind::Post),
        };
        o.settlement(batch, accounts(post).with_user_data(data), kind, trade_id);
    }
}

/// The Broker's transfer ids count up from here (`next_transfer` starts at 1).
const FIRST_TRANSFER_ID: u128 = (1 << 64) | 1;

fn wallet(account: AccountId, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(account.0), asset }
}
/// A client wallet's available balance (0 if it has none). A free function so
/// it can borrow the ledger alone.
fn wallet_available(ledger: &Ledger, account: AccountId, asset: AssetId) -> i128 {
    ledger.balance(wallet(account, asset)).map_or(0, |b| b.available())
}
fn system(owner: u64, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(owner), asset }
}

/// Exact `value × 10^scale` as an integer, or None.
fn minor_units(value: Decimal, scale: u8) -> Option<u128> {
    let v = value.checked_mul(Decimal::from(10u64.checked_pow(u32::from(scale))?))?.normalize();
    if v.scale() != 0 || v <= Decimal::ZERO {
        return None;
    }
    u128::try_from(v.mantissa()).ok()
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

    /// Available balance of a client's wallet (0 if it has none).
    pub fn available(&self, account: AccountId, asset: AssetId) -> i128 {
        wallet_available(&self.ledger, account, asset)
    }

    /// Posted balance of a client's wallet (holds not subtracted).
    pub fn balance(&self, account: AccountId, asset: AssetId) -> i128 {
        self.ledger.balance(wallet(account, asset)).map_or(0, |b| b.posted())
    }

    /// The hold behind a live order: (transfer id, amount).
    pub fn hold_of(&self, order: OrderId) -> Option<(TransferId, u128)> {
        self.funds.get(&order).map(|f| (f.hold_id, f.hold))
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

    /// Applies one command, appending its events to `out`.
    ///
    /// # Errors
    /// A [`BrokerError`] when the command cannot be evaluated; nothing changed.
    pub fn apply(&mut self, cmd: &BrokerCommand, out: &mut Vec<BrokerEvent>) -> Result<(), BrokerError> {
        if cmd.ts < self.now {
            return Err(BrokerError::TimeWentBackwards { ts: cmd.ts, now: self.now });
        }
        let checked = self.validate(cmd)?;
        let start = out.len();
        let mut o = Out { events: out, ts: cmd.ts, correlation_id: cmd.correlation_id };
        self.now = cmd.ts;
        let ecmd = |kind| Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind };
        match &cmd.kind {
            BrokerCommandKind::CreateAsset { spec, wallet_max_balance } => {
                self.exec_create_asset(spec, *wallet_max_balance, &mut o)?
            }
            BrokerCommandKind::RegisterMarket(m) => self.exec_register(checked, m, &mut o)?,
            BrokerCommandKind::Deposit(f) => self.exec_funds(FundsDirection::Deposit, f, &mut o),
            BrokerCommandKind::Withdraw(f) => self.exec_funds(FundsDirection::Withdrawal, f, &mut o),
            BrokerCommandKind::Place(p) => self.exec_place(cmd, p, checked, &mut o),
            BrokerCommandKind::Amend(_) => self.exec_amend(cmd, checked, &mut o),
            BrokerCommandKind::Cancel(_)
            | BrokerCommandKind::MassCancel(_)
            | BrokerCommandKind::SetTradingStatus(_)
            | BrokerCommandKind::ExpireDue => {
                self.execute(checked, &mut o);
            }
            BrokerCommandKind::SetInstrumentRisk { instrument, risk } => {
                if let Some(m) = self.markets.get_mut(instrument.0 as usize) {
                    m.risk = *risk;
                }
                o.emit(BrokerEventKind::InstrumentRiskChanged { instrument: *instrument, risk: *risk });
            }
            BrokerCommandKind::SetAccountLimits { account, limits } => {
                self.accounts.entry(*account).or_default().limits = *limits;
                o.emit(BrokerEventKind::AccountLimitsChanged { account: *account, limits: *limits });
            }
            BrokerCommandKind::SetAccountEnabled { account, enabled } => {
                self.accounts.entry(*account).or_default().disabled = !enabled;
                o.emit(BrokerEventKind::AccountEnabledChanged { account: *account, enabled: *enabled });
                if !enabled {
                    let mc = MassCancel { account: Some(*account), instrument: None };
                    self.run_engine(&ecmd(CommandKind::MassCancel(mc)), &mut o);
                }
            }
            BrokerCommandKind::RestrictInstrument { account, instrument, restricted } => {
                let st = self.accounts.entry(*account).or_default();
                if *restricted {
                    st.restricted.insert(*instrument);
                } else {
                    st.restricted.remove(instrument);
                }
                o.emit(BrokerEventKind::RestrictionChanged {
                    account: *account,
                    instrument: *instrument,
                    restricted: *restricted,
                });
            }
        }
        for e in &mut out[start..] {
            self.last_seq += 1;
            e.seq = self.last_seq;
        }
        Ok(())
    }

    /// Everything that can refuse a command with an error, before any change.
    /// A command that reaches the engine is checked by it here, once, and
    /// executed later from the [`Checked`] it returns.
    fn validate(&self, cmd: &BrokerCommand) -> Result<Option<Checked>, BrokerError> {
        self.validate_kind(cmd)?;
        let kind = match &cmd.kind {
            BrokerCommandKind::RegisterMarket(m) => CommandKind::RegisterInstrument(m.instrument.clone()),
            BrokerCommandKind::Place(p) => CommandKind::Place(*p),
            BrokerCommandKind::Amend(a) => CommandKind::Amend(*a),
            BrokerCommandKind::Cancel(c) => CommandKind::Cancel(*c),
            BrokerCommandKind::MassCancel(m) => CommandKind::MassCancel(*m),
            BrokerCommandKind::SetTradingStatus(s) => CommandKind::SetTradingStatus(*s),
            BrokerCommandKind::ExpireDue => CommandKind::ExpireDue,
            _ => return Ok(None),
        };
        let checked = self.engine.check(&Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind })?;
        Ok(Some(checked))
    }

    fn validate_kind(&self, cmd: &BrokerCommand) -> Result<(), BrokerError> {
        let client = |a: AccountId| {
            if a.0 >= RESERVED_OWNERS_FROM {
                Err(BrokerError::ReservedAccount { account: a })
            } else {
                Ok(())
            }
        };
        match &cmd.kind {
            BrokerCommandKind::CreateAsset { spec, .. } => {
                if self.ledger.asset(spec.id).is_some() || spec.id.0 == 0 {
                    return Err(BrokerError::Ledger(LedgerError::AssetExists { asset: spec.id }));
                }
                Ok(())
            }
            BrokerCommandKind::RegisterMarket(m) => {
                for a in [m.base, m.quote] {
                    if self.ledger.asset(a).is_none() {
                        return Err(BrokerError::UnknownAsset { asset: a });
                    }
                }
                if m.base == m.quote {
                    return Err(BrokerError::InvalidMarket { why: "base and quote must differ" });
                }
                if self.policy_could_refuse_settlement(m) {
                    return Err(BrokerError::InvalidMarket {
                        why: "the ledger policy limits settlement, fee or hold transfers or wallet balances \
                              in this market's assets, so it could refuse a settlement after a trade \
                              (cap deposits with CreateAsset's wallet_max_balance instead)",
                    });
                }
                self.scale_of(m)?;
                Ok(())
            }
            BrokerCommandKind::Deposit(f) | BrokerCommandKind::Withdraw(f) => {
                client(f.account)?;
                if f.amount == 0 {
                    return Err(BrokerError::InvalidAmount);
                }
                if self.ledger.asset(f.asset).is_none() {
                    return Err(BrokerError::UnknownAsset { asset: f.asset });
                }
                let direction = match cmd.kind {
                    BrokerCommandKind::Deposit(_) => FundsDirection::Deposit,
                    _ => FundsDirection::Withdrawal,
                };
                if let Some(r) = self.funds_keys.get(&f.key) {
                    if r.funds != *f || r.direction != direction {
                        return Err(BrokerError::IdempotencyConflict { key: f.key });
                    }
                }
                Ok(())
            }
            BrokerCommandKind::Place(p) => client(p.account),
            // The engine checks these (and the place) in `validate`.
            BrokerCommandKind::Amend(_)
            | BrokerCommandKind::Cancel(_)
            | BrokerCommandKind::MassCancel(_)
            | BrokerCommandKind::SetTradingStatus(_) => Ok(()),
            BrokerCommandKind::SetInstrumentRisk { instrument, .. } => {
                if self.markets.get(instrument.0 as usize).is_none() {
                    return Err(CommandError::UnknownInstrument { instrument: *instrument }.into());
                }
                Ok(())
            }
            BrokerCommandKind::RestrictInstrument { account, instrument, .. } => {
                client(*account)?;
                if self.markets.get(instrument.0 as usize).is_none() {
                    return Err(CommandError::UnknownInstrument { instrument: *instrument }.into());
                }
                Ok(())
            }
            BrokerCommandKind::SetAccountLimits { account, .. }
            | BrokerCommandKind::SetAccountEnabled { account, .. } => client(*account),
            BrokerCommandKind::ExpireDue => Ok(()),
        }
    }

    /// A matched trade is final, so nothing in the ledger's policy may refuse the
    /// transfers that settle it: per-transfer or daily limits on settlement and fee
    /// transfers, daily limits on holds (a partial fill may resize a buy's hold), or
    /// default wallet max balances (proceeds credit wallets).
    fn policy_could_refuse_settlement(&self, m: &MarketSpec) -> bool {
        let policy = &self.ledger.config().policy;
        let settles = [TransferCode::TRADE_SETTLEMENT, TransferCode::FEE];
        let ours = |a: AssetId| a == m.base || a == m.quote;
        policy.transfer_limits.iter().any(|l| ours(l.asset) && settles.contains(&l.code))
            || policy
                .daily_limits
                .iter()
                .any(|l| ours(l.asset) && (settles.contains(&l.code) || l.code == TransferCode::ORDER_HOLD))
            || policy.wallet_limits.iter().any(|l| ours(l.asset))
    }

    fn scale_of(&self, m: &MarketSpec) -> Result<UnitScale, BrokerError> {
        let base = self.ledger.asset(m.base).ok_or(BrokerError::UnknownAsset { asset: m.base })?;
        let quote = self.ledger.asset(m.quote).ok_or(BrokerError::UnknownAsset { asset: m.quote })?;
        let base_per_lot = minor_units(m.instrument.lot_size, base.scale)
            .ok_or(BrokerError::InvalidMarket { why: "lot size is not a whole number of base minor units" })?;
        let tick_lot = m.instrument.tick_size.checked_mul(m.instrument.lot_size);
        let quote_per_tick_lot = tick_lot
            .and_then(|v| minor_units(v, quote.scale))
            .ok_or(BrokerError::InvalidMarket { why: "tick × lot is not a whole number of quote minor units" })?;
        Ok(UnitScale { base_per_lot, quote_per_tick_lot })
    }

    fn exec_create_asset(&mut self, spec: &AssetSpec, max: Option<u128>, o: &mut Out<'_>) -> Result<(), BrokerError> {
        let now = LedgerTs(o.ts.0);
        self.ledger.create_asset(now, spec.clone()).map_err(BrokerError::Ledger)?;
        for owner in [EXTERNAL_OWNER, FEES_OWNER, ESCROW_OWNER] {
            self.ledger
                .create_account(now, AccountSpec::system(system(owner, spec.id)))
                .map_err(BrokerError::Ledger)?;
        }
        if let Some(m) = max {
            self.wallet_max.insert(spec.id, m);
        }
        o.emit(BrokerEventKind::AssetCreated { asset: spec.id });
        Ok(())
    }

    fn exec_register(&mut self, checked: Option<Checked>, m: &MarketSpec, o: &mut Out<'_>) -> Result<(), BrokerError> {
        // Validated with the engine's check: neither can fail now.
        let scale = self.scale_of(m)?;
        let instrument = InstrumentId(self.markets.len() as u32);
        let outcome = self.execute(checked, o);
        debug_assert_eq!(
            outcome,
            Some(Outcome::InstrumentRegistered { instrument }),
            "invariant: markets and instruments in step"
        );
        self.markets.push(Market { base: m.base, quote: m.quote, scale, risk: m.risk, last_trade: None });
        o.emit(BrokerEventKind::MarketRegistered { instrument, base: m.base, quote: m.quote });
        Ok(())
    }

    /// Creates a client wallet if it does not exist yet. It carries no ledger max
    /// balance: the asset's wallet cap is checked on deposits (see `exec_funds`),
    /// never on settlement, which must not fail once the engine has traded.
    fn ensure_wallet(&mut self, account: AccountId, asset: AssetId) {
        let key = wallet(account, asset);
        if self.ledger.account(key).is_none() {
            let _ = self.ledger.create_account(LedgerTs(self.now.0), AccountSpec::wallet(key));
        }
    }

    fn exec_funds(&mut self, direction: FundsDirection, f: &Funds, o: &mut Out<'_>) {
        if let Some(r) = self.funds_keys.get(&f.key) {
            // Same key, same request (validated): the original answer, changing nothing.
            return o.emit(BrokerEventKind::FundsMoved {
                key: f.key,
                direction,
                account: f.account,
                asset: f.asset,
                amount: f.amount,
                status: r.status,
                replayed: true,
            });
        }
        self.ensure_wallet(f.account, f.asset);
        let (debit, credit, code) = match direction {
            FundsDirection::Deposit => {
                (system(EXTERNAL_OWNER, f.asset), wallet(f.account, f.asset), TransferCode::DEPOSIT)
            }
            FundsDirection::Withdrawal => {
                (wallet(f.account, f.asset), system(EXTERNAL_OWNER, f.asset), TransferCode::WITHDRAWAL)
            }
        };
        // The wallet cap limits what a client brings in. Proceeds of trades may take
        // a wallet past it (a matched trade is final); deposits then wait until it
        // is back under.
        let cap = self.wallet_max.get(&f.asset).copied().filter(|_| direction == FundsDirection::Deposit);
        let over_cap = cap.is_some_and(|cap| {
            let balance = self.balance(f.account, f.asset);
            balance.saturating_add(i128::try_from(f.amount).unwrap_or(i128::MAX))
                > i128::try_from(cap).unwrap_or(i128::MAX)
        });
        let status = if over_cap {
            TransferStatus::ExceedsMaxBalance
        } else {
            let id = self.next_id();
            let t = Transfer::single(id, debit, credit, Amount::from_minor(f.amount), code).with_user_data(f.key);
            self.submit_one(t, None, None, PostingKind::Single, o)
        };
        self.funds_keys.insert(f.key, FundsRecord { direction, funds: *f, status });
        o.emit(BrokerEventKind::FundsMoved {
            key: f.key,
            direction,
            account: f.account,
            asset: f.asset,
            amount: f.amount,
            status,
            replayed: false,
        });
    }

    /// Submits one transfer; on success emits its posting.
    fn submit_one(
        &mut self,
        t: Transfer,
        order_id: Option<OrderId>,
        trade_id: Option<TradeId>,
        kind: PostingKind,
        o: &mut Out<'_>,
    ) -> TransferStatus {
        let status = self.ledger.submit_one(LedgerTs(self.now.0), &t).unwrap_or(TransferStatus::LinkedEventFailed);
        if status == TransferStatus::Ok {
            o.emit(BrokerEventKind::Posting(self.posting(&t, kind, order_id, trade_id)));
        }
        status
    }

    /// Submits `self.batch`, the linked chain that settles a trade: applied
    /// whole or not at all. Returns the first non-ok status, or ok; the
    /// ledger's `submit_chain` works it out without a results vector.
    fn submit_settlement(&mut self) -> TransferStatus {
        self.ledger.submit_chain(LedgerTs(self.now.0), &self.batch).unwrap_or(TransferStatus::LinkedEventFailed)
    }

    /// The posting event of a transfer the ledger just applied.
    fn posting(
        &self,
        t: &Transfer,
        kind: PostingKind,
        order_id: Option<OrderId>,
        trade_id: Option<TradeId>,
    ) -> Posting {
        // Post, void and resize may leave the accounts to the hold; the Broker
        // names them, so the lookup is only a fallback. An applied transfer names
        // only existing accounts, whose asset is never 0, so asset 0 alone means
        // unset: half the loads and compares of `is_unset`.
        let (debit, credit) = if t.debit_account.asset.0 == 0 || t.credit_account.asset.0 == 0 {
            match self.ledger.transfer(t.id) {
                Some(rec) => (rec.transfer.debit_account, rec.transfer.credit_account),
                None => (t.debit_account, t.credit_account),
            }
        } else {
            (t.debit_account, t.credit_account)
        };
        // A void reports the amount it released.
        let amount = if t.flags.contains(brokerx_ledger::TransferFlags::VOID_PENDING) {
            self.ledger.hold_amount(t.pending_id).map_or(0, Amount::minor)
        } else {
            t.amount.minor()
        };
        Posting { transfer_id: t.id, kind, code: t.code, debit, credit, amount, order_id, trade_id }
    }

    /// Names the accounts of an order's hold on a post, void or resize of it
    /// (the ledger checks they match the hold).
    fn on_hold(&self, f: &OrderFunds, mut t: Transfer) -> Transfer {
        if let Some(m) = self.markets.get(f.instrument.0 as usize) {
            let asset = if f.side == Side::Buy { m.quote } else { m.base };
            t.debit_account = wallet(f.account, asset);
            t.credit_account = system(ESCROW_OWNER, asset);
        }
        t
    }

    fn market(&self, i: InstrumentId) -> Option<Market> {
        self.markets.get(i.0 as usize).copied()
    }

    /// Runs the risk checks for a place or amend.
    fn risk_check(
        &mut self,
        ts: Timestamp,
        account: AccountId,
        i: InstrumentId,
        intent: &OrderIntent,
        fees: Option<OrderFees>,
    ) -> Result<Approval, RiskReject> {
        // Read in place, not copied (~150 bytes per place and amend); the
        // stand-in for an unknown market is built only when needed.
        let unknown;
        let market = match self.markets.get(i.0 as usize) {
            Some(m) => m,
            None => {
                unknown = Market {
                    base: AssetId(0),
                    quote: AssetId(0),
                    scale: UnitScale { base_per_lot: 1, quote_per_tick_lot: 1 },
                    risk: InstrumentRisk::default(),
                    last_trade: None,
                };
                &unknown
            }
        };
        // An amend is checked and held at the order's own fee rates.
        let amend_risk;
        let risk = match fees {
            Some(f) => {
                amend_risk = f.applied_to(&market.risk);
                &amend_risk
            }
            None => &market.risk,
        };
        let spec = self.engine.instrument(i).map(|x| (x.spec.status, x.spec.min_qty, x.spec.max_qty));
        let (open, min_qty, max_qty) =
            spec.map_or((false, Lots(1), Lots(0)), |(status, min, max)| (status == TradingStatus::Open, min, max));
        // The touch only matters when there is no last trade (the collar's
        // reference is last trade, else mid; a market buy falls back to the ask).
        let bbo = if market.last_trade.is_none() { self.engine.bbo(i).unwrap_or_default() } else { Default::default() };
        let asset = if intent.side == Side::Buy { market.quote } else { market.base };
        let lookup = |ledger: &Ledger| wallet_available(ledger, account, asset);
        let st = self.accounts.entry(account).or_default();
        // Sliding window over the command timestamps.
        if let Some(t) = st.limits.throttle {
            while st.recent.front().is_some_and(|&x| x.saturating_add(t.window_ns) <= ts.0) {
                st.recent.pop_front();
            }
        }
        let view = RiskView {
            instrument_open: open,
            risk,
            min_qty,
            max_qty,
            scale: &market.scale,
            account_enabled: !st.disabled,
            restricted: st.restricted.contains(&i),
            limits: &st.limits,
            open_orders: st.open_orders,
            recent_commands: st.recent.len() as u32,
            last_trade: market.last_trade,
            best_bid: bbo.bid.map(|l| l.price),
            best_ask: bbo.ask.map(|l| l.price),
            // Read by check_funds only, below.
            available: 0,
        };
        // Buying power is the last check. Wallets never go negative, so an amend that
        // needs no more than it already holds passes it whatever the balance: look the
        // balance up only when it can matter (a cache miss into the ledger's accounts).
        let result = risk::check_before_funds(intent, &view).and_then(|a| {
            if a.hold > intent.existing_hold {
                risk::check_funds(intent, &a, lookup(&self.ledger))?;
            }
            Ok(a)
        });
        debug_assert!(
            result == risk::check(intent, &RiskView { available: lookup(&self.ledger), ..view }),
            "invariant: the deferred balance lookup gives the same answer"
        );
        if let Some(t) = st.limits.throttle {
            if result.is_ok() {
                st.recent.push_back(ts.0);
                while st.recent.len() > t.max_commands as usize {
                    st.recent.pop_front();
                }
            }
        }
        result
    }

    fn exec_place(&mut self, cmd: &BrokerCommand, p: &Place, checked: Option<Checked>, o: &mut Out<'_>) {
        let Some(checked) = checked else { return };
        // Expiries due now run first, so their holds are free for this order.
        self.expire_due(cmd, o);
        let intent = OrderIntent {
            side: p.side,
            limit: match p.order_type {
                OrderType::Limit(px) => Some(px),
                OrderType::Market => None,
            },
            qty: p.qty,
            is_amend: false,
            may_rest: matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd),
            existing_hold: 0,
            accrued_fee: 0,
        };
        let approval = match self.risk_check(cmd.ts, p.account, p.instrument, &intent, None) {
            Ok(a) => a,
            Err(reject) => {
                return o.emit(BrokerEventKind::OrderRejected {
                    account: p.account,
                    instrument: p.instrument,
                    order_id: None,
                    reject,
                })
            }
        };
        let (Some(market), Some(order_id)) = (self.market(p.instrument), checked.order_id()) else { return };
        let asset = if p.side == Side::Buy { market.quote } else { market.base };
        let hold_id = self.next_id();
        let hold = Transfer::pending(
            hold_id,
            wallet(p.account, asset),
            system(ESCROW_OWNER, asset),
            Amount::from_minor(approval.hold),
            TransferCode::ORDER_HOLD,
            0,
        )
        .with_user_data(u128::from(order_id.0));
        let status = self.submit_one(hold, Some(order_id), None, PostingKind::Hold, o);
        if status != TransferStatus::Ok {
            let reject = RiskReject {
                code: risk::RiskCode::InsufficientFunds,
                context: risk::RiskContext::default().with("required", approval.hold as i128),
            };
            return o.emit(BrokerEventKind::OrderRejected {
                account: p.account,
                instrument: p.instrument,
                order_id: None,
                reject,
            });
        }
        self.funds.insert(
            order_id,
            OrderFunds {
                account: p.account,
                instrument: p.instrument,
                side: p.side,
                hold_id,
                hold: approval.hold,
                hold_price: approval.hold_price.unwrap_or_default(),
                remaining: p.qty,
                fees: OrderFees::of(&market.risk),
                fee_accrued: 0,
            },
        );
        // Protect market orders: they enter as IOC/FOK limits at the hold's price.
        // That is a different command from the one checked, so it is checked
        // again (a market order only: a limit runs from its own check).
        let checked = match (p.order_type, approval.hold_price) {
            (OrderType::Market, Some(px)) => {
                let place = Place { order_type: OrderType::Limit(px), ..*p };
                let protected =
                    Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind: CommandKind::Place(place) };
                self.engine.check(&protected).ok()
            }
            _ => Some(checked),
        };
        if let Some(Outcome::Rejected { .. }) | None = self.execute(checked, o) {
            // The engine refused it as a trading outcome (halted, post-only): release.
            self.release(order_id, o);
        }
    }

    fn expire_due(&mut self, cmd: &BrokerCommand, o: &mut Out<'_>) {
        if self.engine.next_deadline().is_some_and(|d| d <= cmd.ts) {
            self.run_engine(
                &Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind: CommandKind::ExpireDue },
                o,
            );
        }
    }

    fn exec_amend(&mut self, cmd: &BrokerCommand, checked: Option<Checked>, o: &mut Out<'_>) {
        let Some(checked) = checked else { return };
        let (&CommandKind::Amend(a), Some(named)) = (&checked.command().kind, checked.named_order()) else { return };
        self.expire_due(cmd, o);
        let Some(f) = self.funds.get(&named.order_id).copied() else { return };
        let order_id = named.order_id;
        let price = a.new_price.unwrap_or(named.price);
        let remaining = a.new_qty.map_or(named.leaves, |q| Lots(q.0 - named.filled.0));
        let intent = OrderIntent {
            side: f.side,
            limit: Some(price),
            qty: remaining,
            is_amend: true,
            may_rest: true,
            existing_hold: f.hold,
            accrued_fee: f.fee_accrued,
        };
        let approval = match self.risk_check(cmd.ts, f.account, f.instrument, &intent, Some(f.fees)) {
            Ok(ap) => ap,
            Err(reject) => {
                return o.emit(BrokerEventKind::OrderRejected {
                    account: f.account,
                    instrument: f.instrument,
                    order_id: Some(order_id),
                    reject,
                })
            }
        };
        // A sell's hold is its quantity, whatever the price.
        let resized = approval.hold != f.hold || (f.side == Side::Buy && price != f.hold_price);
        if resized && !self.resize_hold(order_id, &f, approval.hold, price, remaining, o) {
            let reject = RiskReject {
                code: risk::RiskCode::InsufficientFunds,
                context: risk::RiskContext::default().with("required", approval.hold as i128),
            };
            return o.emit(BrokerEventKind::OrderRejected {
                account: f.account,
                instrument: f.instrument,
                order_id: Some(order_id),
                reject,
            });
        }
        let refused = matches!(self.execute(Some(checked), o), Some(Outcome::Rejected { .. }) | None);
        if refused && resized {
            // Put the hold back as it was.
            let _ = self.resize_hold(order_id, &f, f.hold, f.hold_price, f.remaining, o);
        }
    }

    /// Sets an order's hold to `amount` in place (one ledger resize; the hold
    /// keeps its id). False if the account cannot fund the growth.
    /// `f` is the order's funds record (its account, side and hold id).
    fn resize_hold(
        &mut self,
        order_id: OrderId,
        f: &OrderFunds,
        amount: u128,
        price: Ticks,
        remaining: Lots,
        o: &mut Out<'_>,
    ) -> bool {
        let id = self.next_id();
        let resize = self.on_hold(
            f,
            Transfer::resize(id, f.hold_id, Amount::from_minor(amount), TransferCode::ORDER_HOLD)
                .with_user_data(u128::from(order_id.0)),
        );
        let ok = self.submit_one(resize, Some(order_id), None, PostingKind::Resize, o) == TransferStatus::Ok;
        if ok {
            if let Some(r) = self.funds.get_mut(&order_id) {
                r.hold = amount;
                r.hold_price = price;
                r.remaining = remaining;
            }
        }
        ok
    }

    /// Voids a finished order's hold and forgets it.
    fn release(&mut self, order_id: OrderId, o: &mut Out<'_>) {
        let Some(f) = self.funds.remove(&order_id) else { return };
        let id = self.next_id();
        let _ = self.submit_one(
            self.on_hold(&f, Transfer::void(id, f.hold_id, TransferCode::ORDER_HOLD)),
            Some(order_id),
            None,
            PostingKind::Void,
            o,
        );
    }

    /// Applies an engine command the Broker makes itself (expiries, the kill
    /// switch's mass cancel) and settles what its events say.
    fn run_engine(&mut self, cmd: &Command, o: &mut Out<'_>) {
        let mut events = std::mem::take(&mut self.engine_events);
        events.clear();
        if self.engine.apply(cmd, &mut events).is_ok() {
            self.on_engine_events(&events, o);
        }
        self.engine_events = events;
    }

    /// Executes a command `validate` checked and settles what its events say.
    /// `None` only if nothing was checked or the check went stale, which the
    /// Broker's order of work rules out (only due expiries run in between).
    fn execute(&mut self, checked: Option<Checked>, o: &mut Out<'_>) -> Option<Outcome> {
        let checked = checked?;
        let mut events = std::mem::take(&mut self.engine_events);
        events.clear();
        let outcome = self.engine.execute(checked, &mut events);
        debug_assert!(outcome.is_ok(), "invariant: a checked command runs ({outcome:?})");
        self.on_engine_events(&events, o);
        self.engine_events = events;
        outcome.ok()
    }

    fn on_engine_events(&mut self, events: &[Event], o: &mut Out<'_>) {
        for e in events {
            o.emit(BrokerEventKind::Order(e.kind));
            self.on_engine_event(&e.kind, o);
        }
    }

    fn on_engine_event(&mut self, kind: &EventKind, o: &mut Out<'_>) {
        match *kind {
            EventKind::Accepted { account, .. } => {
                self.accounts.entry(account).or_default().open_orders += 1;
            }
            EventKind::Cancelled { order_id, .. } | EventKind::Expired { order_id, .. } => self.finish(order_id, o),
            EventKind::Reduced { order_id, remaining, .. } => self.resize_to(order_id, remaining, o),
            EventKind::Amended { order_id, remaining, priority_kept: true, .. } => {
                self.resize_to(order_id, remaining, o)
            }
            EventKind::Amended { order_id, remaining, .. } => {
                if let Some(f) = self.funds.get_mut(&order_id) {
                    f.remaining = remaining;
                }
            }
            EventKind::Trade {
                trade_id,
                instrument,
                price,
                qty,
                aggressor,
                maker_order_id,
                maker_remaining,
                taker_order_id,
                taker_remaining,
                ..
            } => {
                if let Some(m) = self.markets.get_mut(instrument.0 as usize) {
                    m.last_trade = Some(price);
                }
                let (buyer, seller, buyer_left, seller_left) = match aggressor {
                    Side::Buy => (taker_order_id, maker_order_id, taker_remaining, maker_remaining),
                    Side::Sell => (maker_order_id, taker_order_id, maker_remaining, taker_remaining),
                };
                self.settle(trade_id, instrument, price, qty, aggressor, (buyer, buyer_left), (seller, seller_left), o);
                for (id, left) in [(buyer, buyer_left), (seller, seller_left)] {
                    if left.0 == 0 {
                        // Fully filled: the post released any remainder.
                        if let Some(f) = self.funds.remove(&id) {
                            if let Some(st) = self.accounts.get_mut(&f.account) {
                                st.open_orders = st.open_orders.saturating_sub(1);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, order_id: OrderId, o: &mut Out<'_>) {
        if let Some(f) = self.funds.get(&order_id) {
            if let Some(st) = self.accounts.get_mut(&f.account) {
                st.open_orders = st.open_orders.saturating_sub(1);
            }
        }
        self.release(order_id, o);
    }

    /// The order's remaining quantity shrank without a trade: shrink its hold.
    fn resize_to(&mut self, order_id: OrderId, remaining: Lots, o: &mut Out<'_>) {
        let Some(f) = self.funds.get(&order_id).copied() else { return };
        let Some(m) = self.market(f.instrument) else { return };
        let need = match f.side {
            Side::Buy => {
                risk::buy_hold_after(&m.scale, &f.fees.applied_to(&m.risk), f.hold_price, remaining, f.fee_accrued)
            }
            Side::Sell => m.scale.base(remaining),
        }
        .unwrap_or(f.hold);
        if need != f.hold {
            let _ = self.resize_hold(order_id, &f, need, f.hold_price, remaining, o);
        } else if let Some(r) = self.funds.get_mut(&order_id) {
            r.remaining = remaining;
        }
    }

    /// Settles one trade as a single linked ledger batch.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &mut self,
        trade_id: TradeId,
        instrument: InstrumentId,
        price: Ticks,
        qty: Lots,
        aggressor: Side,
        (buyer, buyer_left): (OrderId, Lots),
        (seller, seller_left): (OrderId, Lots),
        o: &mut Out<'_>,
    ) {
        let (Some(m), Some(b), Some(s)) =
            (self.market(instrument), self.funds.get(&buyer).copied(), self.funds.get(&seller).copied())
        else {
            return o
                .emit(BrokerEventKind::SettlementFailed { trade_id, status: TransferStatus::PendingTransferNotFound });
        };
        let notional = m.scale.notional(price, qty).unwrap_or(0);
        let base = m.scale.base(qty).unwrap_or(0);
        let buyer_takes = aggressor == Side::Buy;
        let (buyer_bps, seller_bps) = (b.fees.rate(buyer_takes), s.fees.rate(!buyer_takes));
        let (buyer_fee, buyer_accrued) = risk::fee_step(b.fee_accrued, notional, buyer_bps);
        let (seller_fee, seller_accrued) = risk::fee_step(s.fee_accrued, notional, seller_bps);
        let seller_fee = seller_fee.min(notional);
        // What each order must still hold after this fill, if it stays live.
        let buyer_keeps = (buyer_left.0 > 0).then(|| {
            let risk = b.fees.applied_to(&m.risk);
            risk::buy_hold_after(&m.scale, &risk, b.hold_price, buyer_left, buyer_accrued).unwrap_or(0)
        });
        let seller_keeps = (seller_left.0 > 0).then(|| m.scale.base(seller_left).unwrap_or(0));
        let buyer_pays = notional + buyer_fee;

        let escrow_q = system(ESCROW_OWNER, m.quote);
        let escrow_b = system(ESCROW_OWNER, m.base);
        let buyer_leg = HoldLeg::new(&b, buyer_pays, buyer_keeps, wallet(b.account, m.quote), escrow_q);
        let seller_leg = HoldLeg::new(&s, base, seller_keeps, wallet(s.account, m.base), escrow_b);
        // Ids in batch order, only for the transfers this fill needs: the
        // ledger indexes consecutive ids as an append, and a skipped id leaves
        // a gap it has to fill.
        let buyer_ids = buyer_leg.ids(self);
        let seller_ids = seller_leg.ids(self);
        let pay_seller = (notional > seller_fee).then(|| self.next_id());
        let deliver = self.next_id();
        let fee_id = (buyer_fee + seller_fee > 0).then(|| self.next_id());
        let code = TransferCode::TRADE_SETTLEMENT;
        let data = u128::from(trade_id.0);
        self.batch.clear();
        let events_len = o.events.len();
        buyer_leg.settle(buyer_ids, data, trade_id, &mut self.batch, o);
        seller_leg.settle(seller_ids, data, trade_id, &mut self.batch, o);
        if let Some(id) = pay_seller {
            o.settlement(
                &mut self.batch,
                Transfer::single(
                    id,
                    escrow_q,
                    wallet(s.account, m.quote),
                    Amount::from_minor(notional - seller_fee),
                    code,
                )
                .with_user_data(data),
                PostingKind::Single,
                trade_id,
            );
        }
        o.settlement(
            &mut self.batch,
            Transfer::single(deliver, escrow_b, wallet(b.account, m.base), Amount::from_minor(base), code)
                .with_user_data(data),
            PostingKind::Single,
            trade_id,
        );
        if let Some(id) = fee_id {
            o.settlement(
                &mut self.batch,
                Transfer::single(
                    id,
                    escrow_q,
                    system(FEES_OWNER, m.quote),
                    Amount::from_minor(buyer_fee + seller_fee),
                    TransferCode::FEE,
                )
                .with_user_data(data),
                PostingKind::Single,
                trade_id,
            );
        }
        let n = self.batch.len();
        // Two posts at least, so the batch is a linked chain: a failed chain
        // leaves no trace (a lone transfer's refusal would be remembered by its
        // id), which the wallet retry below relies on.
        debug_assert!(n >= 2, "invariant: a settlement is a linked chain");
        for t in self.batch.iter_mut().take(n - 1) {
            *t = t.linked();
        }
        let mut status = self.submit_settlement();
        if status != TransferStatus::Ok {
            // Most likely a client's first proceeds in an asset it has no wallet
            // for. A failed chain leaves no trace, so creating the wallets now and
            // settling again gives the same journal as creating them first; checking
            // only here spares every fill two account lookups.
            self.ensure_wallet(b.account, m.base);
            self.ensure_wallet(s.account, m.quote);
            status = self.submit_settlement();
        }
        if status != TransferStatus::Ok {
            debug_assert!(false, "invariant: settlement never fails ({status:?})");
            o.events.truncate(events_len);
            return o.emit(BrokerEventKind::SettlementFailed { trade_id, status });
        }
        // A live order keeps its hold (same id), now sized for what is left.
        if let (Some(h), Some(r)) = (buyer_keeps, self.funds.get_mut(&buyer)) {
            r.hold = h;
            r.remaining = buyer_left;
            r.fee_accrued = buyer_accrued;
        }
        if let (Some(h), Some(r)) = (seller_keeps, self.funds.get_mut(&seller)) {
            r.hold = h;
            r.remaining = seller_left;
            r.fee_accrued = seller_accrued;
        }
    }

    /// The Broker's invariants, on top of the engine's and the ledger's.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.engine.check_invariants()?;
        self.ledger.check_invariants().map_err(|v| format!("ledger: {v:?}"))?;
        if self.funds.len() != self.engine.live_orders() {
            return Err(format!("{} holds for {} live orders", self.funds.len(), self.engine.live_orders()));
        }
        let mut held: BTreeMap<AssetId, u128> = BTreeMap::new();
        let mut ids: Vec<&OrderId> = self.funds.keys().collect();
        ids.sort();
        for id in ids {
            let f = &self.funds[id];
            let o = self.engine.order(*id).ok_or_else(|| format!("hold for order {id} which is not live"))?;
            if o.remaining != f.remaining {
                return Err(format!("order {id}: hold sized for {} lots, order has {}", f.remaining, o.remaining));
            }
            let m = self.market(f.instrument).ok_or("hold on unknown market")?;
            let want = match f.side {
                Side::Buy => risk::buy_hold_after(
                    &m.scale,
                    &f.fees.applied_to(&m.risk),
                    f.hold_price,
                    o.remaining,
                    f.fee_accrued,
                ),
                Side::Sell => m.scale.base(o.remaining),
            };
            if want != Some(f.hold) {
                return Err(format!("order {id}: hold {} but worst case {:?}", f.hold, want));
            }
            let pending = self.ledger.pending_amount(f.hold_id).map(|a| a.minor());
            if pending != Some(f.hold) {
                return Err(format!("order {id}: ledger holds {pending:?}, expected {}", f.hold));
            }
            *held.entry(if f.side == Side::Buy { m.quote } else { m.base }).or_default() += f.hold;
        }
        for (asset, _) in self
            .wallet_max
            .iter()
            .map(|(a, m)| (*a, *m))
            .chain(self.markets.iter().flat_map(|m| [(m.base, 0), (m.quote, 0)]))
        {
            let Some(b) = self.ledger.balance(system(ESCROW_OWNER, asset)) else { continue };
            if b.posted() != 0 {
                return Err(format!("escrow of asset {asset:?} holds {} posted", b.posted()));
            }
            let pending = b.credits_pending.minor();
            if pending != held.get(&asset).copied().unwrap_or(0) {
                return Err(format!(
                    "escrow of asset {asset:?} has {pending} pending, orders hold {:?}",
                    held.get(&asset)
                ));
            }
        }
        Ok(())
    }

    /// FNV-1a over the engine's and ledger's hashes and the Broker's own state.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        h.u64(self.engine.state_hash());
        h.u64(self.ledger.state_hash());
        h.u64(self.next_transfer);
        h.u64(self.last_seq);
        h.u64(self.now.0);
        let snap = self.snapshot_parts();
        for (id, f) in &snap.0 {
            h.u64(id.0);
            h.u64(f.account.0);
            h.i128(f.hold_id.0 as i128);
            h.i128(f.hold as i128);
            h.i64(f.hold_price.0);
            h.i64(f.remaining.0);
        }
        for (k, r) in &snap.1 {
            h.i128(*k as i128);
            h.str(r.status.code());
        }
        let mut accounts: Vec<_> = self.accounts.iter().collect();
        accounts.sort_unstable_by_key(|(a, _)| **a);
        for (a, st) in accounts {
            h.u64(a.0);
            h.u64(u64::from(st.disabled));
            h.u64(u64::from(st.open_orders));
            h.u64(st.recent.len() as u64);
            h.u64(st.restricted.len() as u64);
        }
        for m in &self.markets {
            h.i64(m.last_trade.map_or(0, |t| t.0));
        }
        h.finish()
    }

    #[allow(clippy::type_complexity)]
    fn snapshot_parts(&self) -> (Vec<(OrderId, OrderFunds)>, Vec<(u128, FundsRecord)>) {
        let mut funds: Vec<_> = self.funds.iter().map(|(k, v)| (*k, *v)).collect();
        funds.sort_by_key(|(k, _)| *k);
        let mut keys: Vec<_> = self.funds_keys.iter().map(|(k, v)| (*k, *v)).collect();
        keys.sort_by_key(|(k, _)| *k);
        (funds, keys)
    }

    pub fn snapshot(&self) -> BrokerSnapshot {
        let (funds, funds_keys) = self.snapshot_parts();
        BrokerSnapshot {
            format_version: BrokerSnapshot::FORMAT_VERSION,
            engine: self.engine.snapshot(),
            ledger: self.ledger.snapshot(),
            markets: self.markets.clone(),
            wallet_max: self.wallet_max.clone(),
            funds,
            accounts: self.accounts.iter().map(|(a, st)| (*a, st.clone())).collect(),
            funds_keys,
            next_transfer: self.next_transfer,
            last_seq: self.last_seq,
            now: self.now,
        }
    }

    /// # Errors
    /// `snapshot_inconsistent` if any part fails to restore or the result breaks an invariant.
    pub fn restore(s: &BrokerSnapshot) -> Result<Broker, BrokerError> {
        let bad = |why: String| BrokerError::Snapshot { why };
        if s.format_version != BrokerSnapshot::FORMAT_VERSION {
            return Err(bad(format!(
                "format version {} is not supported (this build reads {})",
                s.format_version,
                BrokerSnapshot::FORMAT_VERSION
            )));
        }
        let engine = Engine::restore(&s.engine).map_err(|e| bad(e.to_string()))?;
        let ledger = Ledger::restore(&s.ledger).map_err(|e| bad(e.to_string()))?;
        let mut b = Broker::new(BrokerConfig { engine: *engine.config(), ledger: s.ledger.config.clone() });
        b.engine = engine;
        b.ledger = ledger;
        b.markets = s.markets.clone();
        b.wallet_max = s.wallet_max.clone();
        b.funds = s.funds.iter().copied().collect();
        b.accounts = s.accounts.iter().map(|(a, st)| (*a, st.clone())).collect();
        b.funds_keys = s.funds_keys.iter().copied().collect();
        b.next_transfer = s.next_transfer;
        b.last_seq = s.last_seq;
        b.now = s.now;
        b.check_invariants().map_err(bad)?;
        Ok(b)
    }
}
