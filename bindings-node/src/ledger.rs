//! `Ledger`: the double-entry wallet ledger alone (`brokerx_ledger::Ledger`):
//! assets, accounts, transfers (single, two-phase holds, linked chains), the
//! policy's limits, journal and replay. Amounts are minor units as `bigint`
//! (never a `number`), as the ledger itself counts; statuses are the ledger's
//! stable codes, per transfer, as in Rust.

use brokerx_engine::clock::HostClock;
use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, DailyLimit, HoldState, JournalEntry, Ledger as CoreLedger,
    LedgerConfig, LedgerSnapshot, LimitSide, OwnerId, Policy, Timestamp, Transfer, TransferCode, TransferFlags,
    TransferId, TransferLimit, TransferResult as CoreResult, WalletLimit,
};
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

use crate::args::{array, minor, string, u32_arg, u64_arg, uint, Opts};
use crate::clock::stamp;
use crate::errors::{closed, fail, range_error, undecodable, Fail, Res, Result};
use crate::events::LedgerAccount;

fn ledger_err(e: brokerx_ledger::LedgerError) -> Fail {
    fail(e.code(), e.to_string())
}

/// One transfer's result: its id and the ledger's status code (`ok`, `exists`, `insufficient_funds`, …).
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct TransferResult {
    pub id: u128,
    pub status: String,
}

/// An account's balance columns, in minor units.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct Balance {
    /// Posted credits − posted debits.
    pub posted: i128,
    /// Posted less pending debits.
    pub available: i128,
    pub debits_pending: u128,
    pub debits_posted: u128,
    pub credits_pending: u128,
    pub credits_posted: u128,
}

/// A hold (pending transfer) and where it is in its life.
#[napi(object, use_nullable = true, object_from_js = false)]
#[derive(Debug)]
pub struct Hold {
    pub id: u128,
    pub debit: LedgerAccount,
    pub credit: LedgerAccount,
    /// `pending`, `posted`, `voided` or `expired`.
    pub state: String,
    /// What is still reserved (0 once resolved).
    pub pending_amount: u128,
    /// What its posts settled so far.
    pub posted_amount: u128,
    pub expires_at: Option<u64>,
}

/// Per-asset totals, in minor units.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct Totals {
    pub posted: u128,
    pub pending: u128,
    pub accounts: u32,
}

#[derive(Debug)]
struct Inner {
    ledger: CoreLedger,
    clock: HostClock,
    out: Vec<CoreResult>,
}

/// The wallet ledger: idempotent transfers, two-phase holds, linked chains, limits.
#[napi]
#[derive(Debug)]
pub struct Ledger {
    inner: Option<Inner>,
}

fn key(v: &Unknown<'_>, name: &str) -> Res<AccountKey> {
    let o = Opts::new(Some(*v), "account")?;
    let owner = o.u64("owner")?.ok_or_else(|| range_error(name, "needs an owner"))?;
    let asset = o.u32("asset")?.ok_or_else(|| range_error(name, "needs an asset"))?;
    Ok(AccountKey { owner: OwnerId(owner), asset: AssetId(asset) })
}

fn code(o: &Opts<'_>, default: u16) -> Res<TransferCode> {
    match o.u32("code")? {
        None => Ok(TransferCode(default)),
        Some(c) => u16::try_from(c).map(TransferCode).map_err(|_| range_error(&o.name("code"), "must be below 2^16")),
    }
}

/// `{ id, kind?, flags?, debit?, credit?, amount?, pendingId?, timeoutNs?, code?, userData?, linked? }`.
fn transfer(v: &Unknown<'_>, name: &str) -> Res<Transfer> {
    let o = Opts::new(Some(*v), "transfer")?;
    let id = TransferId(o.u128("id")?.ok_or_else(|| range_error(name, "needs an id"))?);
    let flags = match (o.string("kind")?.as_deref(), o.u32("flags")?) {
        (_, Some(f)) => {
            TransferFlags(u16::try_from(f).map_err(|_| range_error(&o.name("flags"), "must be below 2^16"))?)
        }
        (None | Some("single"), None) => TransferFlags::NONE,
        (Some("pending"), None) => TransferFlags::PENDING,
        (Some("post"), None) => TransferFlags::POST_PENDING,
        (Some("post_part"), None) => TransferFlags::POST_PART,
        (Some("void"), None) => TransferFlags::VOID_PENDING,
        (Some("resize"), None) => TransferFlags::RESIZE_PENDING,
        (Some(other), None) => {
            return Err(range_error(
                &o.name("kind"),
                format!("must be single, pending, post, post_part, void or resize, got {other:?}"),
            ))
        }
    };
    let flags = if o.bool("linked")?.unwrap_or(false) { flags.union(TransferFlags::LINKED) } else { flags };
    let default_code = if flags.contains(TransferFlags::PENDING) { 5 } else { 1 };
    let account = |k: &str| -> Res<AccountKey> {
        match o.get(k)? {
            Some(v) => key(&v, &o.name(k)),
            None => Ok(AccountKey::UNSET),
        }
    };
    let amount = match o.get("amount")? {
        Some(v) => Amount::from_minor(minor(&v, &o.name("amount"))?),
        None => Amount::from_minor(0),
    };
    Ok(Transfer {
        id,
        debit_account: account("debit")?,
        credit_account: account("credit")?,
        amount,
        pending_id: TransferId(o.u128("pendingId")?.unwrap_or(0)),
        timeout_ns: o.u64("timeoutNs")?.unwrap_or(0),
        code: code(&o, default_code)?,
        flags,
        user_data: o.u128("userData")?.unwrap_or(0),
    })
}

/// `{ transferLimits: [{code, asset, maxAmount}], dailyLimits: [{code, asset, side, maxPerDay}],
/// walletLimits: [{asset, maxBalance}] }`, amounts in minor units.
fn config(o: &Opts<'_>) -> Res<LedgerConfig> {
    let mut policy = Policy::default();
    let items = |k: &str| -> Res<Vec<Opts<'_>>> {
        match o.get(k)? {
            Some(v) => array(&v, &o.name(k))?.into_iter().map(|x| Opts::new(Some(x), "limit")).collect(),
            None => Ok(Vec::new()),
        }
    };
    let need_minor = |l: &Opts<'_>, k: &str| -> Res<Amount> {
        let v = l.get(k)?.ok_or_else(|| range_error(&l.name(k), "is required"))?;
        Ok(Amount::from_minor(minor(&v, &l.name(k))?))
    };
    let asset = |l: &Opts<'_>| -> Res<AssetId> {
        l.u32("asset")?.map(AssetId).ok_or_else(|| range_error(&l.name("asset"), "is required"))
    };
    for l in items("transferLimits")? {
        policy.transfer_limits.push(TransferLimit {
            code: code(&l, 1)?,
            asset: asset(&l)?,
            max_amount: need_minor(&l, "maxAmount")?,
        });
    }
    for l in items("dailyLimits")? {
        let side = match l.string("side")?.as_deref() {
            Some("debit") => LimitSide::Debit,
            Some("credit") => LimitSide::Credit,
            _ => return Err(range_error(&l.name("side"), "must be 'debit' or 'credit'")),
        };
        policy.daily_limits.push(DailyLimit {
            code: code(&l, 1)?,
            asset: asset(&l)?,
            side,
            max_per_day: need_minor(&l, "maxPerDay")?,
        });
    }
    for l in items("walletLimits")? {
        policy.wallet_limits.push(WalletLimit { asset: asset(&l)?, max_balance: need_minor(&l, "maxBalance")? });
    }
    Ok(LedgerConfig { policy, ..LedgerConfig::default() })
}

fn hold_state(s: HoldState) -> &'static str {
    match s {
        HoldState::Pending => "pending",
        HoldState::Posted => "posted",
        HoldState::Voided => "voided",
        HoldState::Expired => "expired",
    }
}

fn account_of(k: AccountKey) -> LedgerAccount {
    LedgerAccount { owner: k.owner.0, asset: k.asset.0 }
}

impl Ledger {
    fn get(&self) -> Res<&Inner> {
        self.inner.as_ref().ok_or_else(|| closed("Ledger"))
    }
    fn live(&mut self) -> Res<&mut Inner> {
        self.inner.as_mut().ok_or_else(|| closed("Ledger"))
    }
    fn open(ledger: CoreLedger) -> Self {
        Ledger { inner: Some(Inner { ledger, clock: HostClock::new(), out: Vec::new() }) }
    }
}

impl Inner {
    fn ts(&mut self, o: &Opts<'_>) -> Res<Timestamp> {
        Ok(stamp(&mut self.clock, o.u64("ts")?, self.ledger.now()))
    }
}

fn owner_asset(owner: &Unknown<'_>, asset: &Unknown<'_>) -> Res<AccountKey> {
    Ok(AccountKey { owner: OwnerId(u64_arg(owner, "owner")?), asset: AssetId(u32_arg(asset, "asset")?) })
}

#[napi]
impl Ledger {
    /// A new ledger with the policy's limits (amounts in minor units, `bigint`).
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "config?: { transferLimits?: Array<{ code: number; asset: number; maxAmount: bigint }>; dailyLimits?: Array<{ code: number; asset: number; side: 'debit' | 'credit'; maxPerDay: bigint }>; walletLimits?: Array<{ asset: number; maxBalance: bigint }> }"
    )]
    pub fn new(config_in: Option<Unknown<'_>>) -> Result<Self> {
        Ok(Ledger::open(CoreLedger::new(config(&Opts::new(config_in, "config")?)?)))
    }

    /// Creates an asset (`scale`: its decimals).
    #[napi(
        catch_unwind,
        ts_args_type = "asset: number, code: string, scale: number, options?: { ts?: bigint | number }"
    )]
    pub fn create_asset(
        &mut self,
        asset: Unknown<'_>,
        code: Unknown<'_>,
        scale: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<()> {
        let o = Opts::new(options, "options")?;
        let spec = AssetSpec {
            id: AssetId(u32_arg(&asset, "asset")?),
            code: string(&code, "code")?,
            scale: u8::try_from(u32_arg(&scale, "scale")?).map_err(|_| range_error("scale", "must be below 256"))?,
        };
        let inner = self.live()?;
        let ts = inner.ts(&o)?;
        inner.ledger.create_asset(ts, spec).map_err(ledger_err)
    }

    /// Creates an account: a wallet (must not go negative) or, with `system: true`, one that may.
    #[napi(
        catch_unwind,
        ts_args_type = "owner: bigint | number, asset: number, options?: { system?: boolean; maxBalance?: bigint; ts?: bigint | number }"
    )]
    pub fn create_account(
        &mut self,
        owner: Unknown<'_>,
        asset: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<()> {
        let o = Opts::new(options, "options")?;
        let k = owner_asset(&owner, &asset)?;
        let mut spec = if o.bool("system")?.unwrap_or(false) { AccountSpec::system(k) } else { AccountSpec::wallet(k) };
        if let Some(v) = o.get("maxBalance")? {
            spec = spec.with_max_balance(Amount::from_minor(minor(&v, &o.name("maxBalance"))?));
        }
        let inner = self.live()?;
        let ts = inner.ts(&o)?;
        inner.ledger.create_account(ts, spec).map_err(ledger_err)
    }

    /// Submits a batch of transfers; one result per transfer, in order (linked
    /// transfers form all-or-nothing chains). A refusal is a status, not an error.
    #[napi(catch_unwind, ts_args_type = "transfers: Array<TransferInput>, options?: { ts?: bigint | number }")]
    pub fn submit(&mut self, transfers: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Vec<TransferResult>> {
        let o = Opts::new(options, "options")?;
        let batch = array(&transfers, "transfers")?
            .iter()
            .enumerate()
            .map(|(i, t)| transfer(t, &format!("transfers[{i}]")))
            .collect::<Res<Vec<_>>>()?;
        let inner = self.live()?;
        let ts = inner.ts(&o)?;
        let Inner { ledger, out, .. } = inner;
        ledger.submit(ts, &batch, out).map_err(ledger_err)?;
        Ok(out.iter().map(|r| TransferResult { id: r.id.0, status: r.status.code().into() }).collect())
    }

    /// Passes time: expires due holds; their ids, in order.
    #[napi(catch_unwind, ts_args_type = "now: bigint | number")]
    pub fn on_time(&mut self, now: Unknown<'_>) -> Result<Vec<u128>> {
        let now = Timestamp(u64_arg(&now, "now")?);
        let mut expired = Vec::new();
        self.live()?.ledger.on_time(now, &mut expired).map_err(ledger_err)?;
        Ok(expired.into_iter().map(|id| id.0).collect())
    }

    /// When the next hold expires (`null`: none).
    #[napi]
    pub fn next_deadline(&self) -> Result<Option<u64>> {
        Ok(self.get()?.ledger.next_deadline().map(|t| t.0))
    }

    /// An account's balance columns (`null`: no such account).
    #[napi(catch_unwind, ts_args_type = "owner: bigint | number, asset: number")]
    pub fn balance(&self, owner: Unknown<'_>, asset: Unknown<'_>) -> Result<Option<Balance>> {
        let k = owner_asset(&owner, &asset)?;
        Ok(self.get()?.ledger.balance(k).map(|b| Balance {
            posted: b.posted(),
            available: b.available(),
            debits_pending: b.debits_pending.minor(),
            debits_posted: b.debits_posted.minor(),
            credits_pending: b.credits_pending.minor(),
            credits_posted: b.credits_posted.minor(),
        }))
    }

    /// A hold by its pending transfer's id (`null`: none).
    #[napi(catch_unwind, ts_args_type = "id: bigint | number")]
    pub fn hold(&self, id: Unknown<'_>) -> Result<Option<Hold>> {
        let id = TransferId(uint(&id, 128, "id")?);
        Ok(self.get()?.ledger.hold(id).map(|h| Hold {
            id: h.id.0,
            debit: account_of(h.debit_account),
            credit: account_of(h.credit_account),
            state: hold_state(h.state).into(),
            pending_amount: h.pending_amount().minor(),
            posted_amount: h.posted_amount.minor(),
            expires_at: h.expires_at.map(|t| t.0),
        }))
    }

    /// The open holds on an account, oldest first (their ids).
    #[napi(catch_unwind, ts_args_type = "owner: bigint | number, asset: number")]
    pub fn holds_of(&self, owner: Unknown<'_>, asset: Unknown<'_>) -> Result<Vec<u128>> {
        let k = owner_asset(&owner, &asset)?;
        Ok(self.get()?.ledger.holds_of(k).into_iter().map(|h| h.id.0).collect())
    }

    /// Per-asset totals (`null`: unknown asset).
    #[napi(catch_unwind, ts_args_type = "asset: number")]
    pub fn totals(&self, asset: Unknown<'_>) -> Result<Option<Totals>> {
        let a = AssetId(u32_arg(&asset, "asset")?);
        Ok(self.get()?.ledger.totals(a).map(|t| Totals {
            posted: t.posted.minor(),
            pending: t.pending.minor(),
            accounts: t.accounts,
        }))
    }

    /// How many journal entries name the account.
    #[napi(catch_unwind, ts_args_type = "owner: bigint | number, asset: number")]
    pub fn entries_of(&self, owner: Unknown<'_>, asset: Unknown<'_>) -> Result<u32> {
        let k = owner_asset(&owner, &asset)?;
        Ok(u32::try_from(self.get()?.ledger.entries_of(k).len()).unwrap_or(u32::MAX))
    }

    /// The same for the same journal.
    #[napi]
    pub fn state_hash(&self) -> Result<u64> {
        Ok(self.get()?.ledger.state_hash())
    }

    /// Walks the whole ledger; throws `invariant_violated` on an inconsistency (a bug).
    #[napi]
    pub fn check_invariants(&self) -> Result<()> {
        self.get()?.ledger.check_invariants().map_err(|e| fail("invariant_violated", format!("{e:?}")))
    }

    /// The journal (every entry, in order) as bytes, for `Ledger.replay`.
    #[napi]
    pub fn journal(&self) -> Result<Buffer> {
        serde_json::to_vec(self.get()?.ledger.journal()).map(Buffer::from).map_err(undecodable)
    }

    /// A ledger rebuilt by replaying `journal()` bytes under the same config.
    #[napi(factory, catch_unwind, ts_args_type = "journal: Buffer, config?: ConstructorParameters<typeof Ledger>[0]")]
    pub fn replay(journal: Buffer, config_in: Option<Unknown<'_>>) -> Result<Self> {
        let entries: Vec<JournalEntry> = serde_json::from_slice(&journal).map_err(undecodable)?;
        let config = config(&Opts::new(config_in, "config")?)?;
        let ledger = CoreLedger::replay(config, &entries)
            .map_err(|e| fail("replay_diverged", format!("the journal does not replay: {e}")))?;
        Ok(Ledger::open(ledger))
    }

    /// The whole state as bytes, for `Ledger.restore`.
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        serde_json::to_vec(&self.get()?.ledger.snapshot()).map(Buffer::from).map_err(undecodable)
    }

    /// A ledger from `snapshot()` bytes.
    #[napi(factory, catch_unwind)]
    pub fn restore(data: Buffer) -> Result<Self> {
        let snap: LedgerSnapshot = serde_json::from_slice(&data).map_err(undecodable)?;
        Ok(Ledger::open(CoreLedger::restore(&snap).map_err(ledger_err)?))
    }

    /// Releases the native state now; any later call throws `closed`.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}
