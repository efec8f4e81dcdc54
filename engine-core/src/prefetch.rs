//! A cache hint: the crate's one `unsafe` block.
//!
//! [`crate::Engine::apply_batch`] asks for the cache lines its next few commands
//! will touch (id-index slot, order record, queue neighbours) while the current
//! command runs. A book that outgrows L2 is otherwise bound by memory latency:
//! each random cancel waits for three dependent misses in a row.

/// Asks the CPU to start loading the cache line that holds `r` into L1. Only a
/// hint: it changes no program state and cannot fault. A no-op off x86_64.
#[inline(always)]
pub(crate) fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: `prefetcht0` reads nothing into a register, writes nothing and never
    // faults, and the address comes from a live reference. The intrinsic is
    // `unsafe` only because it is declared `#[target_feature(enable = "sse")]`,
    // and SSE is part of the x86_64 baseline, so every x86_64 CPU has it.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((r as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}
