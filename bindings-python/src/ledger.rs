//! `brokerx.Ledger`, `brokerx.Transfer` and the ledger's views: conversions around
//! `brokerx-ledger`, nothing else.
//!
//! Amounts are `decimal.Decimal` (or `str`) in the asset's units, converted with
//! the asset's scale exactly or refused (`InvalidAmount`); `amount_minor=` takes
//! integer minor units instead. Out, amounts are `Decimal` with the asset's scale.
//! A transfer's outcome is a `TransferResult` with the ledger's stable status
//! code (refusals are results, as in Rust); `raise_for_status()` turns a refusal
//! into `InsufficientFunds`, `IdempotencyConflict`, `LimitExceeded` or `TransferRefused`.
//!
//! The same locking rule as `Engine`: the mutex is held only around pure Rust.

use std::sync::{Mutex, MutexGuard, TryLockError};

use brokerx_engine::clock::HostClock;
use brokerx_ledger::{
    AccountBalance, AccountKey, AccountSpec, Amount, AssetId, AssetSpec, DailyLimit, HoldState, HoldView, JournalEntry,
    Ledger as RLedger, LedgerConfig, LedgerError, LedgerSnapshot, LimitSide, OwnerId, Policy, Timestamp,
    Transfer as RTransfer, TransferCode, TransferFlags, TransferId, TransferLimit, TransferResult as RResult,
    TransferStatus, WalletLimit,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};
use rust_decimal::Decimal;

use crate::convert::{decimal_to_py, to_decimal_opt, to_ts_named, to_ts_opt, wall_ns, Kind};
use crate::errors::{new_error, transfer_error};

/// `(posted, pending, accounts)` of an asset, amounts as `decimal.Decimal`.
type Totals = (Py<PyAny>, Py<PyAny>, u32);

fn ledger_err(py: Python<'_>, e: &LedgerError) -> PyErr {
    new_error(py, e.code(), e.to_string())
}

fn key(k: (u64, u32)) -> AccountKey {
    AccountKey { owner: OwnerId(k.0), asset: AssetId(k.1) }
}

/// An amount as given: asset units (converted with the asset's scale) or minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AmountIn {
    Units(Decimal),
    Minor(u128),
}

fn amount_in(amount: Option<&Bound<'_, PyAny>>, amount_minor: Option<u128>) -> PyResult<AmountIn> {
    match (to_decimal_opt(amount, Kind::Qty, "amount")?, amount_minor) {
        (Some(d), None) => Ok(AmountIn::Units(d)),
        (None, Some(m)) => Ok(AmountIn::Minor(m)),
        (None, None) => Ok(AmountIn::Minor(0)),
        (Some(_), Some(_)) => Err(PyValueError::new_err("give amount or amount_minor, not both")),
    }
}

/// One transfer (single-phase, pending, post or void) with a caller-chosen id.
/// Build with `Transfer.single/pending/post/void`.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    t: RTransfer,
    amount: AmountIn,
}

impl Transfer {
    /// A constructor's common tail: user data, the linked flag, the amount.
    fn build(mut t: RTransfer, user_data: u128, linked: bool, amount: AmountIn) -> Self {
        t.user_data = user_data;
        if linked {
            t = t.linked();
        }
        Transfer { t, amount }
    }

    /// The ledger transfer, its amount converted with the right asset's scale.
    fn resolve(&self, l: &RLedger) -> Result<RTransfer, (&'static str, String)> {
        let mut t = self.t;
        t.amount = match self.amount {
            AmountIn::Minor(m) => Amount::from_minor(m),
            AmountIn::Units(d) => {
                let asset = if t.pending_id.0 != 0 {
                    l.hold(t.pending_id).map(|h| h.debit_account.asset)
                } else {
                    Some(t.debit_account.asset)
                };
                match asset.and_then(|a| l.asset(a)) {
                    Some(spec) => spec.amount_from_decimal(d).map_err(|e| (e.code(), e.to_string()))?,
                    // Unknown asset or hold: the ledger refuses the transfer for that
                    // reason; keep zero as zero so the status precedence is exact.
                    None if d.is_zero() => Amount::ZERO,
                    None => Amount::from_minor(1),
                }
            }
        };
        Ok(t)
    }
}

#[pymethods]
impl Transfer {
    #[classattr]
    const LINKED: u16 = TransferFlags::LINKED.0;
    #[classattr]
    const PENDING: u16 = TransferFlags::PENDING.0;
    #[classattr]
    const POST_PENDING: u16 = TransferFlags::POST_PENDING.0;
    #[classattr]
    const VOID_PENDING: u16 = TransferFlags::VOID_PENDING.0;
    #[classattr]
    const RESIZE_PENDING: u16 = TransferFlags::RESIZE_PENDING.0;
    #[classattr]
    const POST_PART: u16 = TransferFlags::POST_PART.0;

    /// Every field as the ledger sees it (`flags` from the class constants), for
    /// hosts that build transfers generically; prefer the named constructors.
    #[new]
    #[pyo3(signature = (id, *, debit=None, credit=None, amount=None, amount_minor=None, pending_id=0, timeout_ns=0, code=1, flags=0, user_data=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: u128,
        debit: Option<(u64, u32)>,
        credit: Option<(u64, u32)>,
        amount: Option<&Bound<'_, PyAny>>,
        amount_minor: Option<u128>,
        pending_id: u128,
        timeout_ns: u64,
        code: u16,
        flags: u16,
        user_data: u128,
    ) -> PyResult<Self> {
        let t = RTransfer {
            id: TransferId(id),
            debit_account: debit.map_or(AccountKey::UNSET, key),
            credit_account: credit.map_or(AccountKey::UNSET, key),
            amount: Amount::ZERO,
            pending_id: TransferId(pending_id),
            timeout_ns,
            code: TransferCode(code),
            flags: TransferFlags(flags),
            user_data,
        };
        Ok(Transfer { t, amount: amount_in(amount, amount_minor)? })
    }

    /// Moves `amount` from `debit` to `credit` (accounts are `(owner, asset)`).
    #[staticmethod]
    #[pyo3(signature = (id, debit, credit, amount=None, code=1, *, amount_minor=None, user_data=0, linked=false))]
    #[allow(clippy::too_many_arguments)]
    fn single(
        id: u128,
        debit: (u64, u32),
        credit: (u64, u32),
        amount: Option<&Bound<'_, PyAny>>,
        code: u16,
        amount_minor: Option<u128>,
        user_data: u128,
        linked: bool,
    ) -> PyResult<Self> {
        let t = RTransfer::single(TransferId(id), key(debit), key(credit), Amount::ZERO, TransferCode(code));
        Ok(Transfer::build(t, user_data, linked, amount_in(amount, amount_minor)?))
    }

    /// Holds `amount` of `debit` for `credit` until posted, voided or expired
    /// (`timeout_ns` 0 = never).
    #[staticmethod]
    #[pyo3(signature = (id, debit, credit, amount=None, code=5, *, timeout_ns=0, amount_minor=None, user_data=0, linked=false))]
    #[allow(clippy::too_many_arguments)]
    fn pending(
        id: u128,
        debit: (u64, u32),
        credit: (u64, u32),
        amount: Option<&Bound<'_, PyAny>>,
        code: u16,
        timeout_ns: u64,
        amount_minor: Option<u128>,
        user_data: u128,
        linked: bool,
    ) -> PyResult<Self> {
        let t =
            RTransfer::pending(TransferId(id), key(debit), key(credit), Amount::ZERO, TransferCode(code), timeout_ns);
        Ok(Transfer::build(t, user_data, linked, amount_in(amount, amount_minor)?))
    }

    /// Settles `amount` of the hold `pending_id`; the rest is released.
    #[staticmethod]
    #[pyo3(signature = (id, pending_id, amount=None, code=3, *, amount_minor=None, user_data=0, linked=false))]
    #[allow(clippy::too_many_arguments)]
    fn post(
        id: u128,
        pending_id: u128,
        amount: Option<&Bound<'_, PyAny>>,
        code: u16,
        amount_minor: Option<u128>,
        user_data: u128,
        linked: bool,
    ) -> PyResult<Self> {
        let t = RTransfer::post(TransferId(id), TransferId(pending_id), Amount::ZERO, TransferCode(code));
        Ok(Transfer::build(t, user_data, linked, amount_in(amount, amount_minor)?))
    }

    /// Settles `amount` of the hold `pending_id` (less than the hold) and keeps
    /// the rest pending under the same id.
    #[staticmethod]
    #[pyo3(signature = (id, pending_id, amount=None, code=3, *, amount_minor=None, user_data=0, linked=false))]
    #[allow(clippy::too_many_arguments)]
    fn post_part(
        id: u128,
        pending_id: u128,
        amount: Option<&Bound<'_, PyAny>>,
        code: u16,
        amount_minor: Option<u128>,
        user_data: u128,
        linked: bool,
    ) -> PyResult<Self> {
        let t = RTransfer::post_part(TransferId(id), TransferId(pending_id), Amount::ZERO, TransferCode(code));
        Ok(Transfer::build(t, user_data, linked, amount_in(amount, amount_minor)?))
    }

    /// Sets the hold `pending_id` to `amount` in place (growth needs the funds).
    #[staticmethod]
    #[pyo3(signature = (id, pending_id, amount=None, code=5, *, amount_minor=None, user_data=0, linked=false))]
    #[allow(clippy::too_many_arguments)]
    fn resize(
        id: u128,
        pending_id: u128,
        amount: Option<&Bound<'_, PyAny>>,
        code: u16,
        amount_minor: Option<u128>,
        user_data: u128,
        linked: bool,
    ) -> PyResult<Self> {
        let t = RTransfer::resize(TransferId(id), TransferId(pending_id), Amount::ZERO, TransferCode(code));
        Ok(Transfer::build(t, user_data, linked, amount_in(amount, amount_minor)?))
    }

    /// Releases the hold `pending_id`.
    #[staticmethod]
    #[pyo3(signature = (id, pending_id, code=5, *, user_data=0, linked=false))]
    fn void(id: u128, pending_id: u128, code: u16, user_data: u128, linked: bool) -> Self {
        let t = RTransfer::void(TransferId(id), TransferId(pending_id), TransferCode(code));
        Transfer::build(t, user_data, linked, AmountIn::Minor(0))
    }

    /// The transfer id: the ledger's idempotency key.
    #[getter]
    fn id(&self) -> u128 {
        self.t.id.0
    }
    /// `'single'`, `'pending'`, `'post'`, `'void'`, `'resize'` or `'post_part'`.
    #[getter]
    fn kind(&self) -> &'static str {
        kind_of(&self.t)
    }
    /// The debited account as `(owner, asset)`.
    #[getter]
    fn debit(&self) -> Option<(u64, u32)> {
        (self.t.debit_account != AccountKey::UNSET)
            .then_some((self.t.debit_account.owner.0, self.t.debit_account.asset.0))
    }
    /// The credited account as `(owner, asset)`.
    #[getter]
    fn credit(&self) -> Option<(u64, u32)> {
        (self.t.credit_account != AccountKey::UNSET)
            .then_some((self.t.credit_account.owner.0, self.t.credit_account.asset.0))
    }
    /// The amount as given in asset units, or None if given in minor units.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.amount {
            AmountIn::Units(d) => decimal_to_py(py, d),
            AmountIn::Minor(_) => Ok(py.None().into_bound(py)),
        }
    }
    /// The amount as given in minor units, or None if given in asset units.
    #[getter]
    fn amount_minor(&self) -> Option<u128> {
        match self.amount {
            AmountIn::Minor(m) => Some(m),
            AmountIn::Units(_) => None,
        }
    }
    /// The hold a post, void or resize names (0 for none).
    #[getter]
    fn pending_id(&self) -> u128 {
        self.t.pending_id.0
    }
    /// For a hold: how long until it expires (ns), 0 for never.
    #[getter]
    fn timeout_ns(&self) -> u64 {
        self.t.timeout_ns
    }
    /// The ledger transfer code (its kind, e.g. deposit, order hold).
    #[getter]
    fn code(&self) -> u16 {
        self.t.code.0
    }
    /// Opaque 128-bit data the host attached.
    #[getter]
    fn user_data(&self) -> u128 {
        self.t.user_data
    }
    /// The transfer's flags as a list of names.
    #[getter]
    fn flags(&self) -> u16 {
        self.t.flags.0
    }
    /// True if it is linked to the next transfer of the batch (all or nothing).
    #[getter]
    fn linked(&self) -> bool {
        self.t.is_linked()
    }
    fn __repr__(&self) -> String {
        let amount = match self.amount {
            AmountIn::Units(d) => format!("amount=Decimal('{d}')"),
            AmountIn::Minor(m) => format!("amount_minor={m}"),
        };
        format!(
            "Transfer.{}(id={}, debit={:?}, credit={:?}, {amount}, code={}, pending_id={}, linked={})",
            kind_of(&self.t),
            self.t.id.0,
            self.debit(),
            self.credit(),
            self.t.code.0,
            self.t.pending_id.0,
            if self.t.is_linked() { "True" } else { "False" }
        )
    }
}

fn kind_of(t: &RTransfer) -> &'static str {
    if t.flags.contains(TransferFlags::PENDING) {
        "pending"
    } else if t.flags.contains(TransferFlags::POST_PENDING) {
        "post"
    } else if t.flags.contains(TransferFlags::VOID_PENDING) {
        "void"
    } else if t.flags.contains(TransferFlags::RESIZE_PENDING) {
        "resize"
    } else if t.flags.contains(TransferFlags::POST_PART) {
        "post_part"
    } else {
        "single"
    }
}

/// What happened to one transfer: its id and the ledger's stable status code.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferResult {
    r: RResult,
}

#[pymethods]
impl TransferResult {
    /// The transfer's id.
    #[getter]
    fn id(&self) -> u128 {
        self.r.id.0
    }
    /// `ok`, `exists`, `insufficient_funds`, ... (see brokerx-ledger's status table).
    #[getter]
    fn status(&self) -> &'static str {
        self.r.status.code()
    }
    /// Applied now.
    #[getter]
    fn ok(&self) -> bool {
        self.r.status == TransferStatus::Ok
    }
    /// Applied now or already applied earlier with identical fields (an
    /// idempotent retry).
    #[getter]
    fn succeeded(&self) -> bool {
        matches!(self.r.status, TransferStatus::Ok | TransferStatus::Exists)
    }
    /// Raises the exception for a refusal; does nothing for `ok` and `exists`.
    fn raise_for_status(&self, py: Python<'_>) -> PyResult<()> {
        let code = self.r.status.code();
        let message = format!("transfer {} refused: {code}", self.r.id.0);
        match self.r.status {
            TransferStatus::Ok | TransferStatus::Exists => Ok(()),
            _ if code.starts_with("exists_with_different_") => Err(new_error(py, "idempotency_conflict", message)),
            _ => Err(transfer_error(py, self.r.status, message)),
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", self.r.id.0)?;
        d.set_item("status", self.r.status.code())?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!("TransferResult(id={}, status='{}')", self.r.id.0, self.r.status.code())
    }
}

/// The four balance columns of an account, in the asset's units.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    b: AccountBalance,
    scale: u8,
}

impl Balance {
    fn dec(&self, py: Python<'_>, minor: i128) -> PyResult<Py<PyAny>> {
        let d = Decimal::try_from_i128_with_scale(minor, u32::from(self.scale))
            .map_err(|_| new_error(py, "amount_overflow", format!("{minor} minor units do not fit a Decimal")))?;
        Ok(decimal_to_py(py, d)?.unbind())
    }
    fn col(&self, py: Python<'_>, a: Amount) -> PyResult<Py<PyAny>> {
        let m = i128::try_from(a.minor())
            .map_err(|_| new_error(py, "amount_overflow", format!("{} minor units do not fit a Decimal", a.minor())))?;
        self.dec(py, m)
    }
}

#[pymethods]
impl Balance {
    /// Credits posted − debits posted.
    #[getter]
    fn posted(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.dec(py, self.b.posted())
    }
    /// What may still be spent: posted − debits pending.
    #[getter]
    fn available(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.dec(py, self.b.available())
    }
    /// Debits held by pending transfers (`Decimal`).
    #[getter]
    fn debits_pending(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.col(py, self.b.debits_pending)
    }
    /// Posted debits (`Decimal`).
    #[getter]
    fn debits_posted(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.col(py, self.b.debits_posted)
    }
    /// Credits held by pending transfers (`Decimal`).
    #[getter]
    fn credits_pending(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.col(py, self.b.credits_pending)
    }
    /// Posted credits (`Decimal`).
    #[getter]
    fn credits_posted(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.col(py, self.b.credits_posted)
    }
    /// The same columns in integer minor units (never overflows a Decimal).
    fn to_minor(&self) -> std::collections::BTreeMap<&'static str, i128> {
        let m = |a: Amount| i128::try_from(a.minor()).unwrap_or(i128::MAX);
        [
            ("posted", self.b.posted()),
            ("available", self.b.available()),
            ("debits_pending", m(self.b.debits_pending)),
            ("debits_posted", m(self.b.debits_posted)),
            ("credits_pending", m(self.b.credits_pending)),
            ("credits_posted", m(self.b.credits_posted)),
        ]
        .into_iter()
        .collect()
    }
    /// JSON-ready dict of the four columns, Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in [
            ("posted", self.posted(py)?),
            ("available", self.available(py)?),
            ("debits_pending", self.debits_pending(py)?),
            ("debits_posted", self.debits_posted(py)?),
            ("credits_pending", self.credits_pending(py)?),
            ("credits_posted", self.credits_posted(py)?),
        ] {
            d.set_item(k, v.bind(py).str()?)?;
        }
        Ok(d)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Balance(posted={}, available={})",
            self.posted(py)?.bind(py).repr()?,
            self.available(py)?.bind(py).repr()?
        ))
    }
}

/// A hold (pending transfer) and where it is in its life.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    h: HoldView,
    scale: u8,
}

impl Hold {
    fn dec(&self, py: Python<'_>, a: Amount) -> PyResult<Py<PyAny>> {
        let d = a.to_decimal(self.scale).map_err(|e| new_error(py, e.code(), e.to_string()))?;
        Ok(decimal_to_py(py, d)?.unbind())
    }
}

#[pymethods]
impl Hold {
    /// The hold's transfer id.
    #[getter]
    fn id(&self) -> u128 {
        self.h.id.0
    }
    /// The debited account as `(owner, asset)`.
    #[getter]
    fn debit(&self) -> (u64, u32) {
        (self.h.debit_account.owner.0, self.h.debit_account.asset.0)
    }
    /// The credited account as `(owner, asset)`.
    #[getter]
    fn credit(&self) -> (u64, u32) {
        (self.h.credit_account.owner.0, self.h.credit_account.asset.0)
    }
    /// The amount held (`Decimal`).
    #[getter]
    fn amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.dec(py, self.h.amount)
    }
    /// Still reserved: the amount while pending, else zero.
    #[getter]
    fn pending_amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.dec(py, self.h.pending_amount())
    }
    /// What has been posted from the hold so far (`Decimal`).
    #[getter]
    fn posted_amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.dec(py, self.h.posted_amount)
    }
    /// The amount held in minor units.
    #[getter]
    fn amount_minor(&self) -> u128 {
        self.h.amount.minor()
    }
    /// What is still held in minor units.
    #[getter]
    fn pending_amount_minor(&self) -> u128 {
        self.h.pending_amount().minor()
    }
    /// What has been posted from the hold so far, in minor units.
    #[getter]
    fn posted_amount_minor(&self) -> u128 {
        self.h.posted_amount.minor()
    }
    /// When the hold expires (ns since the Unix epoch), or None.
    #[getter]
    fn expires_at(&self) -> Option<u64> {
        self.h.expires_at.map(|t| t.0)
    }
    /// `pending`, `posted`, `voided` or `expired`.
    #[getter]
    fn state(&self) -> &'static str {
        match self.h.state {
            HoldState::Pending => "pending",
            HoldState::Posted => "posted",
            HoldState::Voided => "voided",
            HoldState::Expired => "expired",
        }
    }
    /// The post or void that closed the hold, or None while pending.
    #[getter]
    fn resolved_by(&self) -> Option<u128> {
        self.h.resolved_by.map(|t| t.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Hold(id={}, state='{}', debit={:?}, credit={:?})",
            self.h.id.0,
            self.state(),
            self.debit(),
            self.credit()
        )
    }
}

/// The double-entry wallet ledger: assets, accounts, idempotent transfers,
/// holds. Deterministic; every change is journaled.
#[pyclass(frozen, module = "brokerx._native")]
#[derive(Debug)]
pub struct Ledger {
    inner: Mutex<RLedger>,
    /// Stamps calls whose `ts` was omitted (host state; only locked while
    /// `inner` is held, so the two locks are always taken in that order).
    clock: Mutex<HostClock>,
}

impl Ledger {
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, RLedger> {
        loop {
            match self.inner.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => py.detach(|| drop(self.inner.lock())),
            }
        }
    }

    fn new_with(ledger: RLedger) -> Ledger {
        Ledger { inner: Mutex::new(ledger), clock: Mutex::new(HostClock::new()) }
    }

    /// `ts`, or for an omitted one the core's rule (`brokerx_engine::clock`) on
    /// `wall_ns` and the ledger's time. Call with the ledger locked.
    fn stamp(&self, ts: Option<u64>, wall_ns: u64, now: Timestamp) -> Timestamp {
        match ts {
            Some(t) => Timestamp(t),
            None => {
                let mut c = match self.clock.lock() {
                    Ok(c) => c,
                    Err(p) => p.into_inner(),
                };
                Timestamp(c.stamp(wall_ns, brokerx_engine::Timestamp(now.0)).0)
            }
        }
    }
}

fn config_from(
    assets_max: Option<u32>,
    accounts_max: Option<u32>,
    transfers_max: Option<u32>,
    transfer_limits: Vec<(u16, u32, u128)>,
    daily_limits: Vec<(u16, u32, String, u128)>,
    wallet_limits: Vec<(u32, u128)>,
) -> PyResult<LedgerConfig> {
    let d = LedgerConfig::default();
    let daily_limits = daily_limits
        .into_iter()
        .map(|(code, asset, side, max)| {
            let side = match side.as_str() {
                "debit" => LimitSide::Debit,
                "credit" => LimitSide::Credit,
                other => {
                    return Err(PyValueError::new_err(format!("limit side must be 'debit' or 'credit', got {other:?}")))
                }
            };
            Ok(DailyLimit {
                code: TransferCode(code),
                asset: AssetId(asset),
                side,
                max_per_day: Amount::from_minor(max),
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(LedgerConfig {
        policy: Policy {
            transfer_limits: transfer_limits
                .into_iter()
                .map(|(code, asset, max)| TransferLimit {
                    code: TransferCode(code),
                    asset: AssetId(asset),
                    max_amount: Amount::from_minor(max),
                })
                .collect(),
            daily_limits,
            wallet_limits: wallet_limits
                .into_iter()
                .map(|(asset, max)| WalletLimit { asset: AssetId(asset), max_balance: Amount::from_minor(max) })
                .collect(),
        },
        assets_max: assets_max.unwrap_or(d.assets_max),
        accounts_max: accounts_max.unwrap_or(d.accounts_max),
        transfers_max: transfers_max.unwrap_or(d.transfers_max),
        ..d
    })
}

#[pymethods]
impl Ledger {
    /// Limits are in minor units: `transfer_limits=[(code, asset, max)]`,
    /// `daily_limits=[(code, asset, "debit" | "credit", max_per_day)]`,
    /// `wallet_limits=[(asset, max_balance)]` (the default for wallets in the asset).
    #[new]
    #[pyo3(signature = (*, assets_max=None, accounts_max=None, transfers_max=None, transfer_limits=Vec::new(), daily_limits=Vec::new(), wallet_limits=Vec::new()))]
    fn new(
        assets_max: Option<u32>,
        accounts_max: Option<u32>,
        transfers_max: Option<u32>,
        transfer_limits: Vec<(u16, u32, u128)>,
        daily_limits: Vec<(u16, u32, String, u128)>,
        wallet_limits: Vec<(u32, u128)>,
    ) -> PyResult<Self> {
        let config =
            config_from(assets_max, accounts_max, transfers_max, transfer_limits, daily_limits, wallet_limits)?;
        Ok(Ledger::new_with(RLedger::new(config)))
    }

    /// Creates an asset with `scale` decimal places (USD 2, BTC 8, shares 0).
    #[pyo3(signature = (asset, code, scale, *, ts=None))]
    fn create_asset(
        &self,
        py: Python<'_>,
        asset: u32,
        code: &str,
        scale: u8,
        ts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ts = to_ts_opt(ts, "ts")?;
        let wall = if ts.is_none() { wall_ns(py)? } else { 0 };
        let spec = AssetSpec { id: AssetId(asset), code: code.to_owned(), scale };
        let r = {
            let mut g = self.lock(py);
            let now = self.stamp(ts, wall, g.now());
            g.create_asset(now, spec)
        };
        r.map_err(|e| ledger_err(py, &e))
    }

    /// Creates `(owner, asset)`: a wallet (never negative) or, with
    /// `system=True`, an account that may go negative (the bank side).
    #[pyo3(signature = (owner, asset, *, system=false, max_balance=None, max_balance_minor=None, ts=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_account(
        &self,
        py: Python<'_>,
        owner: u64,
        asset: u32,
        system: bool,
        max_balance: Option<&Bound<'_, PyAny>>,
        max_balance_minor: Option<u128>,
        ts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ts = to_ts_opt(ts, "ts")?;
        let wall = if ts.is_none() { wall_ns(py)? } else { 0 };
        let max_balance = to_decimal_opt(max_balance, Kind::Qty, "max_balance")?;
        let k = key((owner, asset));
        let r = {
            let mut g = self.lock(py);
            let now = self.stamp(ts, wall, g.now());
            let mut spec = if system { AccountSpec::system(k) } else { AccountSpec::wallet(k) };
            if let Some(m) = max_balance_minor {
                spec = spec.with_max_balance(Amount::from_minor(m));
            }
            match max_balance {
                Some(d) => match g.asset(AssetId(asset)).map(|a| a.amount_from_decimal(d)) {
                    Some(Ok(a)) => {
                        spec = spec.with_max_balance(a);
                        g.create_account(now, spec).map_err(|e| (e.code(), e.to_string()))
                    }
                    Some(Err(e)) => Err((e.code(), e.to_string())),
                    None => g.create_account(now, spec).map_err(|e| (e.code(), e.to_string())),
                },
                None => g.create_account(now, spec).map_err(|e| (e.code(), e.to_string())),
            }
        };
        r.map_err(|(code, msg)| new_error(py, code, msg))
    }

    /// Applies a batch in order; one result per transfer. Linked transfers
    /// succeed or fail together. Raises only if the call cannot be evaluated
    /// (time going backwards, an amount that does not fit its asset).
    #[pyo3(signature = (transfers, *, ts=None))]
    fn submit(
        &self,
        py: Python<'_>,
        transfers: Vec<Bound<'_, Transfer>>,
        ts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<TransferResult>> {
        let ts = to_ts_opt(ts, "ts")?;
        let wall = if ts.is_none() { wall_ns(py)? } else { 0 };
        let mut out = Vec::with_capacity(transfers.len());
        let r = {
            let mut g = self.lock(py);
            let now = self.stamp(ts, wall, g.now());
            match transfers.iter().map(|t| t.get().resolve(&g)).collect::<Result<Vec<_>, _>>() {
                Ok(batch) => g.submit(now, &batch, &mut out).map_err(|e| (e.code(), e.to_string())),
                Err(e) => Err(e),
            }
        };
        r.map_err(|(code, msg)| new_error(py, code, msg))?;
        Ok(out.into_iter().map(|r| TransferResult { r }).collect())
    }

    /// Advances time to `now`, expiring due holds; returns their ids in order.
    fn on_time(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<Vec<u128>> {
        let now = Timestamp(to_ts_named(now, "now")?);
        let mut expired = Vec::new();
        let r = self.lock(py).on_time(now, &mut expired);
        r.map_err(|e| ledger_err(py, &e))?;
        Ok(expired.into_iter().map(|t| t.0).collect())
    }

    /// When the next hold expires (ns), or None.
    fn next_deadline(&self, py: Python<'_>) -> Option<u64> {
        self.lock(py).next_deadline().map(|t| t.0)
    }

    /// The ledger's time: the latest timestamp it has seen.
    #[getter]
    fn now(&self, py: Python<'_>) -> u64 {
        self.lock(py).now().0
    }

    /// An account's balance, or None if it does not exist.
    fn balance(&self, py: Python<'_>, owner: u64, asset: u32) -> Option<Balance> {
        let g = self.lock(py);
        let b = g.balance(key((owner, asset)))?;
        let scale = g.asset(AssetId(asset))?.scale;
        Some(Balance { b, scale })
    }

    /// A hold by its pending transfer's id.
    fn hold(&self, py: Python<'_>, id: u128) -> Option<Hold> {
        let g = self.lock(py);
        let h = g.hold(TransferId(id))?;
        let scale = g.asset(h.debit_account.asset)?.scale;
        Some(Hold { h, scale })
    }

    /// Open holds of an account, oldest first.
    fn holds_of(&self, py: Python<'_>, owner: u64, asset: u32) -> Vec<Hold> {
        let g = self.lock(py);
        let scale = g.asset(AssetId(asset)).map(|a| a.scale).unwrap_or(0);
        g.holds_of(key((owner, asset))).into_iter().map(|h| Hold { h, scale }).collect()
    }

    /// `(posted, pending, accounts)` of an asset, or None.
    fn totals(&self, py: Python<'_>, asset: u32) -> PyResult<Option<Totals>> {
        let g = self.lock(py);
        let (Some(t), Some(spec)) = (g.totals(AssetId(asset)), g.asset(AssetId(asset)).cloned()) else {
            return Ok(None);
        };
        drop(g);
        let d = |a: Amount| -> PyResult<Py<PyAny>> {
            let v = spec.amount_to_decimal(a).map_err(|e| new_error(py, e.code(), e.to_string()))?;
            Ok(decimal_to_py(py, v)?.unbind())
        };
        Ok(Some((d(t.posted)?, d(t.pending)?, t.accounts)))
    }

    /// `(posted, pending, accounts)` of an asset in minor units, or None.
    fn totals_minor(&self, py: Python<'_>, asset: u32) -> Option<(u128, u128, u32)> {
        self.lock(py).totals(AssetId(asset)).map(|t| (t.posted.minor(), t.pending.minor(), t.accounts))
    }

    /// Number of journal entries of an account.
    fn entries_of(&self, py: Python<'_>, owner: u64, asset: u32) -> usize {
        self.lock(py).entries_of(key((owner, asset))).len()
    }

    /// Number of journal entries.
    #[getter]
    fn journal_len(&self, py: Python<'_>) -> usize {
        self.lock(py).journal().len()
    }

    /// The journal (every state change, in order) as JSON bytes; see `replay`.
    #[pyo3(signature = (start=0))]
    fn journal<'py>(&self, py: Python<'py>, start: usize) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = {
            let g = self.lock(py);
            serde_json::to_vec(g.journal().get(start..).unwrap_or(&[]))
        };
        let bytes = bytes.map_err(|e| new_error(py, "snapshot_undecodable", e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Rebuilds a ledger from `journal()` bytes, re-executing and checking
    /// every entry. The limits must be the ones the journal was written under.
    #[classmethod]
    #[pyo3(signature = (journal, *, assets_max=None, accounts_max=None, transfers_max=None, transfer_limits=Vec::new(), daily_limits=Vec::new(), wallet_limits=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn replay(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        journal: &[u8],
        assets_max: Option<u32>,
        accounts_max: Option<u32>,
        transfers_max: Option<u32>,
        transfer_limits: Vec<(u16, u32, u128)>,
        daily_limits: Vec<(u16, u32, String, u128)>,
        wallet_limits: Vec<(u32, u128)>,
    ) -> PyResult<Ledger> {
        let config =
            config_from(assets_max, accounts_max, transfers_max, transfer_limits, daily_limits, wallet_limits)?;
        let entries: Vec<JournalEntry> = serde_json::from_slice(journal)
            .map_err(|e| new_error(py, "snapshot_undecodable", format!("journal bytes do not decode: {e}")))?;
        let l = py.detach(|| RLedger::replay(config, &entries)).map_err(|e| ledger_err(py, &e))?;
        Ok(Ledger::new_with(l))
    }

    /// A hash of the whole state; equal states hash equal.
    fn state_hash(&self, py: Python<'_>) -> u64 {
        self.lock(py).state_hash()
    }

    /// Walks the whole state; raises `InvariantViolation` if anything is off.
    fn check_invariants(&self, py: Python<'_>) -> PyResult<()> {
        let r = self.lock(py).check_invariants();
        r.map_err(|e| new_error(py, "invariant_violated", e.to_string()))
    }

    /// The whole state (config, journal, clock, hash) as JSON bytes.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let snap = self.lock(py).snapshot();
        let bytes = serde_json::to_vec(&snap).map_err(|e| new_error(py, "snapshot_undecodable", e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A ledger from `snapshot()` bytes (verified against the recorded hash).
    #[classmethod]
    fn restore(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<Ledger> {
        let snap: LedgerSnapshot = serde_json::from_slice(data)
            .map_err(|e| new_error(py, "snapshot_undecodable", format!("snapshot bytes do not decode: {e}")))?;
        let l = py.detach(|| RLedger::restore(&snap)).map_err(|e| ledger_err(py, &e))?;
        Ok(Ledger::new_with(l))
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let restore = slf.get_type().getattr("restore")?;
        Ok((restore, (slf.get().snapshot(py)?,)))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let g = self.lock(py);
        format!("Ledger(accounts={}, journal_len={}, now={})", g.account_keys().count(), g.journal().len(), g.now().0)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ledger>()?;
    m.add_class::<Transfer>()?;
    m.add_class::<TransferResult>()?;
    m.add_class::<Balance>()?;
    m.add_class::<Hold>()?;
    Ok(())
}
