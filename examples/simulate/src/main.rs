//! The main job: a seeded market simulation through the Broker.
//!
//!     cargo run --release -p brokerx-simulate [-- COMMANDS [SEED]]
//!
//! Prints what ran, the money checks and the final book (see the crate's `run`);
//! exits with status 1 if a check failed.

use brokerx_simulate::{run, Config};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut config = Config::default();
    if let Some(n) = args.next() {
        match n.parse() {
            Ok(n) => config.commands = n,
            Err(_) => usage(&n),
        }
    }
    if let Some(s) = args.next() {
        match s.parse() {
            Ok(s) => config.seed = s,
            Err(_) => usage(&s),
        }
    }
    let report = match run(&config) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("simulate: the set-up was refused: {e}");
            std::process::exit(1);
        }
    };
    print!("{report}");
    if let Err(why) = report.consistent() {
        eprintln!("simulate: CHECK FAILED: {why}");
        std::process::exit(1);
    }
}

fn usage(arg: &str) -> ! {
    eprintln!("simulate: not a number: {arg}\nusage: simulate [COMMANDS [SEED]]");
    std::process::exit(2);
}
