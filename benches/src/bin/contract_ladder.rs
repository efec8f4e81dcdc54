//! What the engine's contract costs on the shared peers workload, one piece at
//! a time: a lean order book (the stripped replica of the engine's layout) to
//! which each step adds one thing issue 2 asks of every command.
//!
//!     cargo build --release -p brokerx-benches --bin contract_ladder
//!     target/release/contract_ladder STEP ~/.cache/brokerx-peers/workload-1000000-42.csv
//!
//! - 0: the replica: 64-byte records in one vector with a free list, intrusive
//!   FIFO lists per level, a sorted ladder with a direct-mapped price window, a
//!   flat id → record vector; ops applied straight from the CSV;
//! - 1: + commands in: the crate's `Command` built per op and decoded, a `Result`
//!   out, a refused reduce sent again as a cancel (as `peer` does);
//! - 2: + validation: the checks of `Engine::validate_place`, timestamps that may
//!   not go backwards, the amend's quantity checks;
//! - 3: + events: every event through an `EventSink`, with a gap-free sequence
//!   number, the timestamp and correlation id, and the `i128` conservation counters;
//! - 4: + the full record: ownership and "not yet expired" checked on each cancel
//!   and amend, the self-trade check on each fill, a version bumped on each amend;
//! - 5: + the paged id index (pages of 4,096 ids, dropped when empty).
//!
//! Only what this workload exercises is built (one instrument, GTC limits,
//! IOC markets, cancels, quantity-down amends); it is a measuring instrument,
//! not an engine. Every step prints the shared harness's `RESULT` line and must
//! match the canonical checksum. Results: `docs/performance.md`, "Later: what
//! the contract costs, step by step".

use std::time::Instant;

use brokerx_benches::peers::{book_checksum, cpu_secs, load, Op, Outcome};
use brokerx_engine::{
    AccountId, Amend, Cancel, CancelReason, Command, CommandKind, CorrelationId, Event, EventKind, EventSink,
    InstrumentId, Lots, OrderId, OrderRef, OrderType, Place, Side, Ticks, TimeInForce, Timestamp, TradeId,
};

const NIL: u32 = u32::MAX;
const WINDOW: usize = 4096;
const PAGE_BITS: u32 = 12;
const PAGE_LEN: usize = 1 << PAGE_BITS;
const MAX_TICKS: i64 = 1 << 53;
const MAX_LOTS: i64 = 1 << 53;

#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Record {
    id: u64,
    account: u64,
    remaining: i64,
    filled: i64,
    expire_at: u64,
    prev: u32,
    next: u32,
    level: u32,
    version: u32,
    buy: bool,
    stp: bool,
}

#[derive(Clone, Copy)]
struct Level {
    price: i64,
    qty: i64,
    orders: u32,
    head: u32,
    tail: u32,
}

struct Ladder {
    buy: bool,
    /// (price, level key), worst → best.
    sorted: Vec<(i64, u32)>,
    window: Vec<u32>,
    base: i64,
}

impl Ladder {
    fn new(buy: bool, centre: i64) -> Self {
        Ladder { buy, sorted: Vec::with_capacity(256), window: vec![NIL; WINDOW], base: centre - WINDOW as i64 / 2 }
    }

    /// Larger is better.
    fn key(&self, price: i64) -> i64 {
        if self.buy {
            price
        } else {
            -price
        }
    }

    fn slot(&self, price: i64) -> usize {
        (price - self.base) as usize
    }
}

/// Order id → record key: a flat vector below step 5, pages from step 5 on.
struct Index<const STEP: u32> {
    flat: Vec<u32>,
    pages: Vec<Option<Box<[u32; PAGE_LEN]>>>,
    live: Vec<u32>,
}

impl<const STEP: u32> Index<STEP> {
    fn new(ids: usize) -> Self {
        let flat = if STEP >= 5 { Vec::new() } else { vec![NIL; ids + 2] };
        Index { flat, pages: Vec::new(), live: Vec::new() }
    }

    #[inline]
    fn get(&self, id: u64) -> u32 {
        if STEP >= 5 {
            match self.pages.get((id >> PAGE_BITS) as usize) {
                Some(Some(page)) => page[(id as usize) & (PAGE_LEN - 1)],
                _ => NIL,
            }
        } else {
            self.flat.get(id as usize).copied().unwrap_or(NIL)
        }
    }

    #[inline]
    fn set(&mut self, id: u64, key: u32) {
        if STEP >= 5 {
            let p = (id >> PAGE_BITS) as usize;
            if !matches!(self.pages.get(p), Some(Some(_))) {
                self.add_page(p);
            }
            if let Some(Some(page)) = self.pages.get_mut(p) {
                page[(id as usize) & (PAGE_LEN - 1)] = key;
                self.live[p] += 1;
            }
        } else {
            self.flat[id as usize] = key;
        }
    }

    #[inline(never)]
    fn add_page(&mut self, p: usize) {
        if p >= self.pages.len() {
            self.pages.resize_with(p + 1, || None);
            self.live.resize(p + 1, 0);
        }
        self.pages[p] = Some(Box::new([NIL; PAGE_LEN]));
    }

    #[inline]
    fn clear(&mut self, id: u64) {
        if STEP >= 5 {
            let p = (id >> PAGE_BITS) as usize;
            if let Some(Some(page)) = self.pages.get_mut(p) {
                page[(id as usize) & (PAGE_LEN - 1)] = NIL;
                self.live[p] -= 1;
                if self.live[p] == 0 {
                    self.pages[p] = None;
                }
            }
        } else {
            self.flat[id as usize] = NIL;
        }
    }
}

#[derive(Default)]
struct Counters {
    placed: i128,
    filled: i128,
    cancelled: i128,
}

/// Why a command was refused (only what this workload can provoke is told apart).
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    Invalid,
    Unknown,
    AtOrBelowFilled,
}

struct Sink<'a, S: EventSink, const STEP: u32> {
    out: &'a mut S,
    ts: Timestamp,
    correlation_id: CorrelationId,
    seq: u64,
}

impl<S: EventSink, const STEP: u32> Sink<'_, S, STEP> {
    /// Below step 3 only fills reach the sink (the result needs them).
    #[inline(always)]
    fn emit(&mut self, kind: EventKind) {
        if STEP >= 3 {
            self.seq += 1;
            self.out.event(Event { seq: self.seq, ts: self.ts, correlation_id: self.correlation_id, kind });
        } else if let EventKind::Trade { .. } = kind {
            self.out.event(Event { seq: 0, ts: self.ts, correlation_id: self.correlation_id, kind });
        }
    }
}

struct Book<const STEP: u32> {
    ladders: [Ladder; 2],
    levels: Vec<Level>,
    free_levels: Vec<u32>,
    records: Vec<Record>,
    free: u32,
    index: Index<STEP>,
    next_id: u64,
    next_trade_id: u64,
    seq: u64,
    now: u64,
    counters: Counters,
    live: usize,
    /// The instrument's quantity limits, read per command as the engine reads its spec.
    min_qty: i64,
    max_qty: i64,
}

impl<const STEP: u32> Book<STEP> {
    fn new(ids: usize, centre: i64) -> Self {
        Book {
            ladders: [Ladder::new(true, centre), Ladder::new(false, centre)],
            levels: Vec::with_capacity(1024),
            free_levels: Vec::new(),
            records: Vec::with_capacity(1 << 16),
            free: NIL,
            index: Index::new(ids),
            next_id: 1,
            next_trade_id: 1,
            seq: 0,
            now: 0,
            counters: Counters::default(),
            live: 0,
            min_qty: 1,
            max_qty: MAX_LOTS,
        }
    }

    #[inline(never)]
    fn new_level(&mut self, s: usize, price: i64) -> u32 {
        let level = Level { price, qty: 0, orders: 0, head: NIL, tail: NIL };
        let key = match self.free_levels.pop() {
            Some(k) => {
                self.levels[k as usize] = level;
                k
            }
            None => {
                self.levels.push(level);
                self.levels.len() as u32 - 1
            }
        };
        let ladder = &mut self.ladders[s];
        let k = ladder.key(price);
        let mut at = ladder.sorted.len();
        while at > 0 && ladder.key(ladder.sorted[at - 1].0) > k {
            at -= 1;
        }
        ladder.sorted.insert(at, (price, key));
        let slot = ladder.slot(price);
        ladder.window[slot] = key;
        key
    }

    #[inline(never)]
    fn drop_level(&mut self, s: usize, key: u32, price: i64) {
        let ladder = &mut self.ladders[s];
        if ladder.sorted.last().map(|x| x.1) == Some(key) {
            ladder.sorted.pop();
        } else if let Some(at) = ladder.sorted.iter().position(|x| x.1 == key) {
            ladder.sorted.remove(at);
        }
        let slot = ladder.slot(price);
        ladder.window[slot] = NIL;
        self.free_levels.push(key);
    }

    /// Fills `qty` against the other side, best level first, FIFO; returns what is left.
    #[inline]
    fn sweep<S: EventSink>(
        &mut self,
        buy: bool,
        limit: Option<i64>,
        mut qty: i64,
        taker: (u64, u64),
        sink: &mut Sink<S, STEP>,
    ) -> i64 {
        let s = usize::from(buy);
        while qty > 0 {
            let Some(&(price, lk)) = self.ladders[s].sorted.last() else { break };
            if limit.is_some_and(|l| if buy { price > l } else { price < l }) {
                break;
            }
            let level = &mut self.levels[lk as usize];
            while qty > 0 && level.head != NIL {
                let key = level.head;
                let maker = &mut self.records[key as usize];
                if STEP >= 4 && maker.stp && maker.account == taker.1 {
                    // Self-trade prevention: never set on this workload.
                    break;
                }
                let q = maker.remaining.min(qty);
                maker.remaining -= q;
                maker.filled += q;
                qty -= q;
                level.qty -= q;
                if STEP >= 3 {
                    self.counters.filled += 2 * i128::from(q);
                }
                let trade_id = self.next_trade_id;
                self.next_trade_id += 1;
                sink.emit(EventKind::Trade {
                    trade_id: TradeId(trade_id),
                    instrument: InstrumentId(0),
                    price: Ticks(price),
                    qty: Lots(q),
                    aggressor: if buy { Side::Buy } else { Side::Sell },
                    maker_order_id: OrderId(maker.id),
                    maker_account: AccountId(maker.account),
                    maker_remaining: Lots(maker.remaining),
                    taker_order_id: OrderId(taker.0),
                    taker_account: AccountId(taker.1),
                    taker_remaining: Lots(qty),
                });
                if maker.remaining > 0 {
                    break;
                }
                let (id, next) = (maker.id, maker.next);
                maker.id = 0;
                maker.next = self.free;
                self.free = key;
                level.head = next;
                level.orders -= 1;
                self.index.clear(id);
                self.live -= 1;
                if next == NIL {
                    level.tail = NIL;
                } else {
                    self.records[next as usize].prev = NIL;
                }
            }
            if level.orders != 0 {
                break;
            }
            let ladder = &mut self.ladders[s];
            ladder.sorted.pop();
            let slot = ladder.slot(price);
            ladder.window[slot] = NIL;
            self.free_levels.push(lk);
        }
        qty
    }

    /// A GTC limit (rests) or an IOC market order (never rests).
    #[inline]
    fn place<S: EventSink>(&mut self, p: &Place, sink: &mut Sink<S, STEP>) {
        let limit = match p.order_type {
            OrderType::Limit(px) => Some(px.0),
            // Refused by `validate_place`: this contract has no stops or by-amount orders.
            _ => None,
        };
        let buy = p.side == Side::Buy;
        let id = self.next_id;
        self.next_id += 1;
        sink.emit(EventKind::Accepted {
            order_id: OrderId(id),
            account: p.account,
            instrument: p.instrument,
            side: p.side,
            price: limit.map(Ticks),
            qty: p.qty,
            time_in_force: p.time_in_force,
            client_order_id: p.client_order_id,
        });
        if STEP >= 3 {
            self.counters.placed += i128::from(p.qty.0);
        }
        let qty = p.qty.0;
        let crosses = self.ladders[usize::from(buy)].sorted.last().is_some_and(|&(px, _)| match limit {
            None => true,
            Some(l) => {
                if buy {
                    l >= px
                } else {
                    l <= px
                }
            }
        });
        let remaining = if crosses { self.sweep(buy, limit, qty, (id, p.account.0), sink) } else { qty };
        if remaining == 0 {
            return;
        }
        let Some(price) = limit.filter(|_| matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd)) else {
            if STEP >= 3 {
                self.counters.cancelled += i128::from(remaining);
            }
            return sink.emit(EventKind::Cancelled {
                order_id: OrderId(id),
                account: p.account,
                instrument: p.instrument,
                side: p.side,
                price: limit.map(Ticks),
                qty: Lots(remaining),
                filled: Lots(qty - remaining),
                reason: CancelReason::NoLiquidity,
            });
        };
        let s = usize::from(!buy);
        let slot = self.ladders[s].slot(price);
        let mut lk = self.ladders[s].window[slot];
        if lk == NIL {
            lk = self.new_level(s, price);
        }
        let key = if self.free != NIL {
            let k = self.free;
            self.free = self.records[k as usize].next;
            k
        } else {
            self.records.push(Record::default());
            self.records.len() as u32 - 1
        };
        let level = &mut self.levels[lk as usize];
        let tail = level.tail;
        self.records[key as usize] = Record {
            id,
            account: p.account.0,
            remaining,
            filled: qty - remaining,
            expire_at: p.expire_at.map_or(0, |t| t.0),
            prev: tail,
            next: NIL,
            level: lk,
            version: 0,
            buy,
            stp: false,
        };
        if tail == NIL {
            level.head = key;
        } else {
            self.records[tail as usize].next = key;
        }
        level.tail = key;
        level.qty += remaining;
        level.orders += 1;
        self.index.set(id, key);
        self.live += 1;
    }

    /// The record of live order `id` owned by `account` at time `ts`.
    #[inline]
    fn lookup(&self, id: u64, account: u64, ts: u64) -> Result<u32, Refused> {
        let key = self.index.get(id);
        if key == NIL {
            return Err(Refused::Unknown);
        }
        if STEP >= 4 {
            let r = &self.records[key as usize];
            if (r.expire_at != 0 && r.expire_at <= ts) || r.account != account {
                return Err(Refused::Unknown);
            }
        }
        Ok(key)
    }

    #[inline]
    fn cancel<S: EventSink>(&mut self, key: u32, sink: &mut Sink<S, STEP>) {
        let o = self.records[key as usize];
        let level = &mut self.levels[o.level as usize];
        if o.prev == NIL {
            level.head = o.next;
        } else {
            self.records[o.prev as usize].next = o.next;
        }
        if o.next == NIL {
            level.tail = o.prev;
        } else {
            self.records[o.next as usize].prev = o.prev;
        }
        level.qty -= o.remaining;
        level.orders -= 1;
        let o_price = level.price;
        if level.orders == 0 {
            let price = level.price;
            self.drop_level(usize::from(!o.buy), o.level, price);
        }
        let r = &mut self.records[key as usize];
        r.id = 0;
        r.next = self.free;
        self.free = key;
        self.index.clear(o.id);
        self.live -= 1;
        if STEP >= 3 {
            self.counters.cancelled += i128::from(o.remaining);
        }
        sink.emit(EventKind::Cancelled {
            order_id: OrderId(o.id),
            account: AccountId(o.account),
            instrument: InstrumentId(0),
            side: if o.buy { Side::Buy } else { Side::Sell },
            price: Some(Ticks(o_price)),
            qty: Lots(o.remaining),
            filled: Lots(o.filled),
            reason: CancelReason::User,
        });
    }

    /// A new total quantity at or above the filled one and not above the
    /// current total (the workload only reduces): keeps time priority.
    #[inline]
    fn amend<S: EventSink>(&mut self, key: u32, new_total: i64, sink: &mut Sink<S, STEP>) -> Result<(), Refused> {
        let r = self.records[key as usize];
        if new_total <= r.filled {
            return Err(Refused::AtOrBelowFilled);
        }
        let remaining = new_total - r.filled;
        if remaining > r.remaining {
            return Err(Refused::Invalid);
        }
        let delta = r.remaining - remaining;
        let version = r.version.wrapping_add(1);
        let rec = &mut self.records[key as usize];
        rec.remaining = remaining;
        if STEP >= 4 {
            rec.version = version;
        }
        self.levels[r.level as usize].qty -= delta;
        if STEP >= 3 {
            self.counters.cancelled += i128::from(delta);
        }
        sink.emit(EventKind::Amended {
            order_id: OrderId(r.id),
            account: AccountId(r.account),
            instrument: InstrumentId(0),
            side: if r.buy { Side::Buy } else { Side::Sell },
            version,
            price: Ticks(self.levels[r.level as usize].price),
            qty: Lots(new_total),
            remaining: Lots(remaining),
            filled: Lots(r.filled),
            priority_kept: true,
        });
        Ok(())
    }

    fn validate_place(&self, p: &Place, ts: Timestamp) -> Result<(), Refused> {
        if p.instrument.0 != 0 || p.qty.0 <= 0 {
            return Err(Refused::Invalid);
        }
        let price = match p.order_type {
            OrderType::Limit(px) if px.0 <= 0 || px.0 > MAX_TICKS => return Err(Refused::Invalid),
            OrderType::Limit(px) => Some(px),
            OrderType::Market => None,
            _ => return Err(Refused::Invalid),
        };
        if p.qty.0 < self.min_qty || p.qty.0 > self.max_qty {
            return Err(Refused::Invalid);
        }
        let rests = matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd);
        if (price.is_none() && rests) || (p.post_only && !(rests && price.is_some())) {
            return Err(Refused::Invalid);
        }
        match (p.time_in_force, p.expire_at) {
            (TimeInForce::Gtd, Some(e)) if e > ts => {}
            (TimeInForce::Gtd, _) | (_, Some(_)) => return Err(Refused::Invalid),
            (_, None) => {}
        }
        if p.client_order_id.is_some() || (rests && self.live >= 10_000_000) {
            return Err(Refused::Invalid);
        }
        Ok(())
    }

    /// Steps 1 and on: one command in, validated from step 2.
    #[inline]
    fn apply<S: EventSink>(&mut self, cmd: &Command, out: &mut S) -> Result<(), Refused> {
        let ts = cmd.ts;
        if STEP >= 2 && ts.0 < self.now {
            return Err(Refused::Invalid);
        }
        let mut sink = Sink::<S, STEP> { out, ts, correlation_id: cmd.correlation_id, seq: self.seq };
        let done = match &cmd.kind {
            CommandKind::Place(p) => {
                if STEP >= 2 {
                    self.validate_place(p, ts)?;
                }
                self.place(p, &mut sink);
                Ok(())
            }
            CommandKind::Cancel(c) => {
                let OrderRef::Id(id) = c.order else { return Err(Refused::Invalid) };
                let key = self.lookup(id.0, c.account.0, ts.0)?;
                self.cancel(key, &mut sink);
                Ok(())
            }
            CommandKind::Amend(a) => {
                let OrderRef::Id(id) = a.order else { return Err(Refused::Invalid) };
                let key = self.lookup(id.0, a.account.0, ts.0)?;
                match (a.new_price, a.new_qty) {
                    (None, Some(q)) if STEP < 2 || (q.0 >= self.min_qty && q.0 <= self.max_qty) => {
                        self.amend(key, q.0, &mut sink)
                    }
                    _ => Err(Refused::Invalid),
                }
            }
            _ => Err(Refused::Invalid),
        };
        self.now = ts.0;
        self.seq = sink.seq;
        done
    }
}

#[derive(Default)]
struct FillTally {
    trades: u64,
    volume: u64,
}

impl EventSink for FillTally {
    #[inline]
    fn event(&mut self, event: Event) {
        if let EventKind::Trade { qty, .. } = event.kind {
            self.trades += 1;
            self.volume += qty.0 as u64;
        }
    }
}

/// The cancel a refused reduce turns into, as in `peer`.
#[cold]
#[inline(never)]
fn cancel_instead<const STEP: u32>(book: &mut Book<STEP>, reduce: &Command, tally: &mut FillTally) {
    if let CommandKind::Amend(a) = reduce.kind {
        let kind = CommandKind::Cancel(Cancel { account: a.account, order: a.order });
        let _ = book.apply(&Command { ts: reduce.ts, correlation_id: reduce.correlation_id, kind }, tally);
    }
}

/// Replays `ops` (CSV ids must be the engine's: 1, 2, 3, ... for new orders).
#[inline(never)]
fn replay<const STEP: u32>(ops: &[(u64, Op)], centre: i64) -> (Book<STEP>, FillTally, f64, f64) {
    let mut book = Book::<STEP>::new(ops.len(), centre);
    let mut tally = FillTally::default();
    let (account, instrument) = (AccountId(1), InstrumentId(0));
    let (cpu0, t0) = (cpu_secs(), Instant::now());
    for (n, &(id, op)) in ops.iter().enumerate() {
        let (ts, correlation_id) = (Timestamp(1 + n as u64), CorrelationId(n as u64));
        let side = |buy| if buy { Side::Buy } else { Side::Sell };
        if STEP == 0 {
            // The replica: ops applied straight, no command, no result.
            let mut sink = Sink::<FillTally, STEP> { out: &mut tally, ts, correlation_id, seq: 0 };
            match op {
                Op::Limit { buy, price, qty } => {
                    book.place(&Place::limit(account, instrument, side(buy), Ticks(price), Lots(qty)), &mut sink)
                }
                Op::Market { buy, qty } => {
                    book.place(&Place::market(account, instrument, side(buy), Lots(qty)), &mut sink)
                }
                Op::Cancel => {
                    if let Ok(key) = book.lookup(id, 1, ts.0) {
                        book.cancel(key, &mut sink);
                    }
                }
                Op::Reduce { new_total } => {
                    if let Ok(key) = book.lookup(id, 1, ts.0) {
                        if book.amend(key, new_total, &mut sink) == Err(Refused::AtOrBelowFilled) {
                            book.cancel(key, &mut sink);
                        }
                    }
                }
            }
            continue;
        }
        let cmd = |kind| Command { ts, correlation_id, kind };
        let cmd = match op {
            Op::Limit { buy, price, qty } => {
                cmd(CommandKind::Place(Place::limit(account, instrument, side(buy), Ticks(price), Lots(qty))))
            }
            Op::Market { buy, qty } => {
                cmd(CommandKind::Place(Place::market(account, instrument, side(buy), Lots(qty))))
            }
            Op::Cancel => cmd(CommandKind::Cancel(Cancel { account, order: OrderRef::Id(OrderId(id)) })),
            Op::Reduce { new_total } => cmd(CommandKind::Amend(Amend {
                account,
                order: OrderRef::Id(OrderId(id)),
                new_price: None,
                new_qty: Some(Lots(new_total)),
                expected_version: None,
                new_trigger: None,
                new_display: None,
            })),
        };
        if let Err(Refused::AtOrBelowFilled) = book.apply(&cmd, &mut tally) {
            cancel_instead(&mut book, &cmd, &mut tally);
        }
    }
    let (secs, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - cpu0);
    (book, tally, secs, cpu)
}

fn run<const STEP: u32>(ops: &[(u64, Op)], centre: i64) {
    let (book, tally, secs, cpu) = replay::<STEP>(ops, centre);
    let levels = |s: usize| {
        let book = &book;
        book.ladders[s].sorted.iter().rev().map(move |&(price, k)| (price, book.levels[k as usize].qty))
    };
    std::hint::black_box(&book.counters);
    Outcome {
        peer: &format!("contract-ladder-{STEP}"),
        ops: ops.len(),
        secs,
        cpu_secs: cpu,
        trades: tally.trades,
        volume: tally.volume,
        checksum: book_checksum(levels(0), levels(1)),
        live_orders: book.live,
    }
    .print();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let step: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(u32::MAX);
    let path = args.next().unwrap_or_else(|| "workload.csv".into());
    let ops = load(&path);
    let mut ordinal = 0u64;
    let dense = ops.iter().all(|(id, op)| match op {
        Op::Limit { .. } | Op::Market { .. } => {
            ordinal += 1;
            *id == ordinal
        }
        _ => true,
    });
    // The price window is fixed here (the engine moves it): centred on the first limit price.
    let prices = || ops.iter().filter_map(|(_, op)| if let Op::Limit { price, .. } = op { Some(*price) } else { None });
    let centre = prices().next().unwrap_or(0);
    let half = WINDOW as i64 / 2;
    if !dense || prices().any(|p| (p - centre).abs() >= half) {
        eprintln!("contract_ladder needs new-order ids 1, 2, 3, ... and limit prices within {half} ticks of the first");
        std::process::exit(2);
    }
    match step {
        0 => run::<0>(&ops, centre),
        1 => run::<1>(&ops, centre),
        2 => run::<2>(&ops, centre),
        3 => run::<3>(&ops, centre),
        4 => run::<4>(&ops, centre),
        5 => run::<5>(&ops, centre),
        _ => {
            eprintln!("usage: contract_ladder STEP(0-5) CSV");
            std::process::exit(2);
        }
    }
}
