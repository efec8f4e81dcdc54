//! The main job cannot silently break: a small run's report holds together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use brokerx_simulate::{run, Config};

fn small() -> Config {
    Config { seed: 3, commands: 5_000, clients: 20, resting: 200, book_levels: 3 }
}

#[test]
fn small_run_counts_add_up_and_money_is_conserved() {
    let r = run(&small()).unwrap();
    r.consistent().unwrap();
    assert_eq!(r.commands_run, r.prefill + 5_000, "the pre-fill and the flow all ran");
    assert_eq!(r.places.total() + r.cancels.total() + r.amends.total(), r.commands_run);
    assert_eq!(r.deposits.total(), 40, "two deposits per client were sent again");
    assert_eq!(r.deposit_replays, 40);
    assert!(r.trades > 0 && r.cancels.done > 0 && r.amends.done > 0, "the flow trades, cancels and amends");
    assert_eq!(r.money.len(), 2);
    assert!(r.money.iter().all(|m| m.conserved()));
    let usd = &r.money[0];
    assert!(usd.fees > rust_decimal::Decimal::ZERO, "fees were charged");
    assert!(!r.bids.is_empty() && !r.asks.is_empty());
    assert!(r.bids[0].price < r.asks[0].price, "the final book is not crossed");
    assert_eq!(r.bids[0].price.scale(), 2, "prices at the tick's precision");
}

#[test]
fn same_config_same_report() {
    let (a, b) = (run(&small()).unwrap(), run(&small()).unwrap());
    assert_eq!(a.state_hash, b.state_hash);
    assert_eq!((a.places, a.cancels, a.amends, a.trades), (b.places, b.cancels, b.amends, b.trades));
    assert_eq!(a.money, b.money);
}

#[test]
fn printed_report_names_its_units_and_checks() {
    let text = run(&small()).unwrap().to_string();
    for needle in
        ["commands/s", "ns per command", "USD", "BX", "money check USD", "money check BX", "passed", "final book"]
    {
        assert!(text.contains(needle), "report lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("FAILED"), "{text}");
}
