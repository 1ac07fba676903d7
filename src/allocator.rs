//! jemalloc with transparent huge pages, for a program that chooses it: the `fhe-nit` binary,
//! the benchmarks and the integration tests each write [`install_jemalloc!`] once. The
//! library installs nothing: the process allocator belongs to the program (this module is
//! compiled only with the `jemalloc` feature, on by default).
//!
//! At m = 32767 each prime's transforms use about 5.5 MB of tables (tfhe-ntt's twiddles with
//! their Shoup companions, 2 MB; Bluestein's chirps and kernel transforms, 3.5 MB), and a key
//! switch at 12 ciphertext primes visits 18 primes, 90 DFTs, plus 27 MB of key. In 4 KiB
//! pages that is tens of thousands of pages per key switch, far past the TLB: measured, a
//! forward DFT cost 0.35 ms when it reused one prime's tables and 0.55 ms when cycling over
//! 18 primes. With 2 MiB pages (`thp:always` makes jemalloc advise the kernel with
//! MADV_HUGEPAGE on its mappings; a kernel whose THP mode is `never` just ignores it) the
//! cycling DFT costs 0.45 ms and a good-dimension rotation at 12 primes is 15-25% faster
//! (docs/BENCHMARKS.md).
//! Freed pages go back to the kernel after 60 s (`dirty_decay_ms:60000`): the history of this
//! file (commits 21eade0, 2e4ee3a) measured 60 s fastest (a multiplication at paper/12: 82 ms
//! with jemalloc's default 10 s, 45 ms with 60 s, 90 ms with no decay), but the options string
//! had kept decay off (`-1`) until an encrypted training step's resident memory grew past
//! 14 GB with it (under 4.2 GB with 60 s decay). Figures in docs/BENCHMARKS.md measured before
//! 2026-12-01 ran with decay off.
//! Programs that use the layer crates without it keep their own allocator; with glibc,
//! `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` has part of the effect.

use std::ffi::c_char;

pub use tikv_jemallocator::Jemalloc;

/// A C string pointer jemalloc reads at start-up (immutable, so shared freely).
#[repr(transparent)]
pub struct MallocConf(*const c_char);

// SAFETY: the only value of this type is `OPTIONS`, a pointer to a static, immutable,
// NUL-terminated string, so sharing it between threads shares read-only data.
unsafe impl Sync for MallocConf {}

/// jemalloc's options: huge pages for data and for jemalloc's own metadata, freed pages
/// returned after 60 s (with decay off, an encrypted training step's resident memory grew past
/// 14 GB on one thread where it stays under 4.2 GB with it).
pub const OPTIONS: MallocConf = MallocConf(
    c"thp:always,metadata_thp:always,dirty_decay_ms:60000,muzzy_decay_ms:60000".as_ptr(),
);

/// Makes jemalloc with [`OPTIONS`] the allocator of the program that expands it (once, at the
/// root of a binary, benchmark or integration-test crate): a `#[global_allocator]` and
/// jemalloc's `malloc_conf` symbol (under tikv-jemalloc-sys's `_rjem_` prefix).
#[macro_export]
macro_rules! install_jemalloc {
    () => {
        #[global_allocator]
        static GLOBAL: $crate::allocator::Jemalloc = $crate::allocator::Jemalloc;

        #[export_name = "_rjem_malloc_conf"]
        static MALLOC_CONF: $crate::allocator::MallocConf = $crate::allocator::OPTIONS;
    };
}
