//! BrokerX Engine as a peer in `../shared/peers/run_all.sh`: reads the shared CSV
//! (`op,id,side,price,qty`), times only the replay, prints one `RESULT {...}` line.
//!
//!     EXTRA_PEERS='brokerx|target/release/peer {CSV}' bash ../shared/peers/run_all.sh
//!
//! REDUCE is an amend of the total quantity down (keeps time priority), or a
//! cancel when it takes everything. The new total is worked out while the CSV
//! is read (fills never change an order's total), so the replay asks the engine
//! nothing first. Market data events are off unless `BROKERX_MARKET_DATA=1`.
//!
//! The result needs only the fills, so the replay hands the engine a sink that
//! tallies them (as every other peer counts its fills) and the engine builds no
//! other event. `BROKERX_EVENTS=vec` collects every event in a `Vec<Event>`
//! instead and counts the fills from it.

use std::collections::HashMap;
use std::time::Instant;

use brokerx_engine::workload::instrument_spec;
use brokerx_engine::*;

#[derive(Clone, Copy)]
enum Op {
    Limit {
        buy: bool,
        price: i64,
        qty: i64,
    },
    Market {
        buy: bool,
        qty: i64,
    },
    Cancel,
    /// Reduce by a delta, carried as the order's new total quantity: what the
    /// engine's amend takes (FIX `OrderQty`).
    Reduce {
        new_total: i64,
    },
}

fn load(path: &str) -> Vec<(u64, Op)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    });
    let mut ops = Vec::with_capacity(1_100_000);
    // An order's total quantity (filled + remaining) changes only by reduces,
    // never by fills, so each REDUCE's new total follows from the CSV alone.
    let mut totals: HashMap<u64, i64> = HashMap::with_capacity(1_100_000);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 5 {
            continue;
        }
        let id: u64 = f[1].parse().unwrap_or(0);
        let buy = f[2] == "B";
        let price: i64 = f[3].parse().unwrap_or(0);
        let qty: i64 = f[4].parse().unwrap_or(0);
        let op = match f[0] {
            "NEW_LIMIT" => {
                totals.insert(id, qty);
                Op::Limit { buy, price, qty }
            }
            "NEW_MARKET" => Op::Market { buy, qty },
            "CANCEL" => Op::Cancel,
            "REDUCE" => {
                let total = totals.get_mut(&id).map_or(0, |t| {
                    *t -= qty;
                    *t
                });
                // A reduce by the whole quantity or more is a cancel, filled or not.
                if total > 0 {
                    Op::Reduce { new_total: total }
                } else {
                    Op::Cancel
                }
            }
            _ => continue,
        };
        ops.push((id, op));
    }
    ops
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

/// CPU time of this process in seconds (`CLOCK_PROCESS_CPUTIME_ID`), as the
/// shared harness measures it; `/proc/self/stat` counts 10 ms ticks, a fifth of
/// the whole replay.
fn cpu_secs() -> f64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: glibc's clock_gettime writes one timespec (two i64 on x86-64 Linux) into a local.
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn fnv(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// The fills of the replay: all the shared result needs of the event stream.
#[derive(Default)]
struct FillTally {
    trades: u64,
    volume: u64,
}

impl FillTally {
    #[inline]
    fn count(&mut self, kind: &EventKind) {
        if let EventKind::Trade { qty, .. } = kind {
            self.trades += 1;
            self.volume += qty.0 as u64;
        }
    }
}

impl EventSink for FillTally {
    #[inline]
    fn event(&mut self, event: Event) {
        self.count(&event.kind);
    }
}

/// Every event in a `Vec`, the fills counted after each command.
struct Collected {
    events: Vec<Event>,
    fills: FillTally,
}

impl EventSink for Collected {
    #[inline]
    fn event(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// What the replay does after each command with the events its sink got.
trait AfterCommand: EventSink {
    fn after_command(&mut self) {}
    fn fills(&self) -> &FillTally;
}

impl AfterCommand for FillTally {
    fn fills(&self) -> &FillTally {
        self
    }
}

impl AfterCommand for Collected {
    #[inline]
    fn after_command(&mut self) {
        for e in &self.events {
            self.fills.count(&e.kind);
        }
        self.events.clear();
    }
    fn fills(&self) -> &FillTally {
        &self.fills
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "workload.csv".into());
    let market_data = std::env::var("BROKERX_MARKET_DATA").is_ok_and(|v| v == "1");
    let collect = std::env::var("BROKERX_EVENTS").is_ok_and(|v| v == "vec");
    let ops = load(&path);
    // Profiling aid: BROKERX_REPEAT=n replays n times (fresh engine each) and reports the last.
    let repeat: usize = std::env::var("BROKERX_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let run = || {
        if collect {
            let mut sink = Collected { events: Vec::with_capacity(4096), fills: FillTally::default() };
            replay(&ops, market_data, &mut sink)
        } else {
            replay(&ops, market_data, &mut FillTally::default())
        }
    };
    for _ in 1..repeat {
        run();
    }
    let (e, secs, cpu, trades, volume) = run();
    let inst = InstrumentId(0);
    let mut text = String::new();
    for l in e.depth(inst, Side::Buy) {
        text.push_str(&format!("B,{},{}\n", l.price.0, l.qty.0));
    }
    for l in e.depth(inst, Side::Sell) {
        text.push_str(&format!("A,{},{}\n", l.price.0, l.qty.0));
    }
    println!(
        "RESULT {{\"peer\":\"brokerx-engine\",\"version\":\"{}\",\"ops\":{},\"secs\":{secs:.6},\"ops_per_sec\":{:.1},\"cpu_secs\":{cpu:.6},\"trades\":{trades},\"volume\":{volume},\"checksum\":\"{}\",\"live_orders\":{}}}",
        env!("CARGO_PKG_VERSION"),
        ops.len(),
        ops.len() as f64 / secs,
        fnv(&text),
        e.live_orders()
    );
}

// Not inlined, so profilers can name it (`valgrind --toggle-collect='peer::replay*'`).
#[inline(never)]
fn replay(ops: &[(u64, Op)], market_data: bool, sink: &mut impl AfterCommand) -> (Engine, f64, f64, u64, u64) {
    // The engine numbers accepted orders 1, 2, 3, ...; when the CSV numbers its new
    // orders the same way (the shared generator does), ids map to themselves and the
    // replay needs no lookup table.
    let mut ordinal = 0u64;
    let identity = ops.iter().all(|(id, op)| match op {
        Op::Limit { .. } | Op::Market { .. } => {
            ordinal += 1;
            *id == ordinal
        }
        _ => true,
    });
    let max_id = if identity { 0 } else { ops.iter().map(|(id, _)| *id).max().unwrap_or(0) as usize };
    let mut engine_id = vec![0u64; max_id + 1];
    let map = |engine_id: &[u64], id: u64| if identity { id } else { engine_id.get(id as usize).copied().unwrap_or(0) };
    let mut e = Engine::new(EngineConfig { market_data, ..EngineConfig::default() });
    let _ = e.apply(
        &Command {
            ts: Timestamp(0),
            correlation_id: CorrelationId(0),
            kind: CommandKind::RegisterInstrument(instrument_spec()),
        },
        &mut Vec::new(),
    );
    let inst = InstrumentId(0);
    let acct = AccountId(1);
    let mut next_engine_id = 1u64;
    let (cpu0, t0) = (cpu_secs(), Instant::now());
    for (n, &(id, op)) in ops.iter().enumerate() {
        // Built in place: a `kind` built first and moved into the command was a
        // 112-byte copy per op.
        let (ts, correlation_id) = (Timestamp(1 + n as u64), CorrelationId(n as u64));
        let cmd = |kind| Command { ts, correlation_id, kind };
        let cmd = match op {
            Op::Limit { buy, price, qty } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                if !identity {
                    engine_id[id as usize] = next_engine_id;
                }
                next_engine_id += 1;
                cmd(CommandKind::Place(Place::limit(acct, inst, side, Ticks(price), Lots(qty))))
            }
            Op::Market { buy, qty } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                if !identity {
                    engine_id[id as usize] = next_engine_id;
                }
                next_engine_id += 1;
                cmd(CommandKind::Place(Place::market(acct, inst, side, Lots(qty))))
            }
            Op::Cancel => cmd(CommandKind::Cancel(Cancel { account: acct, order_id: OrderId(map(&engine_id, id)) })),
            Op::Reduce { new_total } => cmd(CommandKind::Amend(Amend {
                account: acct,
                order_id: OrderId(map(&engine_id, id)),
                new_price: None,
                new_qty: Some(Lots(new_total)),
                expected_version: None,
            })),
        };
        // Unknown ids are no-ops in the workload contract: the engine's typed refusal is ignored.
        if let Err(CommandError::AmendQtyAtOrBelowFilled { .. }) = e.apply(&cmd, sink) {
            // A reduce by the whole remaining quantity or more takes the order away.
            cancel_instead(&mut e, &cmd, sink);
        }
        sink.after_command();
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let fills = sink.fills();
    (e, secs, cpu, fills.trades, fills.volume)
}

/// The cancel a refused reduce turns into. Through `dyn EventSink`, so the
/// replay loop's own call of `apply` stays its only one and is inlined.
#[cold]
#[inline(never)]
fn cancel_instead(e: &mut Engine, reduce: &Command, sink: &mut dyn EventSink) {
    if let CommandKind::Amend(a) = reduce.kind {
        let kind = CommandKind::Cancel(Cancel { account: a.account, order_id: a.order_id });
        let _ = e.apply(&Command { ts: reduce.ts, correlation_id: reduce.correlation_id, kind }, sink);
    }
}
