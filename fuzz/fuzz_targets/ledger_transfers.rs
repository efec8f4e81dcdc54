//! Fuzzes the ledger with random operations and edge-biased amounts.
//!
//! Asserts: no panic; `check_invariants()` after every operation; a failed
//! `submit` (time going backwards) changes nothing; `submit_chain` of the
//! same batch reports `submit`'s first non-ok status and leaves the same
//! state; replaying the journal and restoring a snapshot reproduce the state
//! hash.
#![no_main]

use arbitrary::Arbitrary;
use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, Ledger, LedgerConfig, Policy, Timestamp, Transfer,
    TransferCode, TransferFlags, TransferId, TransferLimit, TransferStatus,
};
use libfuzzer_sys::fuzz_target;

const LIMIT: u128 = 1_000;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum FuzzAmount {
    Zero,
    One,
    Small(u16),
    LimitMinus1,
    Limit,
    LimitPlus1,
    U64Max,
    I128MaxMinus1,
    I128Max,
    I128MaxPlus1,
    U128Max,
    Raw(u128),
}

impl FuzzAmount {
    fn get(self) -> Amount {
        Amount::from_minor(match self {
            Self::Zero => 0,
            Self::One => 1,
            Self::Small(v) => u128::from(v),
            Self::LimitMinus1 => LIMIT - 1,
            Self::Limit => LIMIT,
            Self::LimitPlus1 => LIMIT + 1,
            Self::U64Max => u128::from(u64::MAX),
            Self::I128MaxMinus1 => i128::MAX.unsigned_abs() - 1,
            Self::I128Max => i128::MAX.unsigned_abs(),
            Self::I128MaxPlus1 => i128::MAX.unsigned_abs() + 1,
            Self::U128Max => u128::MAX,
            Self::Raw(v) => v,
        })
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct FuzzTransfer {
    id: u8,
    debit: (u8, u8),
    credit: (u8, u8),
    amount: FuzzAmount,
    pending_id: u8,
    timeout_ns: u8,
    code: u8,
    flags: u8,
    user_data: u8,
}

fn key((owner, asset): (u8, u8)) -> AccountKey {
    // Small spaces so that accounts exist and collide often.
    AccountKey::new(u64::from(owner % 6), u32::from(asset % 4))
}

impl FuzzTransfer {
    fn get(self) -> Transfer {
        Transfer {
            id: TransferId(u128::from(self.id % 64)),
            debit_account: key(self.debit),
            credit_account: key(self.credit),
            amount: self.amount.get(),
            pending_id: TransferId(u128::from(self.pending_id % 64)),
            timeout_ns: u64::from(self.timeout_ns % 16),
            code: TransferCode(u16::from(self.code % 4)),
            flags: TransferFlags(u16::from(self.flags & 0x3f)),
            user_data: u128::from(self.user_data % 3),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    CreateAsset { id: u8, scale: u8 },
    CreateAccount { owner: u8, asset: u8, wallet: bool, max_balance: Option<FuzzAmount> },
    Submit { dt: u8, backwards: bool, transfers: Vec<FuzzTransfer> },
    OnTime { dt: u8 },
    Replay,
}

fuzz_target!(|ops: Vec<Op>| {
    let mut ledger = Ledger::new(LedgerConfig {
        policy: Policy {
            transfer_limits: vec![TransferLimit {
                code: TransferCode(1),
                asset: AssetId(1),
                max_amount: Amount::from_minor(LIMIT),
            }],
            ..Policy::default()
        },
        transfers_max: 200,
        // Half the inputs also index ids from 8 up in the sequential run.
        sequential_ids_from: (ops.len() % 2 == 0).then_some(TransferId(8)),
        ..LedgerConfig::default()
    });
    let mut now = 1u64;
    for (asset, scale) in [(1u32, 2u8), (2, 0)] {
        let spec = AssetSpec { id: AssetId(asset), code: format!("A{asset}"), scale };
        ledger.create_asset(Timestamp(now), spec).unwrap();
    }
    let mut out = Vec::new();
    let mut expired = Vec::new();
    for op in ops.iter().take(64) {
        match op {
            Op::CreateAsset { id, scale } => {
                let spec = AssetSpec { id: AssetId(u32::from(id % 4)), code: "X".into(), scale: *scale };
                let _ = ledger.create_asset(Timestamp(now), spec);
            }
            Op::CreateAccount { owner, asset, wallet, max_balance } => {
                let k = key((*owner, *asset));
                let mut spec = if *wallet { AccountSpec::wallet(k) } else { AccountSpec::system(k) };
                if let Some(m) = max_balance {
                    spec = spec.with_max_balance(m.get());
                }
                let _ = ledger.create_account(Timestamp(now), spec);
            }
            Op::Submit { dt, backwards, transfers } => {
                let batch: Vec<Transfer> = transfers.iter().take(32).map(|t| t.get()).collect();
                if *backwards && now > 1 {
                    let before = ledger.state_hash();
                    assert!(ledger.submit(Timestamp(now - 1), &batch, &mut out).is_err());
                    assert!(out.is_empty());
                    assert_eq!(before, ledger.state_hash());
                } else {
                    now += u64::from(*dt % 8);
                    let mut by_chain = ledger.clone();
                    ledger.submit(Timestamp(now), &batch, &mut out).unwrap();
                    assert_eq!(out.len(), batch.len());
                    // `submit_chain` reports the first non-ok status and leaves the same state.
                    let first = out.iter().map(|r| r.status).find(|s| *s != TransferStatus::Ok);
                    let status = by_chain.submit_chain(Timestamp(now), &batch).unwrap();
                    assert_eq!(status, first.unwrap_or(TransferStatus::Ok));
                    assert_eq!(by_chain.state_hash(), ledger.state_hash());
                    assert_eq!(by_chain.journal(), ledger.journal());
                }
            }
            Op::OnTime { dt } => {
                now += u64::from(*dt % 16);
                expired.clear();
                ledger.on_time(Timestamp(now), &mut expired).unwrap();
            }
            Op::Replay => {
                let replayed = Ledger::replay(ledger.config().clone(), ledger.journal()).unwrap();
                assert_eq!(replayed.state_hash(), ledger.state_hash());
            }
        }
        if let Err(e) = ledger.check_invariants() {
            panic!("{e}");
        }
    }
    let replayed = Ledger::replay(ledger.config().clone(), ledger.journal()).unwrap();
    assert_eq!(replayed.state_hash(), ledger.state_hash());
    let restored = Ledger::restore(&ledger.snapshot()).unwrap();
    assert_eq!(restored.state_hash(), ledger.state_hash());
});
