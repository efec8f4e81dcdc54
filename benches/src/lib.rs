//! Shared pieces of the bench binaries: a counting global allocator, a
//! latency summary, and the shared peers workload ([`peers`]).

pub mod peers;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Counts allocations and live bytes; install with `#[global_allocator]`.
pub struct CountingAlloc;

pub static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // Const-initialised, so reading it never allocates (safe inside the allocator).
    static THREAD_ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_one() {
    ALLOCS.fetch_add(1, Relaxed);
    let _ = THREAD_ALLOCS.try_with(|c| c.set(c.get() + 1));
}
pub static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
pub static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        let live = LIVE_BYTES.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK_BYTES.fetch_max(live, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        if new_size >= layout.size() {
            let live = LIVE_BYTES.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK_BYTES.fetch_max(live, Relaxed);
        } else {
            LIVE_BYTES.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations (and reallocations) made by the calling thread so far.
pub fn allocs() -> u64 {
    THREAD_ALLOCS.try_with(|c| c.get()).unwrap_or(0)
}

pub fn live_bytes() -> usize {
    LIVE_BYTES.load(Relaxed)
}

/// "p50 … max" in ns from an HDR histogram.
pub fn percentiles(h: &hdrhistogram::Histogram<u64>) -> String {
    format!(
        "p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max()
    )
}
