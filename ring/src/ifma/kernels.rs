//! The AVX-512 IFMA kernels themselves, x86_64 only: `unsafe` functions that read and write
//! through raw pointers and need the CPU features. Private to [`super`], whose safe wrappers
//! check every length, index and feature these assume (each function's `# Safety`).

use super::{Multiplier, ScaleFactor};
use std::arch::x86_64::*;

const MASK52: i64 = (1 << 52) - 1;

/// y w mod q in [0, q) for y < 2^52 (lane-wise), w' = shoup52(w, q).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul_shoup(y: __m512i, w: __m512i, w_shoup: __m512i, q: __m512i) -> __m512i {
    let zero = _mm512_setzero_si512();
    let quotient = _mm512_madd52hi_epu64(zero, y, w_shoup);
    let product = _mm512_madd52lo_epu64(zero, y, w);
    let multiple = _mm512_madd52lo_epu64(zero, quotient, q);
    let r = _mm512_and_si512(
        _mm512_sub_epi64(product, multiple),
        _mm512_set1_epi64(MASK52),
    );
    _mm512_min_epu64(r, _mm512_sub_epi64(r, q))
}

/// (a + b) mod q for a, b < q.
#[inline]
#[target_feature(enable = "avx512f")]
fn add_mod(a: __m512i, b: __m512i, q: __m512i) -> __m512i {
    let s = _mm512_add_epi64(a, b);
    _mm512_min_epu64(s, _mm512_sub_epi64(s, q))
}

/// x mod q for x = hi 2^52 + lo with hi < 2^52, lo < 2^64: the carry of lo folded into hi
/// (the caller keeps hi + lo / 2^52 below 2^52), then both halves by Shoup products with
/// the constants 2^52 mod q and 1.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn reduce_wide(
    hi: __m512i,
    lo: __m512i,
    q: __m512i,
    radix: [__m512i; 2],
    one: [__m512i; 2],
) -> __m512i {
    let hi = _mm512_add_epi64(hi, _mm512_srli_epi64(lo, 52));
    let lo = _mm512_and_si512(lo, _mm512_set1_epi64(MASK52));
    let high = mul_shoup(hi, radix[0], radix[1], q);
    let low = mul_shoup(lo, one[0], one[1], q);
    add_mod(high, low, q)
}

/// The constants of `reduce_wide` for q: 2^52 mod q and 1, each with its companion.
#[inline]
#[target_feature(enable = "avx512f")]
fn wide_constants(q: u64) -> ([__m512i; 2], [__m512i; 2]) {
    let radix = (1u64 << 52) % q;
    (
        [
            _mm512_set1_epi64(radix as i64),
            _mm512_set1_epi64(super::shoup52(radix, q) as i64),
        ],
        [
            _mm512_set1_epi64(1),
            _mm512_set1_epi64(super::shoup52(1, q) as i64),
        ],
    )
}

/// The first 8 floor(n/8) pointwise products mod q: acc[c] += x[c] y[c] with `x`, else
/// acc[c] *= y[c]. Returns how many were done.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA; q < 2^51, all inputs below q, `x` and `y` as
/// long as `acc`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) unsafe fn products(q: u64, acc: &mut [u64], x: Option<&[u64]>, y: &[u64]) -> usize {
    let n = acc.len();
    let blocks = n / 8 * 8;
    let qv = _mm512_set1_epi64(q as i64);
    let (radix, one) = wide_constants(q);
    let zero = _mm512_setzero_si512();
    for c in (0..blocks).step_by(8) {
        // SAFETY: c + 8 <= n and every slice has length n.
        unsafe {
            let p = acc.as_mut_ptr().add(c) as *mut __m512i;
            let old = _mm512_loadu_si512(p as *const _);
            let xv = match x {
                Some(x) => _mm512_loadu_si512(x.as_ptr().add(c) as *const _),
                None => old,
            };
            let yv = _mm512_loadu_si512(y.as_ptr().add(c) as *const _);
            let hi = _mm512_madd52hi_epu64(zero, xv, yv);
            let lo = _mm512_madd52lo_epu64(zero, xv, yv);
            let mut r = reduce_wide(hi, lo, qv, radix, one);
            if x.is_some() {
                r = add_mod(old, r, qv);
            }
            _mm512_storeu_si512(p as *mut _, r);
        }
    }
    blocks
}

/// The first 8 floor(n/8) entries of row[c] <- (row[c] - values[index[c]]) w mod q (a
/// gathered difference scaled by a constant: the last step of a rescaling). Returns how
/// many were done.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA; q < 2^51, `row` and `values` below q, every
/// index within `values` and below 2^31, `index` as long as `row`, w < q.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) unsafe fn gathered_difference(
    q: u64,
    row: &mut [u64],
    values: &[u64],
    index: &[u32],
    w: Multiplier,
) -> usize {
    let blocks = row.len() / 8 * 8;
    let qv = _mm512_set1_epi64(q as i64);
    let (wv, w_shoup) = (
        _mm512_set1_epi64(w.w as i64),
        _mm512_set1_epi64(w.w_shoup as i64),
    );
    for c in (0..blocks).step_by(8) {
        // SAFETY: c + 8 <= n for `row` and `index`; every index is within `values`.
        unsafe {
            let p = row.as_mut_ptr().add(c) as *mut __m512i;
            let x = _mm512_loadu_si512(p as *const _);
            let at = _mm256_loadu_si256(index.as_ptr().add(c) as *const __m256i);
            let v = _mm512_i32gather_epi64::<8>(at, values.as_ptr() as *const _);
            let d = _mm512_sub_epi64(x, v);
            let d = _mm512_min_epu64(d, _mm512_add_epi64(d, qv));
            _mm512_storeu_si512(p as *mut _, mul_shoup(d, wv, w_shoup, qv));
        }
    }
    blocks
}

/// The first 8 floor(n/8) coefficients of the key-switching products:
/// out0[c] += M[c] sum_j x_j[c] b_j[c] and out1[c] += M[c] sum_j x_j[c] a_j[c] mod q
/// (M = 1 without a mask). Returns how many coefficients were done.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA; q < 2^51 and every input below q; at most 3
/// terms (so the high halves of the sums stay below 2^52); all slices as long as `out0`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) unsafe fn dot_products(
    q: u64,
    x: &[&[u64]],
    b: &[&[u64]],
    a: &[&[u64]],
    mask: Option<&[u64]>,
    out0: &mut [u64],
    out1: &mut [u64],
) -> usize {
    let n = out0.len();
    let blocks = n / 8 * 8;
    let qv = _mm512_set1_epi64(q as i64);
    let (radix, one) = wide_constants(q);
    let zero = _mm512_setzero_si512();
    let load = |row: &[u64], c: usize| {
        // SAFETY: c + 8 <= n and every row has length n (the caller's contract).
        unsafe { _mm512_loadu_si512(row.as_ptr().add(c) as *const _) }
    };
    for c in (0..blocks).step_by(8) {
        let (mut lo0, mut hi0, mut lo1, mut hi1) = (zero, zero, zero, zero);
        for ((x, b), a) in x.iter().zip(b).zip(a) {
            let xv = load(x, c);
            let (bv, av) = (load(b, c), load(a, c));
            lo0 = _mm512_madd52lo_epu64(lo0, xv, bv);
            hi0 = _mm512_madd52hi_epu64(hi0, xv, bv);
            lo1 = _mm512_madd52lo_epu64(lo1, xv, av);
            hi1 = _mm512_madd52hi_epu64(hi1, xv, av);
        }
        let mut s0 = reduce_wide(hi0, lo0, qv, radix, one);
        let mut s1 = reduce_wide(hi1, lo1, qv, radix, one);
        if let Some(mask) = mask {
            let mv = load(mask, c);
            s0 = reduce_wide(
                _mm512_madd52hi_epu64(zero, s0, mv),
                _mm512_madd52lo_epu64(zero, s0, mv),
                qv,
                radix,
                one,
            );
            s1 = reduce_wide(
                _mm512_madd52hi_epu64(zero, s1, mv),
                _mm512_madd52lo_epu64(zero, s1, mv),
                qv,
                radix,
                one,
            );
        }
        // SAFETY: c + 8 <= n = out0.len() = out1.len().
        unsafe {
            let p0 = out0.as_mut_ptr().add(c) as *mut __m512i;
            let p1 = out1.as_mut_ptr().add(c) as *mut __m512i;
            _mm512_storeu_si512(
                p0 as *mut _,
                add_mod(_mm512_loadu_si512(p0 as *const _), s0, qv),
            );
            _mm512_storeu_si512(
                p1 as *mut _,
                add_mod(_mm512_loadu_si512(p1 as *const _), s1, qv),
            );
        }
    }
    blocks
}

/// The first 8 floor(n/8) coefficients of `BaseConverter::scale`: y_i = x_i (D/p_i)^{-1}
/// mod p_i into `ys[i]`, and u = round(sum_i y_i / p_i) into `correction`. Returns how
/// many coefficients were done.
///
/// # Safety
/// The CPU must support AVX-512 F, DQ and IFMA; every residue and p must be below 2^51;
/// `rows` and `ys` have one row per factor, every row as long as `correction`.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub(super) unsafe fn scale(
    factors: &[ScaleFactor],
    rows: &[&[u64]],
    ys: &mut [&mut [u64]],
    correction: &mut [i64],
) -> usize {
    let n = correction.len();
    let blocks = n / 8 * 8;
    let half = _mm512_set1_pd(0.5);
    for c in (0..blocks).step_by(8) {
        let mut fraction = _mm512_setzero_pd();
        for ((f, row), out) in factors.iter().zip(rows).zip(ys.iter_mut()) {
            // SAFETY: c + 8 <= n = row.len() = out.len().
            let x = unsafe { _mm512_loadu_si512(row.as_ptr().add(c) as *const _) };
            let y = mul_shoup(
                x,
                _mm512_set1_epi64(f.inverse as i64),
                _mm512_set1_epi64(f.inverse_shoup as i64),
                _mm512_set1_epi64(f.p as i64),
            );
            // SAFETY: c + 8 <= n = out.len().
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(c) as *mut _, y) };
            let term = _mm512_mul_pd(_mm512_cvtepu64_pd(y), _mm512_set1_pd(f.reciprocal));
            fraction = _mm512_add_pd(fraction, term);
        }
        let rounded = _mm512_cvttpd_epi64(_mm512_add_pd(fraction, half));
        // SAFETY: c + 8 <= n = correction.len().
        unsafe { _mm512_storeu_si512(correction.as_mut_ptr().add(c) as *mut _, rounded) };
    }
    blocks
}

/// The first 8 floor(n/8) outputs of `BaseConverter::target_row`:
/// out[c] = (sum_i y_i w_i - u_c D) mod q. Returns how many were done.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA; q < 2^51, every y_i < 2^51, every multiplier
/// below q, |u_c| < q; `ys` has length (terms) n with n = out.len() = correction.len().
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) unsafe fn target_row(
    q: u64,
    terms: &[Multiplier],
    product: Multiplier,
    ys: &[u64],
    correction: &[i64],
    out: &mut [u64],
) -> usize {
    let n = out.len();
    let blocks = n / 8 * 8;
    let qv = _mm512_set1_epi64(q as i64);
    let zero = _mm512_setzero_si512();
    for c in (0..blocks).step_by(8) {
        let mut acc = zero;
        for (i, t) in terms.iter().enumerate() {
            // SAFETY: i n + c + 8 <= terms n = ys.len().
            let y = unsafe { _mm512_loadu_si512(ys.as_ptr().add(i * n + c) as *const _) };
            let r = mul_shoup(
                y,
                _mm512_set1_epi64(t.w as i64),
                _mm512_set1_epi64(t.w_shoup as i64),
                qv,
            );
            acc = add_mod(acc, r, qv);
        }
        // -u D mod q = v D with v = -u (u <= 0) or q - u (u > 0).
        // SAFETY: c + 8 <= n = correction.len().
        let u = unsafe { _mm512_loadu_si512(correction.as_ptr().add(c) as *const _) };
        let negated = _mm512_sub_epi64(zero, u);
        let positive = _mm512_cmpgt_epi64_mask(u, zero);
        let v = _mm512_mask_add_epi64(negated, positive, negated, qv);
        let r = mul_shoup(
            v,
            _mm512_set1_epi64(product.w as i64),
            _mm512_set1_epi64(product.w_shoup as i64),
            qv,
        );
        acc = add_mod(acc, r, qv);
        // SAFETY: c + 8 <= n = out.len().
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(c) as *mut _, acc) };
    }
    blocks
}
