//! Decoding a sealed envelope allocates in proportion to its payload: a length prefix that
//! claims more elements than bytes remain (2^40 rows, a 2^40-entry row, 2^40 primes) reserves
//! nothing up front and ends in a typed error.
//!
//! A counting global allocator (this test binary only) measures the bytes the decoding thread
//! requests; tests run on their own threads, so the count is per test.

use nit_ring::serial::{open, seal, BasisWire, PolyWire};
use nit_ring::RingError;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static REQUESTED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = REQUESTED.try_with(|r| r.set(r.get() + bytes));
}

struct Counting;

// SAFETY: every method forwards its arguments unchanged to the system allocator, so the
// caller's contract for `GlobalAlloc` is the system allocator's.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded under the caller's contract (non-zero size layout).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by `System` with this layout (every allocation is).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as in `dealloc`; new_size is the caller's valid size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes requested while `f` runs on this thread.
fn requested_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = REQUESTED.with(Cell::get);
    let value = f();
    (value, REQUESTED.with(Cell::get) - before)
}

const CLAIM: u64 = 1 << 40;

fn basis() -> BasisWire {
    BasisWire {
        m: 1023,
        moduli: vec![1_000_000_000_000_001],
    }
}

/// Postcard writes a sequence length as the varint of a u64, so a tuple of integers after a
/// valid prefix forges any length prefix.
#[test]
fn length_prefixes_beyond_the_payload_allocate_nothing_up_front() {
    let forged = [
        // rows: 2^40 rows follow.
        seal("ring.dcrt", &(basis(), CLAIM)).unwrap(),
        // rows: one row of 2^40 entries.
        seal("ring.dcrt", &(basis(), 1u64, CLAIM)).unwrap(),
        // basis.moduli: 2^40 primes.
        seal("ring.dcrt", &(1023u64, CLAIM)).unwrap(),
        // 3 rows of 2^40 entries each, the first two cut short by the third's prefix.
        seal("ring.dcrt", &(basis(), 3u64, CLAIM, CLAIM, CLAIM)).unwrap(),
    ];
    for bytes in &forged {
        let (decoded, requested) = requested_by(|| open::<PolyWire>("ring.dcrt", bytes));
        assert!(matches!(decoded, Err(RingError::Corrupt(_))), "{decoded:?}");
        assert!(
            requested <= 32 * bytes.len() + 4096,
            "{requested} bytes requested for a {}-byte envelope",
            bytes.len()
        );
    }
}

/// A valid envelope costs what its contents need: about the decoded size, not a multiple of
/// a claimed one.
#[test]
fn valid_payload_allocates_about_its_decoded_size() {
    let wire = PolyWire {
        basis: basis(),
        rows: vec![vec![7u64; 600]],
    };
    let bytes = seal("ring.dcrt", &wire).unwrap();
    let (decoded, requested) = requested_by(|| open::<PolyWire>("ring.dcrt", &bytes).unwrap());
    assert_eq!(decoded, wire);
    let decoded_size = 600 * 8 + 8 + 24;
    assert!(
        requested <= 2 * decoded_size + 4096,
        "{requested} bytes requested"
    );
}
