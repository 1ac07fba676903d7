//! The slots as a product of cycles, for sums over all slots.
//!
//! A backend offers permutations P_1, .., P_r of its slots ([`BitSimd::permute_slots`]) with
//! orders n_1, .., n_r, n_1 .. n_r = l, acting regularly: for every slot u the sources of u
//! under P_1^{a_1} .. P_r^{a_r}, 0 <= a_j < n_j, are all l slots, each once. Then
//!   total(y) = S_1(S_2(..S_r(y))),   S_j(y) = sum_{0 <= k < n_j} P_j^k(y),
//! holds the sum of all slots of y in every slot. A single cycle of order l with P = rotate
//! by 1 is always there; BGV has the hypercube's dimensions, each power of a generator one
//! automorphism (`nit_bgv::Evaluator::permute_base_slots`), where a rotation of the linear
//! slot order takes several masked ones.
//!
//! Each S_j runs HElib's `totalSums` schedule, [`doubling_schedule`]: with
//! S(e) = sum_{k < e} P^k(y), a doubling S(2e) = S(e) + P^e(S(e)) and, for each set bit of n
//! below its top bit, S(e + 1) = S(e) + P^e(y): floor(log2 n) + popcount(n) - 1 permutations.
//!
//! [`BitSimd::permute_slots`]: super::backend::BitSimd::permute_slots

use super::backend::BitSimd;

/// The orders n_1, .., n_r of a backend's slot cycles (module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotCycles(Vec<usize>);

impl SlotCycles {
    /// The cycles of orders `orders`.
    pub fn new(orders: Vec<usize>) -> Self {
        Self(orders)
    }

    /// The cycles `backend` sums over.
    pub fn of<B: BitSimd>(backend: &B) -> Self {
        Self::new(backend.slot_cycles())
    }

    /// The orders n_j.
    pub fn orders(&self) -> &[usize] {
        &self.0
    }

    /// l = n_1 .. n_r.
    pub fn slots(&self) -> usize {
        self.0.iter().product()
    }

    /// Permutations one total sum takes: sum_j floor(log2 n_j) + popcount(n_j) - 1.
    pub fn permutations_per_sum(&self) -> usize {
        self.0.iter().map(|&n| doubling_schedule(n).len()).sum()
    }
}

/// A backend's cycle orders as stored (`stored`, empty: not given), else one cycle of all
/// `slots`.
pub(crate) fn orders_or_one_cycle(stored: &[usize], slots: usize) -> Vec<usize> {
    if stored.is_empty() {
        vec![slots]
    } else {
        stored.to_vec()
    }
}

/// One slot cycle of order `slots`: the linear rotation.
impl From<usize> for SlotCycles {
    fn from(slots: usize) -> Self {
        Self::new(vec![slots])
    }
}

/// One step of the sum over a cycle (module doc), with S(e) the partial sum of e terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SumStep {
    /// S(2e) = S(e) + P^e(S(e)).
    Double(usize),
    /// S(e + 1) = S(e) + P^e(y), y the summand.
    AddBase(usize),
}

/// The steps from S(1) = y to S(n), in order (none for n <= 1).
pub fn doubling_schedule(n: usize) -> Vec<SumStep> {
    if n <= 1 {
        return Vec::new();
    }
    let top = usize::BITS - 1 - n.leading_zeros();
    let mut steps = Vec::new();
    let mut e = 1usize;
    for i in (0..top).rev() {
        steps.push(SumStep::Double(e));
        e *= 2;
        if (n >> i) & 1 == 1 {
            steps.push(SumStep::AddBase(e));
            e += 1;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Running the schedule on term counts reaches n, with the permutation powers below n.
    #[test]
    fn the_schedule_sums_n_terms_in_log_steps() {
        for n in 1..=2000usize {
            let mut terms = 1usize;
            for step in doubling_schedule(n) {
                match step {
                    SumStep::Double(e) => {
                        assert_eq!(e, terms);
                        terms *= 2;
                    }
                    SumStep::AddBase(e) => {
                        assert_eq!(e, terms);
                        terms += 1;
                    }
                }
                assert!(terms <= n);
            }
            assert_eq!(terms, n);
            let expected = if n == 1 {
                0
            } else {
                (usize::BITS - 1 - n.leading_zeros()) as usize + n.count_ones() as usize - 1
            };
            assert_eq!(doubling_schedule(n).len(), expected, "n = {n}");
        }
        assert_eq!(SlotCycles::new(vec![10, 6]).permutations_per_sum(), 4 + 3);
        assert_eq!(SlotCycles::from(60).permutations_per_sum(), 8);
        assert_eq!(SlotCycles::new(vec![30, 6, 10]).slots(), 1800);
    }
}
