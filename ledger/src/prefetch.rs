//! A cache hint for the ledger's two wide append-only arrays, the journal
//! (144-byte entries) and the hold records (96 bytes): the crate's one `unsafe`
//! block.
//!
//! Both only ever grow at the end, into capacity reserved (and, with
//! `prefault`, touched) when the ledger was made and long since evicted to
//! memory: each new line an append writes must first come back from DRAM,
//! ~2.3 journal lines per transfer and six transfers per settled fill. Asking
//! for the lines a little ahead of the writes overlaps those waits with the
//! work (in `broker_bench`, ~7–12 % less time per fill; see docs/performance.md).
//! The narrow arrays (entry links, the id run: 8 bytes per append) miss once
//! per eight appends and are left to the hardware prefetcher.

/// How far ahead of the end to ask, in bytes: about a settlement chain's
/// journal entries, so the lines arrive before the chain reaches them; a
/// small part of L1, so they are still there when it does.
const AHEAD: usize = 1024;

/// Asks the CPU to start loading the cache lines an append `AHEAD` bytes from
/// now will write. Only a hint: it changes no program state and cannot fault,
/// and it asks only for memory inside `v`'s allocation. A no-op off x86_64.
#[inline(always)]
pub(crate) fn prefetch_append<T>(v: &Vec<T>) {
    let size = std::mem::size_of::<T>();
    let spare = (v.capacity() - v.len()).saturating_mul(size);
    if spare < AHEAD + size {
        return;
    }
    // Byte addresses as integers: no pointer arithmetic outside the
    // initialised part is needed. Only lines that start inside this append's
    // window are asked for, so the windows of successive appends ask for each
    // line once (for small elements, one append in several asks for one).
    let window = v.as_ptr() as usize + v.len() * size + AHEAD;
    let mut line = (window + 63) & !63;
    while line < window + size {
        hint(line);
        line += 64;
    }
}

#[inline(always)]
fn hint(addr: usize) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: `prefetcht0` reads nothing into a register, writes nothing and
    // never faults whatever the address. The intrinsic is `unsafe` only because
    // it is declared `#[target_feature(enable = "sse")]`, and SSE is part of
    // the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(addr as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = addr;
}

#[cfg(test)]
mod tests {
    use super::prefetch_append;

    #[test]
    fn hints_at_any_fill_level_change_nothing_and_never_panic() {
        let mut full: Vec<[u8; 144]> = Vec::with_capacity(4);
        full.extend([[1; 144]; 4]);
        let mut roomy: Vec<[u8; 144]> = Vec::with_capacity(64);
        roomy.push([2; 144]);
        let (zst, empty): (Vec<()>, Vec<u64>) = (vec![(); 3], Vec::new());
        let before = (full.clone(), full.capacity(), roomy.clone(), roomy.capacity());
        prefetch_append(&full);
        prefetch_append(&roomy);
        prefetch_append(&zst);
        prefetch_append(&empty);
        assert_eq!((full.clone(), full.capacity(), roomy.clone(), roomy.capacity()), before);
        assert_eq!((zst.len(), empty.len()), (3, 0));
    }
}
