//! Bit-sliced two's-complement integers and circuits over a generic boolean SIMD backend
//! (docs/ARCHITECTURE.md, section 4).
//!
//! A w-bit integer of a batch is w bit vectors ([`BitInt`]); circuits are generic functions
//! over the [`BitSimd`] backend trait and run unchanged on plaintext words ([`PlainBackend`]),
//! on an operation counter ([`CountingBackend`]) and on BGV ciphertexts.

mod adder;
mod backend;
pub mod bit;
mod compare;
pub mod conformance;
#[cfg(test)]
mod costs;
mod counting;
mod csa;
mod dot;
mod error;
mod integer;
mod lut;
mod multiply;
mod packing;
mod plain;
mod resident;
mod rounding;
mod slot_cycles;
#[cfg(test)]
mod testing;
mod total_sum;
mod words;

pub use adder::{add, add_bit, add_with_carry, increment, negate, sub, AdderKind};
pub use backend::BitSimd;
pub use bit::Bit;
pub use compare::{equal, less_equal, less_than, max, min};
pub use counting::{CountedBits, CountingBackend, GateCounts};
pub use csa::{sum_many, Columns, MAX_COLUMNS};
pub use dot::dot;
pub use error::BitslicedError;
pub use integer::{select, BitInt};
pub use lut::{lookup_encrypted, lookup_public, EncryptedTable, PublicTable, MAX_INDEX_BITS};
pub use multiply::{multiply, multiply_constant, non_adjacent_form};
pub use packing::{merge, one_hot_masks, pack_ints, place, replicate, replicate_int};
pub use plain::{PlainBackend, PlainBits, PlainError, PlainMask};
pub use resident::{primes_at_depth, ResidentBackend, ResidentBits, ResidentMask};
pub use rounding::{round_shift_right, saturate};
pub use slot_cycles::{doubling_schedule, SlotCycles, SumStep};
pub use total_sum::{total_sum, TotalSumMethod};
