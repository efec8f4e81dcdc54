//! # brokerx-simulate
//!
//! The main job: a seeded market simulation through the Broker. `clients`
//! accounts are funded by keyed deposits in USD (cash, cents) and BX (shares),
//! every deposit is then sent again to show that a replayed key moves nothing,
//! and the clients trade the BX-USD instrument on an exchange-core-style order
//! flow (places near the touch, IOC crossings, cancels, price and quantity
//! amends). Every order passes pre-trade risk and a funds hold; every fill is
//! settled in the ledger with maker and taker fees.
//!
//! [`run`] returns a [`Report`]: how many commands of each kind ran and what
//! became of them, the trades, the money per asset, the invariants, the state
//! hash and the final book. [`Report::consistent`] says whether the counts add
//! up and the money is conserved; `Display` prints it all with units.
//!
//! Deterministic: the same [`Config`] gives the same report, except the elapsed
//! time.

use std::fmt;
use std::time::{Duration, Instant};

use brokerx_engine::broker::{
    Broker, BrokerCommand, BrokerCommandKind, BrokerConfig, BrokerError, BrokerEventKind, FEES_OWNER,
};
use brokerx_engine::{
    AccountId, CommandError, CorrelationId, EngineConfig, EventKind, Instrument, InstrumentId, LevelView, Side,
    Timestamp,
};
use brokerx_ledger::{AccountKey, AssetId, LedgerConfig};
use brokerx_testkit::market::{broker_command, Market, BX, BX_SCALE, USD, USD_SCALE};
use brokerx_testkit::workload::exchange_core_mix;
use rust_decimal::Decimal;

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Seed of the order flow.
    pub seed: u64,
    /// Order commands in the mixed flow, after the pre-fill that builds the book.
    pub commands: usize,
    /// Funded accounts.
    pub clients: u64,
    /// Resting orders the pre-fill builds up to (the flow keeps the book near it).
    pub resting: usize,
    /// Levels per side shown in the final book.
    pub book_levels: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { seed: 7, commands: 1_000_000, clients: 1_000, resting: 1_000, book_levels: 5 }
    }
}

/// USD deposited into each account: 5,000,000.00 USD, in cents.
pub const USD_EACH_MINOR: u128 = 500_000_000;
/// BX deposited into each account: 50,000 BX.
pub const BX_EACH_MINOR: u128 = 50_000;

/// What became of the commands of one kind. Every command is counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Applied and not refused by a rule.
    pub done: u64,
    /// Applied, but refused by a trading rule: pre-trade risk or the engine
    /// (journaled as a rejection event).
    pub rejected: u64,
    /// Not applied: a typed error (e.g. the order named is no longer live).
    pub refused: u64,
}

impl Tally {
    pub fn total(&self) -> u64 {
        self.done + self.rejected + self.refused
    }
}

/// The money of one asset at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetMoney {
    pub code: &'static str,
    /// Sum of the deposits that moved money (replays excluded).
    pub deposited: Decimal,
    /// Sum of every client's balance.
    pub clients: Decimal,
    /// The fee account's balance.
    pub fees: Decimal,
}

impl AssetMoney {
    /// Nothing created or lost: what the clients and the fee account hold is
    /// what was deposited.
    pub fn conserved(&self) -> bool {
        self.clients + self.fees == self.deposited
    }
}

/// One price level of the final book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// USD per BX, at the instrument's tick precision.
    pub price: Decimal,
    /// BX.
    pub qty: Decimal,
    pub orders: u32,
}

/// Everything [`run`] measured and checked.
#[derive(Clone, Debug)]
pub struct Report {
    pub config: Config,
    /// The instrument traded (symbol, tick and lot size).
    pub instrument: Instrument,
    /// Deposits that moved money, and repeats of them answered as replays.
    pub deposits: Tally,
    pub deposit_replays: u64,
    /// Place commands of the pre-fill that built the book.
    pub prefill: u64,
    pub places: Tally,
    pub cancels: Tally,
    pub amends: Tally,
    /// Order commands sent to the Broker (pre-fill and flow).
    pub commands_run: u64,
    pub trades: u64,
    /// BX traded.
    pub volume: Decimal,
    /// USD traded (price × quantity over all trades).
    pub notional: Decimal,
    /// Events journaled by the Broker, set-up included.
    pub events: u64,
    pub money: Vec<AssetMoney>,
    /// `Broker::check_invariants` at the end.
    pub invariants: Result<(), String>,
    pub state_hash: u64,
    pub resting_orders: usize,
    /// Best first, at most `config.book_levels` each.
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// Wall time of the order commands alone.
    pub elapsed: Duration,
}

impl Report {
    /// Whether the report holds together: every order command counted once,
    /// every deposit replay recognised, the money of each asset conserved and
    /// the Broker's invariants held.
    ///
    /// # Errors
    /// The first check that failed, in words.
    pub fn consistent(&self) -> Result<(), String> {
        let counted = self.places.total() + self.cancels.total() + self.amends.total();
        if counted != self.commands_run {
            return Err(format!("{counted} order commands counted, {} ran", self.commands_run));
        }
        if self.deposit_replays != self.deposits.total() {
            return Err(format!(
                "{} of {} repeated deposits were replays",
                self.deposit_replays,
                self.deposits.total()
            ));
        }
        if let Some(m) = self.money.iter().find(|m| !m.conserved()) {
            return Err(format!("{}: clients {} + fees {} != deposited {}", m.code, m.clients, m.fees, m.deposited));
        }
        self.invariants.clone().map_err(|why| format!("invariant broken: {why}"))
    }

    fn per_second(&self) -> u128 {
        let ns = self.elapsed.as_nanos().max(1);
        u128::from(self.commands_run) * 1_000_000_000 / ns
    }

    fn ns_per_command(&self) -> u128 {
        self.elapsed.as_nanos() / u128::from(self.commands_run.max(1))
    }
}

/// Runs the simulation.
///
/// # Errors
/// A set-up command the Broker refused (a config too large for the ledger's
/// limits, for instance).
pub fn run(config: &Config) -> Result<Report, BrokerError> {
    let workload = exchange_core_mix(config.seed, config.commands, config.resting, config.clients);
    let market = Market {
        accounts: config.clients,
        usd_each_minor: USD_EACH_MINOR,
        bx_each_minor: BX_EACH_MINOR,
        maker_fee_bps: 1,
        taker_fee_bps: 3,
    };
    let ledger = LedgerConfig {
        transfers_reserve: (workload.commands.len() * 4).min(u32::MAX as usize) as u32,
        ..LedgerConfig::default()
    };
    let mut broker = Broker::new(BrokerConfig { engine: EngineConfig::default(), ledger });
    let mut events = Vec::with_capacity(1 << 12);
    let mut ts = 1u64;
    let mut send = |broker: &mut Broker, events: &mut Vec<_>, kind| {
        ts += 1;
        events.clear();
        broker.apply(&BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(0), kind }, events)
    };

    // Set-up, then every deposit once more: the same key and payload is a replay.
    let setup = market.commands();
    let mut deposits = Tally::default();
    let mut deposit_replays = 0;
    for kind in setup.iter().cloned() {
        send(&mut broker, &mut events, kind)?;
    }
    for kind in setup.into_iter().filter(|k| matches!(k, BrokerCommandKind::Deposit(_))) {
        match send(&mut broker, &mut events, kind) {
            Ok(()) => deposits.done += 1,
            Err(_) => deposits.refused += 1,
        }
        deposit_replays +=
            events.iter().filter(|e| matches!(e.kind, BrokerEventKind::FundsMoved { replayed: true, .. })).count()
                as u64;
    }

    let inst = InstrumentId(0);
    let Some(instrument) = broker.engine().instrument(inst).cloned() else {
        return Err(CommandError::UnknownInstrument { instrument: inst }.into());
    };
    let (mut places, mut cancels, mut amends) = (Tally::default(), Tally::default(), Tally::default());
    let (mut trades, mut volume, mut notional) = (0u64, Decimal::ZERO, Decimal::ZERO);
    let mut commands_run = 0u64;
    let from_ts = ts;
    let started = Instant::now();
    for c in &workload.commands {
        let Some(cmd) = broker_command(c, from_ts) else { continue };
        events.clear();
        commands_run += 1;
        let tally = match cmd.kind {
            BrokerCommandKind::Place(_) => &mut places,
            BrokerCommandKind::Cancel(_) => &mut cancels,
            _ => &mut amends,
        };
        if broker.apply(&cmd, &mut events).is_err() {
            tally.refused += 1;
            continue;
        }
        let mut rejected = false;
        for e in &events {
            match e.kind {
                BrokerEventKind::Order(EventKind::Trade { price, qty, .. }) => {
                    trades += 1;
                    let qty = instrument.lots_to_qty(qty);
                    volume += qty;
                    notional += instrument.ticks_to_price(price) * qty;
                }
                BrokerEventKind::OrderRejected { .. } | BrokerEventKind::Order(EventKind::Rejected { .. }) => {
                    rejected = true;
                }
                _ => {}
            }
        }
        if rejected {
            tally.rejected += 1;
        } else {
            tally.done += 1;
        }
    }
    let elapsed = started.elapsed();

    let money = [(USD, "USD", USD_SCALE, USD_EACH_MINOR), (BX, "BX", BX_SCALE, BX_EACH_MINOR)]
        .into_iter()
        .map(|(asset, code, scale, each)| {
            let minor = |v: i128| Decimal::from_i128_with_scale(v, u32::from(scale));
            let clients: i128 = (1..=config.clients).map(|c| broker.balance(AccountId(c), asset).minor() as i128).sum();
            AssetMoney {
                code,
                deposited: minor(i128::from(config.clients) * each as i128),
                clients: minor(clients),
                fees: minor(fees(&broker, asset)),
            }
        })
        .collect();

    let engine = broker.engine();
    let level = |l: LevelView| {
        let mut price = instrument.ticks_to_price(l.price);
        price.rescale(instrument.spec.tick_size.scale());
        Level { price, qty: instrument.lots_to_qty(l.qty), orders: l.orders }
    };
    Ok(Report {
        config: config.clone(),
        instrument: instrument.clone(),
        deposits,
        deposit_replays,
        prefill: workload.measured_from.saturating_sub(1) as u64,
        places,
        cancels,
        amends,
        commands_run,
        trades,
        volume,
        notional,
        events: broker.last_seq(),
        money,
        invariants: broker.check_invariants().map_err(|e| e.to_string()),
        state_hash: broker.state_hash(),
        resting_orders: engine.live_orders(),
        bids: engine.depth(inst, Side::Buy).take(config.book_levels).map(level).collect(),
        asks: engine.depth(inst, Side::Sell).take(config.book_levels).map(level).collect(),
        elapsed,
    })
}

fn fees(broker: &Broker, asset: AssetId) -> i128 {
    broker.ledger().balance(AccountKey::new(FEES_OWNER, asset.0)).map_or(0, |b| b.posted())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        let spec = &self.instrument.spec;
        let usd = |m: Decimal| {
            let mut m = m;
            m.rescale(u32::from(USD_SCALE));
            m
        };
        writeln!(f, "BrokerX Engine market simulation (seed {})", c.seed)?;
        writeln!(
            f,
            "market {}: price in USD per BX, tick {} USD; quantity in BX, lot {} BX",
            spec.symbol, spec.tick_size, spec.lot_size
        )?;
        writeln!(
            f,
            "set-up: {} clients, each funded with {} USD and {} BX; {} deposits sent again: {} answered as replays, no money moved",
            c.clients,
            usd(Decimal::from_i128_with_scale(USD_EACH_MINOR as i128, u32::from(USD_SCALE))),
            Decimal::from_i128_with_scale(BX_EACH_MINOR as i128, u32::from(BX_SCALE)),
            self.deposits.total(),
            self.deposit_replays
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "order commands: {} = {} pre-fill places (to ~{} resting orders) + {} mixed flow",
            self.commands_run,
            self.prefill,
            c.resting,
            self.commands_run - self.prefill
        )?;
        writeln!(f, "  {:<8} {:>9} {:>9} {:>9} {:>9}", "kind", "total", "done", "rejected", "refused")?;
        let all = Tally {
            done: self.places.done + self.cancels.done + self.amends.done,
            rejected: self.places.rejected + self.cancels.rejected + self.amends.rejected,
            refused: self.places.refused + self.cancels.refused + self.amends.refused,
        };
        for (name, t) in [("place", &self.places), ("cancel", &self.cancels), ("amend", &self.amends), ("all", &all)] {
            writeln!(f, "  {name:<8} {:>9} {:>9} {:>9} {:>9}", t.total(), t.done, t.rejected, t.refused)?;
        }
        writeln!(
            f,
            "  (rejected: refused by a trading rule, journaled as an event; refused: a typed error, nothing changed)"
        )?;
        writeln!(
            f,
            "{} trades settled: {} BX for {} USD; {} events journaled",
            self.trades,
            self.volume,
            usd(self.notional),
            self.events
        )?;
        writeln!(
            f,
            "time: {} commands/s, {} ns per command (mean, one thread: risk + hold + match + settlement)",
            self.per_second(),
            self.ns_per_command()
        )?;
        writeln!(f)?;
        for m in &self.money {
            let scale = if m.code == "USD" { u32::from(USD_SCALE) } else { u32::from(BX_SCALE) };
            let at = |v: Decimal| {
                let mut v = v;
                v.rescale(scale);
                v
            };
            writeln!(
                f,
                "money check {:<3}: clients {} + fees {} = deposited {} {}: {}",
                m.code,
                at(m.clients),
                at(m.fees),
                at(m.deposited),
                m.code,
                if m.conserved() { "passed" } else { "FAILED" }
            )?;
        }
        match &self.invariants {
            Ok(()) => writeln!(
                f,
                "invariant check: passed (books sorted and uncrossed, holds = worst-case cost of every live order, double entry)"
            )?,
            Err(why) => writeln!(f, "invariant check: FAILED: {why}")?,
        }
        writeln!(f, "state hash {:016x}", self.state_hash)?;
        writeln!(f)?;
        writeln!(f, "final book: {} resting orders; best {} levels a side", self.resting_orders, c.book_levels)?;
        writeln!(
            f,
            "  {:>12} {:>8} {:>6} | {:<12} {:>8} {:>6}",
            "bid USD", "qty BX", "orders", "ask USD", "qty BX", "orders"
        )?;
        for k in 0..self.bids.len().max(self.asks.len()) {
            let cell = |l: Option<&Level>| match l {
                Some(l) => (l.price.to_string(), l.qty.to_string(), l.orders.to_string()),
                None => (String::new(), String::new(), String::new()),
            };
            let (bp, bq, bn) = cell(self.bids.get(k));
            let (ap, aq, an) = cell(self.asks.get(k));
            writeln!(f, "  {bp:>12} {bq:>8} {bn:>6} | {ap:<12} {aq:>8} {an:>6}")?;
        }
        Ok(())
    }
}
