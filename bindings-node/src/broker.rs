//! `Broker`: engine + pre-trade risk + ledger in one deterministic state
//! machine. Conversions only: order commands are the Engine's (`orders`),
//! resolved on the Broker's engine; amounts are decimal strings in the asset's
//! units, exact at its scale or refused. Risk refusals and funds refusals are
//! events, as in Rust; `lib.js` throws a refused deposit or withdrawal as its
//! error class carrying the event.

use brokerx_engine::broker::{
    Broker as CoreBroker, BrokerCommand, BrokerCommandKind, BrokerConfig, BrokerEvent, BrokerSnapshot, Funds,
    MarketSpec,
};
use brokerx_engine::clock::HostClock;
use brokerx_engine::{AccountId, CommandKind, CorrelationId, Instrument, InstrumentId, OrderId, Timestamp};
use brokerx_ledger::{Amount, AssetId, AssetSpec, TransferStatus};
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

use crate::args::{bool_opt, decimal, idempotency_key, string, u32_arg, u64_arg, Opts};
use crate::choices;
use crate::clock::stamp;
use crate::decimal::Kind;
use crate::engine::{bbo, book_side, depth, engine_config, instrument_spec, last_price, stops};
use crate::errors::{broker as broker_err, command, fail, undecodable, Res, Result};
use crate::events::{broker_event, money, Event, Level};
use crate::orders;
use crate::registry::Table;
use crate::risk::{account_limits, RiskInput};
use crate::views::{self, Bbo, InstrumentInfo, Order};

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) broker: CoreBroker,
    clock: HostClock,
    events: Vec<BrokerEvent>,
}

impl Inner {
    fn new(broker: CoreBroker) -> Self {
        Inner { broker, clock: HostClock::new(), events: Vec::with_capacity(64) }
    }

    fn run(&mut self, kind: BrokerCommandKind, o: &Opts<'_>) -> Res<Vec<Event>> {
        let correlation_id = CorrelationId(o.u64("correlationId")?.unwrap_or(0));
        let ts = stamp(&mut self.clock, o.u64("ts")?, self.broker.now());
        self.events.clear();
        self.broker.apply(&BrokerCommand { ts, correlation_id, kind }, &mut self.events).map_err(broker_err)?;
        Ok(self.events.iter().map(|e| broker_event(&self.broker, e)).collect())
    }

    pub(crate) fn order(&mut self, kind: CommandKind, o: &Opts<'_>) -> Res<Vec<Event>> {
        let kind = match kind {
            CommandKind::Place(x) => BrokerCommandKind::Place(x),
            CommandKind::Cancel(x) => BrokerCommandKind::Cancel(x),
            CommandKind::Amend(x) => BrokerCommandKind::Amend(x),
            CommandKind::MassCancel(x) => BrokerCommandKind::MassCancel(x),
            CommandKind::SetTradingStatus(x) => BrokerCommandKind::SetTradingStatus(x),
            CommandKind::ExpireDue => BrokerCommandKind::ExpireDue,
            CommandKind::RegisterInstrument(_) => {
                return Err(fail("invalid_argument", "register markets with registerMarket()"))
            }
        };
        self.run(kind, o)
    }

    fn asset_scale(&self, asset: u32) -> Res<u8> {
        self.broker
            .asset(AssetId(asset))
            .map(|a| a.scale)
            .ok_or_else(|| fail("unknown_asset", format!("unknown asset {asset}")))
    }

    fn funds(
        &mut self,
        deposit: bool,
        account: &Unknown<'_>,
        asset: &Unknown<'_>,
        amount: &Unknown<'_>,
        key: &Unknown<'_>,
        o: &Opts<'_>,
    ) -> Res<Vec<Event>> {
        let account = AccountId(u64_arg(account, "account")?);
        let asset = u32_arg(asset, "asset")?;
        let amount = decimal(amount, Kind::Amount, "amount")?;
        let key = idempotency_key(key, "key")?;
        let scale = self.asset_scale(asset)?;
        let amount = Amount::from_decimal(amount, scale).map_err(|e| fail(e.code(), e.to_string()))?;
        let f = Funds { account, asset: AssetId(asset), amount, key };
        self.run(if deposit { BrokerCommandKind::Deposit(f) } else { BrokerCommandKind::Withdraw(f) }, o)
    }
}

/// The Broker: pre-trade risk, a ledger hold per order, matching, and linked
/// settlement per fill, as one deterministic state machine.
#[napi]
#[derive(Debug)]
pub struct Broker {
    handle: u32,
}

thread_local! {
    pub(crate) static BROKERS: Table<Inner> = const { Table::new("Broker") };
}

/// Runs `f` on the Broker behind `handle`.
pub(crate) fn with<R>(handle: u32, f: impl FnOnce(&mut Inner) -> Res<R>) -> Res<R> {
    BROKERS.with(|t| t.with(handle, f))
}

impl Broker {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> Res<R>) -> Res<R> {
        with(self.handle, f)
    }
    fn open(broker: CoreBroker) -> Res<Self> {
        Ok(Broker { handle: BROKERS.with(|t| t.insert(Inner::new(broker)))? })
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let handle = self.handle;
        let _ = BROKERS.try_with(|t| t.remove(handle));
    }
}

/// Minor units at a scale (unknown asset: the integer itself).
fn amount_text(minor: u128, scale: Option<u8>) -> String {
    i128::try_from(minor)
        .ok()
        .and_then(|m| rust_decimal::Decimal::try_from_i128_with_scale(m, u32::from(scale.unwrap_or(0))).ok())
        .map_or_else(|| minor.to_string(), |d| d.to_string())
}

/// The hold behind a live order.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct Hold {
    pub transfer_id: u128,
    /// In the held asset's units (quote for a buy, base for a sell).
    pub amount: String,
}

#[napi]
impl Broker {
    /// A new Broker; the options are the engine's (`EngineOptions`).
    #[napi(constructor, catch_unwind, ts_args_type = "options?: EngineOptions")]
    pub fn new(options: Option<Unknown<'_>>) -> Result<Self> {
        let engine = engine_config(&Opts::new(options, "options")?)?;
        let config = BrokerConfig { engine, ..BrokerConfig::default() };
        Broker::open(CoreBroker::new(config))
    }

    /// Creates an asset and its system accounts; `scale` is its decimals (USD 2).
    #[napi(
        catch_unwind,
        ts_args_type = "asset: number, code: string, scale: number, options?: { walletMaxBalance?: string } & CommandOptions"
    )]
    pub fn create_asset(
        &mut self,
        asset: Unknown<'_>,
        code: Unknown<'_>,
        scale: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let id = u32_arg(&asset, "asset")?;
            let code = string(&code, "code")?;
            let scale = u8::try_from(u32_arg(&scale, "scale")?)
                .map_err(|_| crate::errors::range_error("scale", "must be below 256"))?;
            let wallet_max_balance = o
                .decimal("walletMaxBalance", Kind::Amount)?
                .map(|d| Amount::from_decimal(d, scale))
                .transpose()
                .map_err(|e| fail(e.code(), e.to_string()))?;
            let spec = AssetSpec { id: AssetId(id), code, scale };
            inner.run(BrokerCommandKind::CreateAsset { spec, wallet_max_balance }, &o)
        })
    }

    /// Registers a market: an instrument trading `base` against `quote`, with its risk settings.
    #[napi(
        catch_unwind,
        ts_args_type = "symbol: string, tickSize: string, lotSize: string, base: number, quote: number, options?: InstrumentOptions & { risk?: InstrumentRiskInput } & CommandOptions"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn register_market(
        &mut self,
        symbol: Unknown<'_>,
        tick_size: Unknown<'_>,
        lot_size: Unknown<'_>,
        base: Unknown<'_>,
        quote: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let spec = instrument_spec(&symbol, &tick_size, &lot_size, &o)?;
            let base = u32_arg(&base, "base")?;
            let quote = u32_arg(&quote, "quote")?;
            let risk = RiskInput::read(&Opts::new(o.get("risk")?, "options.risk")?)?;
            // Decimals convert on the instrument's grid, so the grid must be sound
            // first (the core's rule); the Broker validates the rest, risk included.
            spec.validate().map_err(command)?;
            let grid = Instrument { id: InstrumentId(0), spec: spec.clone() };
            let risk = risk.resolve(&grid, inner.asset_scale(quote)?)?;
            inner.run(
                BrokerCommandKind::RegisterMarket(MarketSpec {
                    instrument: spec,
                    base: AssetId(base),
                    quote: AssetId(quote),
                    risk,
                }),
                &o,
            )
        })
    }

    /// Deposits `amount` (in the asset's units), idempotent by `key`: the same
    /// request again replays the first answer; a changed one is `idempotency_conflict`.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, asset: number, amount: string, key: bigint | number | string | Uint8Array, options?: CommandOptions"
    )]
    pub fn deposit(
        &mut self,
        account: Unknown<'_>,
        asset: Unknown<'_>,
        amount: Unknown<'_>,
        key: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| inner.funds(true, &account, &asset, &amount, &key, &Opts::new(options, "options")?))
    }

    /// Withdraws `amount`, idempotent by `key` like `deposit`.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, asset: number, amount: string, key: bigint | number | string | Uint8Array, options?: CommandOptions"
    )]
    pub fn withdraw(
        &mut self,
        account: Unknown<'_>,
        asset: Unknown<'_>,
        amount: Unknown<'_>,
        key: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| inner.funds(false, &account, &asset, &amount, &key, &Opts::new(options, "options")?))
    }

    /// Places an order after the risk checks and a ledger hold (`price` `null`:
    /// market). `trigger` makes it a stop (held when accepted), `amount` an order
    /// by quote amount (a buy holds its amount plus the fee); see docs/broker.md.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, instrument: number | string, side: Side, price: string | null, qty: string, options?: PlaceOptions & CommandOptions"
    )]
    pub fn place(
        &mut self,
        account: Unknown<'_>,
        instrument: Unknown<'_>,
        side: Unknown<'_>,
        price: Unknown<'_>,
        qty: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::place(inner.broker.engine(), &account, &instrument, &side, &price, &qty, &o)?;
            inner.order(kind, &o)
        })
    }

    /// Cancels an order by the engine's id (`bigint`) or the client's id (`string`); its hold is released.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, options?: CommandOptions"
    )]
    pub fn cancel(
        &mut self,
        account: Unknown<'_>,
        order: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::cancel(&account, &order)?;
            inner.order(kind, &o)
        })
    }

    /// Amends price, total quantity and/or a waiting stop's trigger (the hold is
    /// resized first, or the amend refused); the order named by the engine's id
    /// (`bigint`) or the account's client order id (`string`), as for `cancel`.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, change: AmendChange, options?: CommandOptions"
    )]
    pub fn amend(
        &mut self,
        account: Unknown<'_>,
        order: Unknown<'_>,
        change: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let change = Opts::new(Some(change), "change")?;
            let o = Opts::new(options, "options")?;
            let kind = orders::amend(inner.broker.engine(), &account, &order, &change)?;
            inner.order(kind, &o)
        })
    }

    /// Cancels every live order of an account, an instrument, or both.
    #[napi(catch_unwind, ts_args_type = "filter: MassCancelFilter, options?: CommandOptions")]
    pub fn mass_cancel(&mut self, filter: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Vec<Event>> {
        self.with(|inner| {
            let f = Opts::new(Some(filter), "filter")?;
            let o = Opts::new(options, "options")?;
            let kind = orders::mass_cancel(inner.broker.engine(), &f)?;
            inner.order(kind, &o)
        })
    }

    /// Opens, halts or closes a market.
    #[napi(
        catch_unwind,
        ts_args_type = "instrument: number | string, status: TradingStatus, options?: { cancelResting?: boolean } & CommandOptions"
    )]
    pub fn set_status(
        &mut self,
        instrument: Unknown<'_>,
        status: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::set_status(inner.broker.engine(), &instrument, &status, &o)?;
            inner.order(kind, &o)
        })
    }

    /// Replaces a market's risk settings (fees apply to orders accepted after it).
    #[napi(
        catch_unwind,
        ts_args_type = "instrument: number | string, risk: InstrumentRiskInput, options?: CommandOptions"
    )]
    pub fn set_instrument_risk(
        &mut self,
        instrument: Unknown<'_>,
        risk: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let risk = RiskInput::read(&Opts::new(Some(risk), "risk")?)?;
            let inst = choices::instrument(inner.broker.engine(), &instrument, "instrument")?.clone();
            let quote = inner.broker.market_assets(inst.id).map_or(0, |(_, q)| q.0);
            let risk = risk.resolve(&inst, inner.asset_scale(quote)?)?;
            inner.run(BrokerCommandKind::SetInstrumentRisk { instrument: inst.id, risk }, &o)
        })
    }

    /// Replaces an account's limits (lots, quote minor units, counts).
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, limits: AccountLimitsInput, options?: CommandOptions"
    )]
    pub fn set_account_limits(
        &mut self,
        account: Unknown<'_>,
        limits: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let account = AccountId(u64_arg(&account, "account")?);
            let limits = account_limits(&Opts::new(Some(limits), "limits")?)?;
            inner.run(BrokerCommandKind::SetAccountLimits { account, limits }, &o)
        })
    }

    /// The kill switch: disabling refuses new orders and amends and cancels every open order.
    #[napi(catch_unwind, ts_args_type = "account: bigint | number, enabled: boolean, options?: CommandOptions")]
    pub fn set_account_enabled(
        &mut self,
        account: Unknown<'_>,
        enabled: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let account = AccountId(u64_arg(&account, "account")?);
            let enabled = bool_opt(Some(&enabled), "enabled")?
                .ok_or_else(|| crate::errors::type_error("enabled", "expected a boolean"))?;
            inner.run(BrokerCommandKind::SetAccountEnabled { account, enabled }, &o)
        })
    }

    /// Forbids (or allows again) an account to trade an instrument.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, instrument: number | string, restricted?: boolean, options?: CommandOptions"
    )]
    pub fn restrict_instrument(
        &mut self,
        account: Unknown<'_>,
        instrument: Unknown<'_>,
        restricted: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let account = AccountId(u64_arg(&account, "account")?);
            let instrument = choices::instrument(inner.broker.engine(), &instrument, "instrument")?.id;
            let restricted = bool_opt(restricted.as_ref(), "restricted")?.unwrap_or(true);
            inner.run(BrokerCommandKind::RestrictInstrument { account, instrument, restricted }, &o)
        })
    }

    /// Passes time: expires due GTD orders (their holds are released).
    #[napi(catch_unwind, ts_args_type = "now: bigint | number")]
    pub fn on_time(&mut self, now: Unknown<'_>) -> Result<Vec<Event>> {
        self.with(|inner| {
            let now = u64_arg(&now, "now")?;
            let ts = Timestamp(now);
            inner.events.clear();
            let cmd = BrokerCommand { ts, correlation_id: CorrelationId(0), kind: BrokerCommandKind::ExpireDue };
            inner.broker.apply(&cmd, &mut inner.events).map_err(broker_err)?;
            Ok(inner.events.iter().map(|e| broker_event(&inner.broker, e)).collect())
        })
    }

    /// When `onTime` should next be called (`null`: nothing due).
    #[napi]
    pub fn next_deadline(&self) -> Result<Option<u64>> {
        self.with(|i| Ok(i.broker.next_deadline().map(|t| t.0)))
    }

    /// The Broker's time: the latest command's timestamp.
    #[napi]
    pub fn now(&self) -> Result<u64> {
        self.with(|i| Ok(i.broker.now().0))
    }

    /// The last event's sequence number (0 before the first).
    #[napi]
    pub fn last_seq(&self) -> Result<u64> {
        self.with(|i| Ok(i.broker.last_seq()))
    }

    /// What the account may still spend or sell (posted minus holds), in the asset's units.
    #[napi(catch_unwind, ts_args_type = "account: bigint | number, asset: number")]
    pub fn available(&self, account: Unknown<'_>, asset: Unknown<'_>) -> Result<String> {
        self.with(|inner| {
            let b = &inner.broker;
            let (account, asset) = (AccountId(u64_arg(&account, "account")?), AssetId(u32_arg(&asset, "asset")?));
            Ok(amount_text(b.available(account, asset).minor(), b.asset(asset).map(|a| a.scale)))
        })
    }

    /// The wallet's posted balance (holds not subtracted), in the asset's units.
    #[napi(catch_unwind, ts_args_type = "account: bigint | number, asset: number")]
    pub fn balance(&self, account: Unknown<'_>, asset: Unknown<'_>) -> Result<String> {
        self.with(|inner| {
            let b = &inner.broker;
            let (account, asset) = (AccountId(u64_arg(&account, "account")?), AssetId(u32_arg(&asset, "asset")?));
            Ok(amount_text(b.balance(account, asset).minor(), b.asset(asset).map(|a| a.scale)))
        })
    }

    /// The hold behind a live order (`null` if it has none).
    #[napi(catch_unwind, ts_args_type = "orderId: bigint | number")]
    pub fn hold_of(&self, order_id: Unknown<'_>) -> Result<Option<Hold>> {
        self.with(|inner| {
            let b = &inner.broker;
            let id = OrderId(u64_arg(&order_id, "orderId")?);
            Ok(b.hold_of(id).map(|(transfer, amount)| {
                let asset = b.ledger().hold(transfer).map_or(AssetId(0), |h| h.debit_account.asset);
                Hold { transfer_id: transfer.0, amount: money(b, asset, amount) }
            }))
        })
    }

    /// The best bid and ask of a market.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn bbo(&self, instrument: Unknown<'_>) -> Result<Bbo> {
        self.with(|inner| {
            let e = inner.broker.engine();
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(bbo(e, id))
        })
    }

    /// L2 depth of one side, best first.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string, side: Side, levels?: number")]
    pub fn depth(&self, instrument: Unknown<'_>, side: Unknown<'_>, levels: Option<u32>) -> Result<Vec<Level>> {
        self.with(|inner| {
            let e = inner.broker.engine();
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(depth(e, id, book_side(&side)?, levels))
        })
    }

    /// The waiting stops of one side, in the order they would fire.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string, side: Side")]
    pub fn stops(&self, instrument: Unknown<'_>, side: Unknown<'_>) -> Result<Vec<Order>> {
        self.with(|inner| {
            let e = inner.broker.engine();
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(stops(e, id, book_side(&side)?))
        })
    }

    /// The price of the market's last trade (what stops trigger on); `null` before its first.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn last_price(&self, instrument: Unknown<'_>) -> Result<Option<String>> {
        self.with(|inner| {
            let e = inner.broker.engine();
            Ok(last_price(e, choices::instrument(e, &instrument, "instrument")?.id))
        })
    }

    /// A live order, a waiting stop included (`null` if it is unknown or done).
    #[napi(catch_unwind, ts_args_type = "orderId: bigint | number")]
    pub fn order(&self, order_id: Unknown<'_>) -> Result<Option<Order>> {
        self.with(|inner| {
            let e = inner.broker.engine();
            let id = OrderId(u64_arg(&order_id, "orderId")?);
            Ok(e.order(id).map(|o| views::order(e, &o)))
        })
    }

    /// The live order `account` placed with `clientOrderId`, a waiting stop
    /// included (`null` if the account has none live by that id).
    #[napi(catch_unwind, ts_args_type = "account: bigint | number, clientOrderId: string")]
    pub fn order_by_client_id(&self, account: Unknown<'_>, client_order_id: Unknown<'_>) -> Result<Option<Order>> {
        self.with(|inner| {
            let e = inner.broker.engine();
            let account = brokerx_engine::AccountId(u64_arg(&account, "account")?);
            let c = crate::args::with_str(&client_order_id, "clientOrderId", |s| {
                brokerx_engine::ClientOrderId::new(s).map_err(crate::errors::convert)
            })?;
            Ok(e.order_by_client_id(account, c).map(|o| views::order(e, &o)))
        })
    }

    /// A registered market's instrument by id or symbol.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn instrument(&self, instrument: Unknown<'_>) -> Result<InstrumentInfo> {
        self.with(|inner| {
            let e = inner.broker.engine();
            Ok(views::instrument(choices::instrument(e, &instrument, "instrument")?))
        })
    }

    /// The same for the same command log.
    #[napi]
    pub fn state_hash(&self) -> Result<u64> {
        self.with(|i| Ok(i.broker.state_hash()))
    }

    /// Walks the whole state (holds, balances, books); throws `invariant_violated` on a bug.
    #[napi]
    pub fn check_invariants(&self) -> Result<()> {
        self.with(|i| i.broker.check_invariants().map_err(|why| fail("invariant_violated", why)))
    }

    /// The whole state as bytes, for `Broker.restore`.
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        let bytes = self.with(|i| serde_json::to_vec(&i.broker.snapshot()).map_err(undecodable))?;
        Ok(Buffer::from(bytes))
    }

    /// A Broker from `snapshot()` bytes, indistinguishable from the original.
    #[napi(factory, catch_unwind)]
    pub fn restore(data: Buffer) -> Result<Self> {
        let snap: BrokerSnapshot = serde_json::from_slice(&data).map_err(undecodable)?;
        let broker = CoreBroker::restore(&snap).map_err(broker_err)?;
        Broker::open(broker)
    }

    /// Releases the native state now; any later call throws `closed`.
    #[napi]
    pub fn close(&mut self) {
        let handle = self.handle;
        BROKERS.with(|t| t.remove(handle));
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        !BROKERS.with(|t| t.is_open(self.handle))
    }

    /// The key of this Broker's state for the per-call fast paths (`brokerPlace`, `brokerCancel`).
    #[napi(getter)]
    pub fn handle(&self) -> u32 {
        self.handle
    }
}

/// Every ledger transfer status code (what a refused deposit's `code` can be).
#[napi]
pub fn transfer_status_codes() -> Vec<&'static str> {
    TransferStatus::ALL.iter().map(|s| s.code()).collect()
}
