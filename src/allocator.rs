//! The process allocator: jemalloc with transparent huge pages, for every program that links
//! this facade (the CLI, the benchmarks, the integration tests).
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
//! Freed pages go back to the kernel only after 60 s (`dirty_decay_ms`, `muzzy_decay_ms`;
//! jemalloc's default is 10 s): with huge pages every page returned and faulted back in is
//! 2 MiB for the kernel to zero, and with the default a multiplication at paper/12 spent 43%
//! of its profile in the kernel's `clear_page` (bench: 82 ms, 45 ms with 60 s; rotate1D
//! unchanged, 36 / 35 ms; one run, 07:11). Measured and rejected in the same run: no decay at
//! all (90 / 43 ms: the heap then only grows and faults keep compacting for huge pages) and
//! jemalloc without huge pages (121 / 69 ms). Programs that use the layer crates without this
//! facade keep their own allocator; with glibc, `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` has
//! part of the effect.

use std::ffi::c_char;

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A C string pointer jemalloc reads at start-up (immutable, so shared freely).
#[repr(transparent)]
pub struct MallocConf(*const c_char);

// SAFETY: the pointer is to a static, immutable, NUL-terminated string.
unsafe impl Sync for MallocConf {}

/// jemalloc's options (its `malloc_conf` symbol, under tikv-jemalloc-sys's `_rjem_` prefix):
/// huge pages for data and for jemalloc's own metadata, freed pages returned after 60 s.
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: MallocConf =
    MallocConf(c"thp:always,metadata_thp:always,dirty_decay_ms:60000,muzzy_decay_ms:60000".as_ptr());
