//! What the bench binaries that replay `../shared/peers/` workloads share: the
//! CSV (`op,id,side,price,qty`) read into ops, the process CPU clock the shared
//! harness times with, and its `RESULT {...}` line with the final-book checksum.

use std::collections::HashMap;

/// One line of the workload. Ids are the CSV's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
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

/// Reads the workload at `path`; exits with a message if it cannot be read.
pub fn load(path: &str) -> Vec<(u64, Op)> {
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
pub fn cpu_secs() -> f64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: glibc's clock_gettime writes one timespec (two i64 on x86-64 Linux) into a local.
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The harness's checksum of a final book: FNV-1a 64 over `B,<price>,<qty>\n`
/// for the bids best first, then `A,<price>,<qty>\n` for the asks best first.
pub fn book_checksum(bids: impl IntoIterator<Item = (i64, i64)>, asks: impl IntoIterator<Item = (i64, i64)>) -> String {
    let mut text = String::new();
    for (price, qty) in bids {
        text.push_str(&format!("B,{price},{qty}\n"));
    }
    for (price, qty) in asks {
        text.push_str(&format!("A,{price},{qty}\n"));
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// What one replay prints, as the shared harness reads it.
pub struct Outcome<'a> {
    pub peer: &'a str,
    pub ops: usize,
    pub secs: f64,
    pub cpu_secs: f64,
    pub trades: u64,
    pub volume: u64,
    pub checksum: String,
    pub live_orders: usize,
}

impl Outcome<'_> {
    pub fn print(&self) {
        println!(
            "RESULT {{\"peer\":\"{}\",\"version\":\"{}\",\"ops\":{},\"secs\":{:.6},\"ops_per_sec\":{:.1},\"cpu_secs\":{:.6},\"trades\":{},\"volume\":{},\"checksum\":\"{}\",\"live_orders\":{}}}",
            self.peer,
            env!("CARGO_PKG_VERSION"),
            self.ops,
            self.secs,
            self.ops as f64 / self.secs,
            self.cpu_secs,
            self.trades,
            self.volume,
            self.checksum,
            self.live_orders
        );
    }
}
