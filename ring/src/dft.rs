//! The length-m DFT mod q for odd m, by Bluestein's chirp convolution over a negacyclic NTT.
//!
//! Forward: A_j = sum_k a_k zeta^{jk} for the units j of Z_m (zeta a primitive m-th root mod q).
//! With h = 2^{-1} mod m, jk = h(j^2 + k^2 - (j - k)^2) mod m, so with the chirp
//! w_k = zeta^{h k^2}:  A_j = w_j * sum_k (a_k w_k) w^{-1}_{j-k}.  The sum is a linear
//! convolution against the kernel y_i = w^{-1}_i, i in (-m, m); it is computed as a negacyclic
//! product mod X^N + 1 (N >= 2m - 1) with the negative indices stored at N - i with a sign flip
//! (X^{-i} = -X^{N-i}); the outputs 0..m-1 are then free of wrap-around.
//!
//! Spectra: the same length-N NTT multiplies polynomials mod X^m - 1 directly. The spectrum of
//! a of degree < m is the NTT of its zero-padded coefficients; two spectra multiply pointwise
//! into the spectrum of the product, of degree <= 2m - 2 < N, so negacyclic wrap-around never
//! occurs, and folding coefficient i + m onto i gives the product mod X^m - 1: a degree < m
//! representative of the product mod Phi_m, in three NTTs where going through the values
//! (a forward and an inverse DFT) takes four, and with one NTT per factor instead of a DFT.
//!
//! Inverse: the same with zeta^{-1} and a factor m^{-1}. It returns the unique b of degree < m
//! with b(zeta^j) = A_j at units and b(zeta^j) = 0 at non-units: b = a mod Phi_m and
//! b = 0 mod Phi_e for e | m, e < m. `reduce` then divides b by Phi_m with two NTT products:
//! since Phi_m is palindromic, rev(Phi_m)^{-1} mod X^s = -H mod X^s with
//! H = (X^m - 1)/Phi_m and s = m - phi(m), which gives the quotient of b by Phi_m.

use crate::cyclotomic::Cyclotomic;
use crate::ifma::{self, Path};
use crate::ntt::NttPlan;
use crate::prime::ntt_size;
use crate::zq::Modulus;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    /// Per-thread NTT buffers: a fresh N-word allocation per transform costs an mmap and
    /// page faults at N = 65536.
    static SCRATCH: RefCell<(Vec<u64>, Vec<u64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `f` with two scratch buffers of length n whose contents are reduced residues of some
/// earlier transform (callers overwrite or zero what they read), or zeroed if `zeroed`.
fn with_scratch<R>(n: usize, zeroed: bool, f: impl FnOnce(&mut [u64], &mut [u64]) -> R) -> R {
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (a, b) = &mut *guard;
        for buf in [&mut *a, &mut *b] {
            if zeroed {
                buf.clear();
            }
            buf.resize(n, 0);
        }
        f(a, b)
    })
}

/// Per-prime tables of the length-m transform. Invariant: q = 1 mod 2Nm.
#[derive(Debug)]
pub struct Dft {
    ring: Arc<Cyclotomic>,
    modulus: Modulus,
    plan: NttPlan,
    zeta: u64,
    /// N w_k (w_k = zeta^{h k^2}) for k < m, 0 up to N: the chirp of the forward transform,
    /// applied with the backend's vectorized N^{-1}-normalizing product.
    chirp_scaled: Vec<u64>,
    /// N w_j^{-1} at the units j, 0 elsewhere up to N: input scaling of the inverse.
    chirp_inv_units_scaled: Vec<u64>,
    /// N m^{-1} w_k^{-1} for k < m, 0 up to N: output scaling of the inverse.
    chirp_inv_output_scaled: Vec<u64>,
    /// NTT of the forward kernel (w^{-1}_i) and of the inverse kernel (w_i).
    kernel_forward: Vec<u64>,
    kernel_inverse: Vec<u64>,
    /// NTT of -H mod X^s (the reversed inverse of Phi_m) and of Phi_m.
    reverse_inverse_ntt: Vec<u64>,
    phi_m_ntt: Vec<u64>,
}

/// A primitive m-th root of unity mod q (q = 1 mod m), the smallest x^((q-1)/m) that works.
fn primitive_root_of_unity(md: &Modulus, m: u64) -> u64 {
    let prime_factors: Vec<u64> = crate::cyclotomic::factorize(m)
        .iter()
        .map(|f| f.0)
        .collect();
    (2..)
        .map(|x| md.pow(x, (md.value() - 1) / m))
        .find(|&z| prime_factors.iter().all(|&p| md.pow(z, m / p) != 1))
        .expect("invariant: q = 1 mod m has a primitive m-th root")
}

impl Dft {
    /// Tables for ring m and prime q; None unless q is a prime = 1 mod 2Nm below 2^62.
    pub fn new(ring: Arc<Cyclotomic>, q: u64) -> Option<Self> {
        let m = ring.m();
        let n = ntt_size(m);
        if q >= 1 << crate::zq::MAX_MODULUS_BITS || q % crate::prime::prime_step(m) != 1 {
            return None;
        }
        let plan = NttPlan::new(n, q)?;
        let md = Modulus::new(q);
        let zeta = primitive_root_of_unity(&md, m as u64);
        let h = (m as u64).div_ceil(2);
        let mut zeta_powers = Vec::with_capacity(m);
        let mut power = 1u64;
        for _ in 0..m {
            zeta_powers.push(power);
            power = md.mul(power, zeta);
        }
        // w_k = zeta^{h k^2 mod m}, w_k^{-1} = zeta^{m - (h k^2 mod m)}.
        let exponents: Vec<usize> = (0..m as u64)
            .map(|k| (h * (k * k % m as u64) % m as u64) as usize)
            .collect();
        let chirp: Vec<u64> = exponents.iter().map(|&e| zeta_powers[e]).collect();
        let chirp_inv: Vec<u64> = exponents
            .iter()
            .map(|&e| zeta_powers[(m - e) % m])
            .collect();
        let m_inv = md
            .inv(m as u64)
            .expect("invariant: q = 1 mod m, so m is a unit");
        let n_mod = md.reduce(n as u64);
        let padded = |f: &dyn Fn(usize) -> u64| -> Vec<u64> {
            (0..n)
                .map(|k| if k < m { md.mul(f(k), n_mod) } else { 0 })
                .collect()
        };
        let chirp_scaled = padded(&|k| chirp[k]);
        let chirp_inv_units_scaled = padded(&|k| {
            if ring.unit_position(k).is_some() {
                chirp_inv[k]
            } else {
                0
            }
        });
        let chirp_inv_output_scaled = padded(&|k| md.mul(chirp_inv[k], m_inv));
        let kernel = |values: &[u64]| {
            let mut y = vec![0u64; n];
            y[0] = values[0];
            for i in 1..m {
                y[i] = values[i];
                y[n - i] = md.neg(values[i]);
            }
            plan.forward(&mut y);
            y
        };
        let kernel_forward = kernel(&chirp_inv);
        let kernel_inverse = kernel(&chirp);
        let (reverse_inverse_ntt, phi_m_ntt) = Self::reduction_tables(&ring, &md, &plan);
        Some(Dft {
            ring,
            modulus: md,
            plan,
            zeta,
            chirp_scaled,
            chirp_inv_units_scaled,
            chirp_inv_output_scaled,
            kernel_forward,
            kernel_inverse,
            reverse_inverse_ntt,
            phi_m_ntt,
        })
    }

    /// NTTs of -H mod X^s (H = (X^m - 1)/Phi_m = prod_{d | m, d < m} Phi_d) and of Phi_m.
    fn reduction_tables(ring: &Cyclotomic, md: &Modulus, plan: &NttPlan) -> (Vec<u64>, Vec<u64>) {
        let m = ring.m() as u64;
        let s = ring.m() - ring.phi();
        let mut quotient = vec![1u64];
        for d in (1..m).filter(|d| m.is_multiple_of(*d)) {
            let f = crate::cyclotomic::cyclotomic_polynomial(d);
            let mut next = vec![0u64; quotient.len() + f.len() - 1];
            for (i, &a) in quotient.iter().enumerate() {
                for (j, &b) in f.iter().enumerate() {
                    next[i + j] = md.add(next[i + j], md.mul(a, md.from_i64(b)));
                }
            }
            quotient = next;
        }
        let n = plan.size();
        let mut reverse_inverse = vec![0u64; n];
        for (dst, &h) in reverse_inverse.iter_mut().zip(&quotient[..s]) {
            *dst = md.neg(h);
        }
        plan.forward(&mut reverse_inverse);
        let mut phi_m = vec![0u64; n];
        for (dst, &c) in phi_m.iter_mut().zip(ring.polynomial()) {
            *dst = md.from_i64(c);
        }
        plan.forward(&mut phi_m);
        (reverse_inverse, phi_m)
    }

    /// The prime q with its reduction constants.
    pub fn modulus(&self) -> &Modulus {
        &self.modulus
    }

    /// The prime q, q = 1 mod 2Nm.
    pub fn q(&self) -> u64 {
        self.modulus.value()
    }

    /// The cyclotomic ring Z[X]/Phi_m whose evaluation points zeta^j, j in Z_m^*, this
    /// transform uses.
    pub fn ring(&self) -> &Arc<Cyclotomic> {
        &self.ring
    }

    /// The primitive m-th root zeta whose powers at units are the evaluation points.
    pub fn zeta(&self) -> u64 {
        self.zeta
    }

    /// Bluestein's core on a buffer whose entries past m are zero: buf <- c_out * ((c_in buf)
    /// conv kernel), the convolution as a negacyclic NTT product. Entries past m are zero on
    /// input and unused on output, so both chirp products stop at the first multiple of 8
    /// past m.
    fn chirp_convolution(
        &self,
        buf: &mut [u64],
        chirp_in: &[u64],
        kernel: &[u64],
        chirp_out: &[u64],
    ) {
        let head = self.ring.m().next_multiple_of(8);
        self.plan
            .mul_normalized(&mut buf[..head], &chirp_in[..head]);
        self.plan.forward(buf);
        self.plan.mul_normalized(buf, kernel);
        self.plan.inverse(buf);
        self.plan
            .mul_normalized(&mut buf[..head], &chirp_out[..head]);
    }

    /// Runs `f` on a scratch buffer holding A_j = a(zeta^j) at every j < m (units and not),
    /// for a of degree < m: the forward transform before its final gather.
    fn with_transform<R>(&self, coeffs: &[u64], f: impl FnOnce(&[u64]) -> R) -> R {
        with_scratch(self.plan.size(), false, |buf, _| {
            buf[..coeffs.len()].copy_from_slice(coeffs);
            buf[coeffs.len()..].fill(0);
            self.chirp_convolution(
                buf,
                &self.chirp_scaled,
                &self.kernel_forward,
                &self.chirp_scaled,
            );
            f(buf)
        })
    }

    /// Values at zeta^j, j in Z_m^* increasing, of a polynomial of degree < m (coefficients
    /// reduced mod q). `values.len()` must be phi(m).
    pub fn forward(&self, coeffs: &[u64], values: &mut [u64]) {
        self.forward_permuted(coeffs, values, None);
    }

    /// `forward` read through an evaluation-point permutation: values[c] = A_{units[pi(c)]},
    /// i.e. the values of sigma(a) when pi is sigma's `Cyclotomic::automorphism_permutation`
    /// (the final gather of the transform does the permutation for free).
    pub fn forward_permuted(
        &self,
        coeffs: &[u64],
        values: &mut [u64],
        permutation: Option<&[u32]>,
    ) {
        let m = self.ring.m();
        let units = self.ring.units();
        assert!(
            coeffs.len() <= m
                && values.len() == self.ring.phi()
                && permutation.is_none_or(|p| p.len() == values.len()),
            "invariant: DFT sizes"
        );
        self.with_transform(coeffs, |buf| match permutation {
            None => {
                for (dst, &j) in values.iter_mut().zip(units) {
                    *dst = buf[j as usize];
                }
            }
            Some(permutation) => {
                for (dst, &c) in values.iter_mut().zip(permutation) {
                    *dst = buf[units[c as usize] as usize];
                }
            }
        })
    }

    /// row <- (row - A) w with A = `forward(coeffs)` (the values of a polynomial of degree
    /// < m) and w < q a constant: the last step of a rescaling, fused with the transform's
    /// final gather.
    pub fn scaled_difference(&self, coeffs: &[u64], row: &mut [u64], w: u64) {
        let m = self.ring.m();
        assert!(
            coeffs.len() <= m && row.len() == self.ring.phi(),
            "invariant: DFT sizes"
        );
        let md = &self.modulus;
        let units = self.ring.units();
        self.with_transform(coeffs, |buf| {
            ifma::gathered_difference(Path::Vectorized, md, row, buf, units, w);
        })
    }

    /// The degree < m polynomial b with the given values at units and 0 at non-units
    /// (b = a mod Phi_m, b = 0 mod Phi_e for proper divisors e of m).
    pub fn inverse_unreduced(&self, values: &[u64], coeffs: &mut [u64]) {
        let m = self.ring.m();
        assert!(
            values.len() == self.ring.phi() && coeffs.len() == m,
            "invariant: DFT sizes"
        );
        with_scratch(self.plan.size(), false, |buf, _| {
            buf.fill(0);
            for (&v, &j) in values.iter().zip(self.ring.units()) {
                buf[j as usize] = v;
            }
            self.chirp_convolution(
                buf,
                &self.chirp_inv_units_scaled,
                &self.kernel_inverse,
                &self.chirp_inv_output_scaled,
            );
            coeffs.copy_from_slice(&buf[..m]);
        })
    }

    /// Reduces a polynomial of degree < m modulo Phi_m (mod q); result has phi(m) coefficients.
    pub fn reduce(&self, b: &[u64], out: &mut [u64]) {
        let (m, phi) = (self.ring.m(), self.ring.phi());
        let s = m - phi;
        assert!(
            b.len() == m && out.len() == phi,
            "invariant: reduction sizes"
        );
        let md = &self.modulus;
        with_scratch(self.plan.size(), true, |buf, quotient| {
            // Quotient Q of b by Phi_m: rev_s(Q) = rev(b) * rev(Phi_m)^{-1} mod X^s.
            for i in 0..s {
                buf[i] = b[m - 1 - i];
            }
            self.plan.forward(buf);
            self.plan.mul_normalized(buf, &self.reverse_inverse_ntt);
            self.plan.inverse(buf);
            for i in 0..s {
                quotient[s - 1 - i] = buf[i];
            }
            self.plan.forward(quotient);
            self.plan.mul_normalized(quotient, &self.phi_m_ntt);
            self.plan.inverse(quotient);
            for i in 0..phi {
                out[i] = md.sub(b[i], quotient[i]);
            }
        })
    }

    /// Length N of the spectra.
    pub fn spectrum_len(&self) -> usize {
        self.plan.size()
    }

    /// The spectrum of a(X^k) mod X^m - 1 for a of degree < m (k = 1 when `exponent` is None):
    /// coefficient i of a lands at i k mod m before the length-N NTT.
    pub fn spectrum(&self, coeffs: &[u64], exponent: Option<usize>, out: &mut [u64]) {
        let m = self.ring.m();
        assert!(
            coeffs.len() <= m && out.len() == self.plan.size(),
            "invariant: spectrum sizes"
        );
        match exponent {
            None => {
                out[..coeffs.len()].copy_from_slice(coeffs);
                out[coeffs.len()..].fill(0);
            }
            Some(k) => {
                assert!(
                    self.ring.unit_position(k % m).is_some(),
                    "invariant: X -> X^k with k a unit mod m"
                );
                out.fill(0);
                let step = k % m;
                let mut target = 0;
                for &c in coeffs {
                    out[target] = c;
                    target += step;
                    if target >= m {
                        target -= m;
                    }
                }
            }
        }
        self.plan.forward(out);
    }

    /// N^{-1} times the spectrum of the degree < m representative (`inverse_unreduced`) of the
    /// polynomial with the given values: a factor prepared once for many products, after
    /// which `cyclic_coefficients` needs no normalization.
    pub fn normalized_spectrum_of_values(&self, values: &[u64]) -> Vec<u64> {
        let mut coeffs = vec![0u64; self.ring.m()];
        self.inverse_unreduced(values, &mut coeffs);
        let mut out = vec![0u64; self.plan.size()];
        self.spectrum(&coeffs, None, &mut out);
        self.plan.normalize(&mut out);
        out
    }

    /// acc <- acc + a * b, pointwise on spectra.
    pub fn spectrum_mul_accumulate(&self, acc: &mut [u64], a: &[u64], b: &[u64]) {
        self.plan.mul_accumulate(acc, a, b);
    }

    /// The coefficients mod X^m - 1 (degree < m, reduced) of the polynomial of degree < N with
    /// spectrum N^{-1} `spectrum` (a sum of products by normalized factors); `spectrum` is
    /// used as scratch.
    pub fn cyclic_coefficients(&self, spectrum: &mut [u64], coeffs: &mut [u64]) {
        let m = self.ring.m();
        assert!(
            spectrum.len() == self.plan.size() && coeffs.len() == m,
            "invariant: spectrum sizes"
        );
        self.plan.inverse(spectrum);
        let (low, high) = spectrum.split_at(m);
        for ((dst, &x), &y) in coeffs.iter_mut().zip(low).zip(&high[..m]) {
            *dst = self.modulus.add(x, y);
        }
    }

    /// The coefficients (degree < phi) of the polynomial with the given values.
    pub fn inverse(&self, values: &[u64], coeffs: &mut [u64]) {
        let mut b = vec![0u64; self.ring.m()];
        self.inverse_unreduced(values, &mut b);
        self.reduce(&b, coeffs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prime::generate_primes;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn tables(m: usize) -> Dft {
        let ring = Arc::new(Cyclotomic::new(m).unwrap());
        let q = generate_primes(m, 50, 1, &[]).unwrap()[0];
        Dft::new(ring, q).unwrap()
    }

    fn random_poly(rng: &mut ChaCha8Rng, len: usize, q: u64) -> Vec<u64> {
        (0..len).map(|_| rng.gen_range(0..q)).collect()
    }

    /// a mod Phi_m mod q by schoolbook long division (the model for `reduce`).
    fn schoolbook_reduce(dft: &Dft, a: &[u64]) -> Vec<u64> {
        let md = dft.modulus();
        let ring = dft.ring();
        let phi = ring.phi();
        let f: Vec<u64> = ring.polynomial().iter().map(|&c| md.from_i64(c)).collect();
        let mut r = a.to_vec();
        for top in (phi..r.len()).rev() {
            let c = r[top];
            for j in 0..=phi {
                r[top - phi + j] = md.sub(r[top - phi + j], md.mul(c, f[j]));
            }
        }
        r.truncate(phi);
        r
    }

    #[test]
    fn inverse_of_forward_is_identity_mod_phi_m() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for m in [31, 105, 127, 255, 1023, 32767] {
            let dft = tables(m);
            let phi = dft.ring().phi();
            let a = random_poly(&mut rng, phi, dft.q());
            let mut values = vec![0; phi];
            dft.forward(&a, &mut values);
            let mut back = vec![0; phi];
            dft.inverse(&values, &mut back);
            assert_eq!(back, a, "m = {m}");
        }
    }

    /// forward_permuted reads the transform through the permutation: values[c] = A[pi(c)].
    #[test]
    fn permuted_forward_is_the_forward_read_through_the_permutation() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        for m in [105, 1023] {
            let dft = tables(m);
            let phi = dft.ring().phi();
            let a = random_poly(&mut rng, m, dft.q());
            let mut values = vec![0; phi];
            dft.forward(&a, &mut values);
            let permutation = dft.ring().automorphism_permutation(2).unwrap();
            let mut permuted = vec![0; phi];
            dft.forward_permuted(&a, &mut permuted, Some(&permutation));
            let expect: Vec<u64> = permutation.iter().map(|&c| values[c as usize]).collect();
            assert_eq!(permuted, expect, "m = {m}");
            assert_ne!(permuted, values, "m = {m}: sigma_2 moves the values");
        }
    }

    /// spectrum / normalized_spectrum_of_values / cyclic_coefficients give exactly the cyclic
    /// product mod X^m - 1 of a(X^k) and b's degree < m representative (schoolbook model), whose
    /// values are the product of the values.
    #[test]
    fn spectra_multiply_mod_x_m_minus_1() {
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        for (m, k) in [
            (105, None),
            (105, Some(2)),
            (127, Some(5)),
            (1023, Some(838)),
        ] {
            let dft = tables(m);
            let (md, phi, n) = (*dft.modulus(), dft.ring().phi(), dft.spectrum_len());
            let a = random_poly(&mut rng, m, dft.q());
            let b_values = random_poly(&mut rng, phi, dft.q());
            let mut b = vec![0; m];
            dft.inverse_unreduced(&b_values, &mut b);
            let mut spectrum = vec![0; n];
            dft.spectrum(&a, k, &mut spectrum);
            let b_spectrum = dft.normalized_spectrum_of_values(&b_values);
            let mut acc = vec![0; n];
            dft.spectrum_mul_accumulate(&mut acc, &spectrum, &b_spectrum);
            let mut product = vec![0; m];
            dft.cyclic_coefficients(&mut acc, &mut product);
            let mut substituted = vec![0; m];
            for (i, &c) in a.iter().enumerate() {
                substituted[i * k.unwrap_or(1) % m] = c;
            }
            let mut expect = vec![0; m];
            for (i, &x) in substituted.iter().enumerate() {
                for (j, &y) in b.iter().enumerate() {
                    let at = (i + j) % m;
                    expect[at] = md.add(expect[at], md.mul(x, y));
                }
            }
            assert_eq!(product, expect, "m = {m}, k = {k:?}");
            let mut values = vec![0; phi];
            dft.forward(&product, &mut values);
            let permutation = k.map(|k| dft.ring().automorphism_permutation(k).unwrap());
            let mut a_values = vec![0; phi];
            dft.forward_permuted(&a, &mut a_values, permutation.as_deref());
            for ((&v, &x), &y) in values.iter().zip(&a_values).zip(&b_values) {
                assert_eq!(v, md.mul(x, y), "m = {m}, k = {k:?}");
            }
        }
    }

    /// The fused rescaling step equals (row - forward) w computed apart (vector and scalar
    /// parts: phi = 600 and 27000 are multiples of 8, 48 = phi(105) too, 126 = phi(127) not).
    #[test]
    fn scaled_difference_is_the_difference_of_the_transform_times_w() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        for m in [105, 127, 1023, 32767] {
            let dft = tables(m);
            let (md, phi) = (*dft.modulus(), dft.ring().phi());
            let coeffs = random_poly(&mut rng, m, dft.q());
            let row = random_poly(&mut rng, phi, dft.q());
            let w = rng.gen_range(0..dft.q());
            let mut values = vec![0; phi];
            dft.forward(&coeffs, &mut values);
            let expect: Vec<u64> = row
                .iter()
                .zip(&values)
                .map(|(&x, &v)| md.mul(md.sub(x, v), w))
                .collect();
            let mut fused = row.clone();
            dft.scaled_difference(&coeffs, &mut fused, w);
            assert_eq!(fused, expect, "m = {m}");
        }
    }

    #[test]
    fn forward_agrees_with_direct_evaluation() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for m in [31, 105, 127, 255, 1023, 32767] {
            let dft = tables(m);
            let md = *dft.modulus();
            let a = random_poly(&mut rng, m, dft.q());
            let mut values = vec![0; dft.ring().phi()];
            dft.forward(&a, &mut values);
            for _ in 0..8 {
                let pos = rng.gen_range(0..values.len());
                let j = dft.ring().units()[pos] as u64;
                let x = md.pow(dft.zeta(), j);
                let direct = a.iter().rev().fold(0, |acc, &c| md.add(md.mul(acc, x), c));
                assert_eq!(values[pos], direct, "m = {m}, j = {j}");
            }
        }
    }

    #[test]
    fn reduction_matches_long_division_and_unreduced_inverse_vanishes_elsewhere() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for m in [31, 105, 255, 1023] {
            let dft = tables(m);
            let phi = dft.ring().phi();
            let b = random_poly(&mut rng, m, dft.q());
            let mut reduced = vec![0; phi];
            dft.reduce(&b, &mut reduced);
            assert_eq!(reduced, schoolbook_reduce(&dft, &b), "m = {m}");
            // b' = inverse_unreduced(values of b) agrees with b mod Phi_m.
            let mut values = vec![0; phi];
            dft.forward(&b, &mut values);
            let mut unreduced = vec![0; m];
            dft.inverse_unreduced(&values, &mut unreduced);
            assert_eq!(schoolbook_reduce(&dft, &unreduced), reduced);
        }
    }
}
