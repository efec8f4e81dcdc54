//! Where the native state of every `Engine` and `Broker` lives: a per-thread
//! table of cells, indexed by a handle the JavaScript object carries.
//!
//! Why: a napi-rs class method costs ~10× a free function here (the `this`
//! unwrap and type check), so the per-call hot paths (`place`, `cancel`) are
//! free functions taking the handle, which `lib.js` calls from the class's
//! methods; the class methods themselves find the same state by handle.
//!
//! Handles are never reused (a closed object's handle stays dead), so a stale
//! object can never reach another's state. Each state is its own `RefCell`:
//! a re-entrant call (a getter in an options object calling back into the same
//! object while it is busy) is refused with `reentrant_call`, never aliased.

use std::cell::RefCell;
use std::rc::Rc;

use crate::errors::{closed, fail, Res};

/// One kind of object's states on this thread (Node runs each worker on its own).
#[derive(Debug)]
pub struct Table<T> {
    cells: RefCell<Vec<Option<Rc<RefCell<T>>>>>,
    what: &'static str,
}

impl<T> Table<T> {
    pub const fn new(what: &'static str) -> Self {
        Table { cells: RefCell::new(Vec::new()), what }
    }

    pub fn insert(&self, value: T) -> Res<u32> {
        let mut cells = self.cells.borrow_mut();
        let handle = u32::try_from(cells.len())
            .map_err(|_| fail("capacity_reached", format!("more than 2^32 {} objects on this thread", self.what)))?;
        cells.push(Some(Rc::new(RefCell::new(value))));
        Ok(handle)
    }

    pub fn remove(&self, handle: u32) {
        if let Ok(mut cells) = self.cells.try_borrow_mut() {
            if let Some(slot) = cells.get_mut(handle as usize) {
                *slot = None;
            }
        }
    }

    fn cell(&self, handle: u32) -> Res<Rc<RefCell<T>>> {
        let cells = self.cells.try_borrow().map_err(|_| reentrant(self.what))?;
        cells.get(handle as usize).and_then(|c| c.clone()).ok_or_else(|| closed(self.what))
    }

    /// Runs `f` on the state behind `handle`, mutably.
    pub fn with<R>(&self, handle: u32, f: impl FnOnce(&mut T) -> Res<R>) -> Res<R> {
        let cell = self.cell(handle)?;
        let mut guard = cell.try_borrow_mut().map_err(|_| reentrant(self.what))?;
        f(&mut guard)
    }

    pub fn is_open(&self, handle: u32) -> bool {
        self.cell(handle).is_ok()
    }
}

fn reentrant(what: &str) -> crate::errors::Fail {
    fail("reentrant_call", format!("this {what} is busy with another call (a callback re-entered it)"))
}
