//! One funded market through the Broker: the set-up that the Broker bench and the
//! simulation share. Two assets (`USD` cash at scale 2, `BX` shares at scale 0),
//! the workload's instrument [`crate::workload::instrument_spec`] registered as
//! the BX/USD market with a collar and fees, and accounts `1..=accounts` funded
//! in both assets by keyed deposits.

use brokerx_engine::broker::{
    Broker, BrokerCommand, BrokerCommandKind, BrokerConfig, BrokerError, BrokerEvent, Funds, MarketSpec,
};
use brokerx_engine::risk::InstrumentRisk;
use brokerx_engine::{AccountId, Command, CommandKind, CorrelationId, Ticks, Timestamp};
use brokerx_ledger::{Amount, AssetId, AssetSpec};

use crate::workload::instrument_spec;

/// Cash: cents.
pub const USD: AssetId = AssetId(1);
/// Shares: whole units (one lot of the instrument).
pub const BX: AssetId = AssetId(2);
/// Minor units per unit of each asset, as registered.
pub const USD_SCALE: u8 = 2;
pub const BX_SCALE: u8 = 0;

/// What to fund and charge.
#[derive(Clone, Debug)]
pub struct Market {
    /// Accounts `1..=accounts` are funded.
    pub accounts: u64,
    /// Deposited into each account, in USD minor units (cents).
    pub usd_each_minor: u128,
    /// Deposited into each account, in BX minor units (shares).
    pub bx_each_minor: u128,
    pub maker_fee_bps: u32,
    pub taker_fee_bps: u32,
}

impl Market {
    /// The set-up commands in order: both assets, the market, then for each
    /// account a USD deposit (key `account`) and a BX deposit (key `account << 32`).
    pub fn commands(&self) -> Vec<BrokerCommandKind> {
        let risk = InstrumentRisk {
            collar_bps: Some(5_000),
            reference_price: Some(Ticks(100_000)),
            maker_fee_bps: self.maker_fee_bps,
            taker_fee_bps: self.taker_fee_bps,
            ..InstrumentRisk::default()
        };
        let mut kinds = vec![
            BrokerCommandKind::CreateAsset {
                spec: AssetSpec { id: USD, code: "USD".into(), scale: USD_SCALE },
                wallet_max_balance: None,
            },
            BrokerCommandKind::CreateAsset {
                spec: AssetSpec { id: BX, code: "BX".into(), scale: BX_SCALE },
                wallet_max_balance: None,
            },
            BrokerCommandKind::RegisterMarket(MarketSpec { instrument: instrument_spec(), base: BX, quote: USD, risk }),
        ];
        for a in 1..=self.accounts {
            let deposit =
                |asset, amount, key| BrokerCommandKind::Deposit(Funds { account: AccountId(a), asset, amount, key });
            kinds.push(deposit(USD, Amount::from_minor(self.usd_each_minor), u128::from(a)));
            kinds.push(deposit(BX, Amount::from_minor(self.bx_each_minor), u128::from(a) << 32));
        }
        kinds
    }

    /// A Broker with this market set up, its set-up commands applied at
    /// timestamps 2, 3, … with correlation id 0. Returns the Broker and the
    /// timestamp of the last set-up command.
    ///
    /// # Errors
    /// The first set-up command the Broker refuses (a config too small for the
    /// accounts, for instance).
    pub fn broker(&self, config: BrokerConfig) -> Result<(Broker, u64), BrokerError> {
        let mut broker = Broker::new(config);
        let mut out: Vec<BrokerEvent> = Vec::new();
        let mut ts = 1u64;
        for kind in self.commands() {
            ts += 1;
            out.clear();
            broker.apply(&BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(0), kind }, &mut out)?;
        }
        Ok((broker, ts))
    }
}

/// The workload's order commands (place, cancel, amend) as Broker commands, their
/// timestamps shifted by `from_ts`; the instrument registration is left out
/// (the market registers it).
pub fn broker_commands(cmds: &[Command], from_ts: u64) -> Vec<BrokerCommand> {
    cmds.iter().filter_map(|c| broker_command(c, from_ts)).collect()
}

/// One workload command as a Broker command, or `None` if it is not an order command.
pub fn broker_command(c: &Command, from_ts: u64) -> Option<BrokerCommand> {
    let kind = match c.kind {
        CommandKind::Place(p) => BrokerCommandKind::Place(p),
        CommandKind::Cancel(x) => BrokerCommandKind::Cancel(x),
        CommandKind::Amend(a) => BrokerCommandKind::Amend(a),
        _ => return None,
    };
    Some(BrokerCommand { ts: Timestamp(from_ts + c.ts.0), correlation_id: c.correlation_id, kind })
}
