//! Holds (pending transfers): their life cycle, the stored record and its
//! public view, and the bookkeeping that keeps every pending hold in the
//! open-hold list once and, if it has a timeout, in the deadline set.

use serde::{Deserialize, Serialize};

use crate::types::{AccountKey, Amount, Timestamp, TransferId};

use super::Ledger;

/// Where a hold is in its life. A hold leaves `Pending` at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HoldState {
    /// Reserved; counted in the pending columns.
    Pending,
    /// Settled (fully or partially) by a post; the remainder was released.
    Posted,
    /// Released by a void.
    Voided,
    /// Released by its timeout.
    Expired,
}

impl HoldState {
    pub(super) fn ordinal(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Posted => 1,
            Self::Voided => 2,
            Self::Expired => 3,
        }
    }
}

/// A hold (pending transfer) as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hold {
    pub(super) id: TransferId,
    pub(super) debit: u32,
    pub(super) credit: u32,
    pub(super) amount: Amount,
    /// `None`: never expires.
    pub(super) expires_at: Option<Timestamp>,
    pub(super) state: HoldState,
    /// Position in `open_holds` while pending.
    pub(super) open_pos: u32,
    /// The post or void that resolved it (0 otherwise).
    pub(super) resolved_by: TransferId,
    /// Amount settled by its posts (`post_part`s included).
    pub(super) posted_amount: Amount,
}

/// A read-only view of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldView {
    /// The pending transfer's id.
    pub id: TransferId,
    /// Account whose funds are held.
    pub debit_account: AccountKey,
    /// Account the funds are held for.
    pub credit_account: AccountKey,
    /// The amount reserved: as made, then as set by resizes and reduced by
    /// `post_part`s. While pending, what is still held.
    pub amount: Amount,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Where it is in its life.
    pub state: HoldState,
    /// The post or void that resolved it, if any.
    pub resolved_by: Option<TransferId>,
    /// The amount its posts settled so far: `post_part`s and the final post.
    pub posted_amount: Amount,
}

impl HoldView {
    /// The amount still reserved: the full amount while pending, else zero.
    #[must_use]
    pub fn pending_amount(&self) -> Amount {
        if self.state == HoldState::Pending {
            self.amount
        } else {
            Amount::ZERO
        }
    }
}

impl Ledger {
    // `open_hold` and `close_hold` are inlined on the transfer path; the
    // deadline set (holds with a timeout only) is kept out of line.

    /// Adds a pending hold to the open list and deadline set.
    #[inline(always)]
    pub(super) fn open_hold(&mut self, hold: u32) {
        let pos = u32::try_from(self.open_holds.len()).unwrap_or(u32::MAX);
        self.open_holds.push(hold);
        if let Some(h) = self.holds.get_mut(hold as usize) {
            h.open_pos = pos;
            if let Some(at) = h.expires_at {
                self.add_deadline(at, hold);
            }
        }
    }

    #[inline(never)]
    fn add_deadline(&mut self, at: Timestamp, hold: u32) {
        self.deadlines.insert((at, hold));
    }

    #[inline(never)]
    fn remove_deadline(&mut self, at: Timestamp, hold: u32) {
        self.deadlines.remove(&(at, hold));
    }

    /// Removes a hold from the open list and deadline set.
    #[inline(always)]
    pub(super) fn close_hold(&mut self, hold: u32) {
        let Some(h) = self.holds.get(hold as usize) else {
            return;
        };
        let (expires_at, open_pos) = (h.expires_at, h.open_pos);
        if let Some(at) = expires_at {
            self.remove_deadline(at, hold);
        }
        let pos = open_pos as usize;
        if pos < self.open_holds.len() {
            self.open_holds.swap_remove(pos);
            if let Some(&moved) = self.open_holds.get(pos) {
                if let Some(m) = self.holds.get_mut(moved as usize) {
                    m.open_pos = open_pos;
                }
            }
        }
    }
}
