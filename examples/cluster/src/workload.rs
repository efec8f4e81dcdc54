//! A seeded, deterministic command mix for tests and the benchmark: two
//! assets, one market, funded accounts, then crossing limit orders.

use brokerx_engine::broker::{BrokerCommand, BrokerCommandKind, Funds, InstrumentRisk, MarketSpec};
use brokerx_engine::{
    AccountId, Amount, AssetId, AssetSpec, CorrelationId, Decimal, InstrumentId, InstrumentSpec, Lots, Place, Side,
    Ticks, Timestamp,
};

use crate::error::ClusterError;

pub const USD: AssetId = AssetId(1);
pub const ACME: AssetId = AssetId(2);
pub const ACCOUNTS: u64 = 10;
/// Cents of USD and shares of ACME each account deposits.
pub const DEPOSIT_USD_MINOR: u128 = 10_000_000_000;
pub const DEPOSIT_ACME: u128 = 1_000_000;
/// Order command ids start here (setup ids are below).
pub const FIRST_ORDER_ID: u64 = 1_000;

fn cmd(id: u64, kind: BrokerCommandKind) -> BrokerCommand {
    BrokerCommand { ts: Timestamp(id), correlation_id: CorrelationId(id), kind }
}

/// Assets, the `ACME/USD` market and every account's deposits, ids from 1.
///
/// # Errors
/// `Config` if the market spec does not build (it does).
pub fn setup() -> Result<Vec<BrokerCommand>, ClusterError> {
    let usd = AssetSpec { id: USD, code: "USD".into(), scale: 2 };
    let acme = AssetSpec { id: ACME, code: "ACME".into(), scale: 0 };
    let instrument = InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE);
    let risk = InstrumentRisk::default()
        .with_reference_price(&instrument, Decimal::from(100))
        .map_err(|e| ClusterError::Config(e.to_string()))?;
    let mut out = vec![
        cmd(1, BrokerCommandKind::CreateAsset { spec: usd, wallet_max_balance: None }),
        cmd(2, BrokerCommandKind::CreateAsset { spec: acme, wallet_max_balance: None }),
        cmd(3, BrokerCommandKind::RegisterMarket(MarketSpec { instrument, base: ACME, quote: USD, risk })),
    ];
    for a in 1..=ACCOUNTS {
        let id = 10 + 2 * a;
        out.push(cmd(
            id,
            BrokerCommandKind::Deposit(Funds::new(
                AccountId(a),
                USD,
                Amount::from_minor(DEPOSIT_USD_MINOR),
                u128::from(id),
            )),
        ));
        out.push(cmd(
            id + 1,
            BrokerCommandKind::Deposit(Funds::new(
                AccountId(a),
                ACME,
                Amount::from_minor(DEPOSIT_ACME),
                u128::from(id + 1),
            )),
        ));
    }
    Ok(out)
}

/// The `i`-th order: accounts in turn, buys and sells around 100.00 that cross.
pub fn order(i: u64) -> BrokerCommand {
    let account = AccountId(1 + i % ACCOUNTS);
    let side = if (i / 3) % 2 == 0 { Side::Buy } else { Side::Sell };
    let price = Ticks(9_990 + ((i * 7) % 21) as i64);
    let qty = Lots(1 + (i % 5) as i64);
    cmd(FIRST_ORDER_ID + i, BrokerCommandKind::Place(Place::limit(account, InstrumentId(0), side, price, qty)))
}
