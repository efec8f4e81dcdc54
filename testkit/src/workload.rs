//! Seeded command streams for benchmarks and tests (not used by the engine
//! itself). Each generator drives a shadow engine while generating, so cancels and
//! amends always name an order that is live at that point of the replay.
//!
//! * [`exchange_core_mix`]: one instrument, ~1,000 resting orders; ≈9% new GTC
//!   near the touch, 3% IOC crossing, 6% cancel, 76% amend-price, 6% amend-qty-down
//!   (the shape of exchange-core's benchmark).
//! * [`deep_book_mix`]: one instrument, 100,000 resting orders; 50% place, 40%
//!   cancel, 10% market.

use rust_decimal::Decimal;

use brokerx_engine::hash::IdHashMap;
use brokerx_engine::{
    AccountId, Amend, Cancel, Command, CommandKind, CorrelationId, Engine, EngineConfig, Event, EventKind,
    InstrumentId, InstrumentSpec, Lots, Notional, OrderId, OrderRef, Place, Side, Ticks, TimeInForce, Timestamp,
};

/// splitmix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// True with probability per_mille / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// A generated stream: the commands (instrument registration first) and facts about it.
#[derive(Clone, Debug)]
pub struct Workload {
    pub commands: Vec<Command>,
    /// Index of the first command after the warm-up (pre-fill) phase.
    pub measured_from: usize,
    pub accounts: u64,
}

/// The one instrument every workload trades: tick 0.01, lot 1.
pub fn instrument_spec() -> InstrumentSpec {
    InstrumentSpec::new("BX-USD", Decimal::new(1, 2), Decimal::ONE)
}

struct Shadow {
    engine: Engine,
    events: Vec<Event>,
    live: Vec<OrderId>,
    pos: IdHashMap<OrderId, usize>,
    commands: Vec<Command>,
    ts: u64,
}

impl Shadow {
    fn new(capacity: usize) -> Self {
        let mut s = Shadow {
            engine: Engine::new(EngineConfig { market_data: false, ..EngineConfig::default() }),
            events: Vec::new(),
            live: Vec::new(),
            pos: IdHashMap::default(),
            commands: Vec::with_capacity(capacity),
            ts: 1_000_000_000,
        };
        s.push(CommandKind::RegisterInstrument(instrument_spec()));
        s
    }

    fn push(&mut self, kind: CommandKind) {
        self.ts += 1_000;
        let cmd = Command { ts: Timestamp(self.ts), correlation_id: CorrelationId(self.commands.len() as u64), kind };
        self.events.clear();
        if self.engine.apply(&cmd, &mut self.events).is_err() {
            return;
        }
        self.commands.push(cmd);
        // Resync the live set from the events' order ids (cheap: few per command).
        let touched: Vec<OrderId> = self
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Accepted { order_id, .. }
                | EventKind::Amended { order_id, .. }
                | EventKind::StopAccepted { order_id, .. }
                | EventKind::Triggered { order_id, .. } => Some(order_id),
                EventKind::Trade { maker_order_id, .. } => Some(maker_order_id),
                EventKind::Cancelled { order_id, .. } | EventKind::Expired { order_id, .. } => Some(order_id),
                _ => None,
            })
            .collect();
        for id in touched {
            let live = self.engine.order(id).is_some();
            match (live, self.pos.contains_key(&id)) {
                (true, false) => {
                    self.pos.insert(id, self.live.len());
                    self.live.push(id);
                }
                (false, true) => {
                    if let Some(i) = self.pos.remove(&id) {
                        self.live.swap_remove(i);
                        if let Some(&moved) = self.live.get(i) {
                            self.pos.insert(moved, i);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn pick(&mut self, rng: &mut Rng) -> Option<OrderId> {
        if self.live.is_empty() {
            return None;
        }
        Some(self.live[rng.below(self.live.len() as u64) as usize])
    }

    fn touch(&self) -> (i64, i64) {
        let bbo = self.engine.bbo(InstrumentId(0)).unwrap_or_default();
        let bid = bbo.bid.map(|l| l.price.0);
        let ask = bbo.ask.map(|l| l.price.0);
        match (bid, ask) {
            (Some(b), Some(a)) => (b, a),
            (Some(b), None) => (b, b + 1),
            (None, Some(a)) => (a - 1, a),
            (None, None) => (100_000, 100_001),
        }
    }
}

fn account(rng: &mut Rng, accounts: u64) -> AccountId {
    AccountId(1 + rng.below(accounts))
}

/// Exchange-core-style mix: `n` measured commands after a pre-fill to ~`resting` orders.
pub fn exchange_core_mix(seed: u64, n: usize, resting: usize, accounts: u64) -> Workload {
    mix(seed, n, resting, accounts, Retail::default())
}

/// The retail order types mixed into [`retail_mix`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Retail {
    /// Stop places per thousand measured commands (half stop-market, half
    /// stop-limit; triggers 1..=40 ticks beyond the touch, so the market's own
    /// moves fire some of them).
    pub stops_per_mille: u64,
    /// By-amount IOC places per thousand (half buys, half sells; amounts of
    /// 1 to 50 lots at the touch).
    pub by_amount_per_mille: u64,
    /// Stops placed before the measured phase with triggers the market never
    /// reaches: what waiting stops cost the commands that trigger none.
    pub far_stops: usize,
}

/// The exchange-core mix with stops and orders by amount among its places
/// (the engine's retail workload).
pub fn retail_mix(seed: u64, n: usize, resting: usize, accounts: u64, retail: Retail) -> Workload {
    mix(seed, n, resting, accounts, retail)
}

fn mix(seed: u64, n: usize, resting: usize, accounts: u64, retail: Retail) -> Workload {
    let mut rng = Rng::new(seed);
    let mut s = Shadow::new(n + resting * 2 + retail.far_stops + 1);
    let inst = InstrumentId(0);
    // Far stops first, before any trade: they wait for the whole run (their own
    // generator, so the rest of the stream does not depend on their number).
    let mut far = Rng::new(seed ^ 0xFA57_0505);
    for k in 0..retail.far_stops {
        let (side, trigger) = if k % 2 == 0 { (Side::Buy, 10_000_000) } else { (Side::Sell, 1) };
        let trigger = Ticks(trigger + (k % 1_000) as i64 * if side == Side::Buy { 1 } else { 0 });
        s.push(CommandKind::Place(Place::stop_market(account(&mut far, accounts), inst, side, trigger, Lots(1))));
    }
    // Not picked for cancels or amends: the measured stream is the same whatever their number.
    s.live.clear();
    s.pos.clear();
    // Pre-fill both sides near the touch.
    while s.live.len() < resting {
        let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
        let (bid, ask) = s.touch();
        let price = match side {
            Side::Buy => bid - rng.range(0, 30),
            Side::Sell => ask + rng.range(0, 30),
        };
        s.push(CommandKind::Place(Place::limit(
            account(&mut rng, accounts),
            inst,
            side,
            Ticks(price.max(1)),
            Lots(rng.range(1, 100)),
        )));
    }
    let measured_from = s.commands.len();
    let retail_share = retail.stops_per_mille + retail.by_amount_per_mille;
    while s.commands.len() < measured_from + n {
        let (bid, ask) = s.touch();
        // Drawn only for a retail mix, so the exchange-core stream is unchanged.
        let x = if retail_share > 0 { rng.below(1000) } else { 1000 };
        if x < retail_share {
            let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
            let account = account(&mut rng, accounts);
            let away = rng.range(1, 40);
            let qty = Lots(rng.range(1, 60));
            let place = if x < retail.stops_per_mille {
                let trigger = Ticks(match side {
                    Side::Buy => ask + away,
                    Side::Sell => (bid - away).max(1),
                });
                if rng.chance(500) {
                    Place::stop_market(account, inst, side, trigger, qty)
                } else {
                    let limit = Ticks(match side {
                        Side::Buy => trigger.0 + 5,
                        Side::Sell => (trigger.0 - 5).max(1),
                    });
                    Place::stop_limit(account, inst, side, trigger, limit, qty)
                }
            } else {
                let touch = if side == Side::Buy { ask } else { bid };
                let amount = Notional((touch.max(1) * rng.range(1, 50)) as u64);
                Place::market_by_amount(account, inst, side, amount, Lots(1_000))
            };
            s.push(CommandKind::Place(place));
            continue;
        }
        let r = rng.below(1000);
        let kind = if r < 90 || s.live.len() < resting / 2 {
            // New GTC near the touch; a controller keeps the book near `resting`.
            let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
            let price = match side {
                Side::Buy => bid - rng.range(0, 20),
                Side::Sell => ask + rng.range(0, 20),
            };
            CommandKind::Place(Place::limit(
                account(&mut rng, accounts),
                inst,
                side,
                Ticks(price.max(1)),
                Lots(rng.range(1, 100)),
            ))
        } else if r < 120 {
            let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
            let price = match side {
                Side::Buy => ask + rng.range(0, 2),
                Side::Sell => (bid - rng.range(0, 2)).max(1),
            };
            CommandKind::Place(
                Place::limit(account(&mut rng, accounts), inst, side, Ticks(price), Lots(rng.range(1, 60)))
                    .with_tif(TimeInForce::Ioc),
            )
        } else if r < 180 || s.live.len() > resting * 3 / 2 {
            let Some(id) = s.pick(&mut rng) else { continue };
            let Some(o) = s.engine.order(id) else {
                continue;
            };
            CommandKind::Cancel(Cancel { account: o.account, order: OrderRef::Id(id) })
        } else if r < 940 {
            let Some(id) = s.pick(&mut rng) else { continue };
            let Some(o) = s.engine.order(id) else {
                continue;
            };
            // Re-quote near the touch on the order's own side; now and then it crosses.
            let new_price = match o.side {
                Side::Buy => bid + 1 - rng.range(0, 20),
                Side::Sell => ask - 1 + rng.range(0, 20),
            };
            let new_price = if new_price == o.price.0 { new_price + 1 } else { new_price };
            CommandKind::Amend(Amend {
                account: o.account,
                order: OrderRef::Id(id),
                new_price: Some(Ticks(new_price.max(1))),
                new_qty: None,
                expected_version: Some(o.version),
                new_trigger: None,
                new_display: None,
            })
        } else {
            let Some(id) = s.pick(&mut rng) else { continue };
            let Some(o) = s.engine.order(id) else {
                continue;
            };
            if o.remaining.0 < 2 {
                continue;
            }
            let cut = rng.range(1, o.remaining.0 - 1);
            CommandKind::Amend(Amend {
                account: o.account,
                order: OrderRef::Id(id),
                new_price: None,
                new_qty: Some(Lots(o.qty.0 - cut)),
                expected_version: Some(o.version),
                new_trigger: None,
                new_display: None,
            })
        };
        s.push(kind);
    }
    Workload { commands: s.commands, measured_from, accounts }
}

/// Deep book: pre-fill to `resting` orders spread over ±`spread` ticks, then `n`
/// commands of 50% place, 40% cancel, 10% market.
pub fn deep_book_mix(seed: u64, n: usize, resting: usize, spread: i64, accounts: u64) -> Workload {
    let mut rng = Rng::new(seed);
    let mut s = Shadow::new(n + resting + 1);
    let inst = InstrumentId(0);
    let mid = 1_000_000i64;
    let passive = |rng: &mut Rng, side: Side| match side {
        Side::Buy => mid - rng.range(1, spread),
        Side::Sell => mid + rng.range(1, spread),
    };
    while s.live.len() < resting {
        let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
        let price = passive(&mut rng, side);
        s.push(CommandKind::Place(Place::limit(
            account(&mut rng, accounts),
            inst,
            side,
            Ticks(price),
            Lots(rng.range(1, 100)),
        )));
    }
    let measured_from = s.commands.len();
    while s.commands.len() < measured_from + n {
        let r = rng.below(1000);
        let side = if rng.chance(500) { Side::Buy } else { Side::Sell };
        let kind = if r < 500 {
            let price = passive(&mut rng, side);
            CommandKind::Place(Place::limit(
                account(&mut rng, accounts),
                inst,
                side,
                Ticks(price),
                Lots(rng.range(1, 100)),
            ))
        } else if r < 900 {
            let Some(id) = s.pick(&mut rng) else { continue };
            let Some(o) = s.engine.order(id) else {
                continue;
            };
            CommandKind::Cancel(Cancel { account: o.account, order: OrderRef::Id(id) })
        } else {
            CommandKind::Place(Place::market(account(&mut rng, accounts), inst, side, Lots(rng.range(1, 100))))
        };
        s.push(kind);
    }
    Workload { commands: s.commands, measured_from, accounts }
}
