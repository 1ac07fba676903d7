//! Vectorized Z_q arithmetic with AVX-512 IFMA (52-bit multiply-add), eight residues at a time,
//! beside the scalar code that computes the same entries: the kernels of fast base conversion,
//! of key switching's products with the key, of pointwise products and of the rescaling's
//! gathered difference. A [`Path`] says which runs; results are identical on both.
//!
//! The kernels are `unsafe` (they need the CPU features and read through raw pointers) and
//! private. Each is reached only through a safe wrapper here that checks what the kernel
//! assumes: the CPU runs AVX-512 F, DQ and IFMA (else the scalar code runs), the modulus is
//! below 2^51 (else the scalar code runs), and every length and gather index (a violation is a
//! typed error for the public [`dot_products`], an invariant panic for the crate-internal
//! wrappers). A kernel does the first 8 floor(n/8) entries; the wrapper or its caller finishes
//! the rest with scalar code.
//!
//! Shoup multiplication in base 2^52: for a fixed w < q with w' = floor(w 2^52 / q) and any
//! y < 2^52, Q = floor(y w' / 2^52) (IFMA's high half) gives r = y w - Q q in [0, 2q), so r is
//! computed exactly from the low 52 bits of y w and Q q; one `min(r, r - q)` (unsigned, r - q
//! wraps when r < q) brings it to [0, q). Results equal the scalar paths' exactly.

use crate::error::RingError;
use crate::zq::Modulus;

/// floor(w 2^52 / q): the base-2^52 Shoup companion of w < q < 2^51.
pub(crate) fn shoup52(w: u64, q: u64) -> u64 {
    (((w as u128) << 52) / q as u128) as u64
}

/// Largest modulus (exclusive) the kernels accept.
pub const MODULUS_LIMIT: u64 = 1 << 51;

/// Which code computes a kernel's entries. Both give the same residues; `Scalar` exists so
/// that tests check each path against a model on every machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Scalar code for every entry.
    Scalar,
    /// The IFMA kernel for the leading multiple of 8 entries where this CPU runs it and the
    /// modulus (and term count) allow, scalar code for the rest and everywhere else.
    Vectorized,
}

impl Path {
    /// Both paths, for tests that compare them.
    pub const ALL: [Path; 2] = [Path::Scalar, Path::Vectorized];
}

/// Whether the kernels run here for every modulus in `moduli`: the CPU has them and each
/// modulus is below [`MODULUS_LIMIT`].
pub fn serves(moduli: impl IntoIterator<Item = u64>) -> bool {
    available() && moduli.into_iter().all(|q| q < MODULUS_LIMIT)
}

/// Whether this CPU runs the kernels (AVX-512 F, DQ and IFMA), detected once.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512dq")
                && is_x86_feature_detected!("avx512ifma")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// One source prime of a base conversion: p, (D/p)^{-1} mod p with its base-2^52 companion,
/// and 1/p.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScaleFactor {
    pub(crate) p: u64,
    pub(crate) inverse: u64,
    pub(crate) inverse_shoup: u64,
    pub(crate) reciprocal: f64,
}

/// One term of a target row: the multiplier w mod q with its base-2^52 companion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Multiplier {
    pub(crate) w: u64,
    pub(crate) w_shoup: u64,
}

/// `Err(Length)` unless `found == expected`.
fn check_length(expected: usize, found: usize) -> Result<(), RingError> {
    if expected == found {
        Ok(())
    } else {
        Err(RingError::Length { expected, found })
    }
}

/// out0[c] += M[c] sum_j x_j[c] b_j[c] and out1[c] += M[c] sum_j x_j[c] a_j[c] mod q for every
/// coefficient c (M = 1 without a mask): key switching's products with the key.
///
/// Checks, with a typed `Length` error: as many `b` and `a` rows as `x` rows, every row and
/// the mask as long as `out0`, `out1` as long as `out0`. Inputs must be residues below q (a
/// larger one gives an unspecified residue, never undefined behaviour). On
/// [`Path::Vectorized`] the kernel runs where the CPU has it, q < 2^51 and there are at most
/// 3 terms (the high halves of the sums then stay below 2^52).
pub fn dot_products(
    path: Path,
    md: &Modulus,
    x: &[&[u64]],
    b: &[&[u64]],
    a: &[&[u64]],
    mask: Option<&[u64]>,
    [out0, out1]: [&mut [u64]; 2],
) -> Result<(), RingError> {
    let n = out0.len();
    check_length(x.len(), b.len())?;
    check_length(x.len(), a.len())?;
    check_length(n, out1.len())?;
    for row in x.iter().chain(b).chain(a).chain(&mask) {
        check_length(n, row.len())?;
    }
    let q = md.value();
    let done = if path == Path::Vectorized && x.len() <= 3 && serves([q]) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `serves` checked the CPU features; every row, the mask and both outputs
            // have length n (checked above), which is all the kernel reads and writes.
            unsafe { kernels::dot_products(q, x, b, a, mask, out0, out1) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            0
        }
    } else {
        0
    };
    // A sum of `terms` products below q^2 fits `reduce_u128`'s 2^124 unless q is near 2^62;
    // then the accumulator is reduced before every product.
    let sum_bits = 2 * md.bits() + (usize::BITS - x.len().leading_zeros());
    let reduce_each = sum_bits > 123;
    for c in done..n {
        let (mut acc0, mut acc1) = (0u128, 0u128);
        for ((input, b), a) in x.iter().zip(b).zip(a) {
            if reduce_each {
                acc0 = md.reduce_u128(acc0) as u128;
                acc1 = md.reduce_u128(acc1) as u128;
            }
            let v = input[c] as u128;
            acc0 += v * b[c] as u128;
            acc1 += v * a[c] as u128;
        }
        let (mut s0, mut s1) = (md.reduce_u128(acc0), md.reduce_u128(acc1));
        if let Some(mask) = mask {
            s0 = md.mul(s0, mask[c]);
            s1 = md.mul(s1, mask[c]);
        }
        out0[c] = md.add(out0[c], s0);
        out1[c] = md.add(out1[c], s1);
    }
    Ok(())
}

/// Pointwise products mod q over every entry: acc[c] += x[c] y[c] with `x`, else
/// acc[c] *= y[c]. Inputs are residues below q.
///
/// # Panics
/// If `x` or `y` is not as long as `acc` (an internal invariant: rows of one basis).
pub(crate) fn products(path: Path, md: &Modulus, acc: &mut [u64], x: Option<&[u64]>, y: &[u64]) {
    let n = acc.len();
    assert!(
        y.len() == n && x.is_none_or(|x| x.len() == n),
        "invariant: pointwise products of rows of one length"
    );
    let q = md.value();
    let done = if path == Path::Vectorized && serves([q]) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `serves` checked the CPU features; x and y are as long as acc (asserted).
            unsafe { kernels::products(q, acc, x, y) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            0
        }
    } else {
        0
    };
    match x {
        Some(x) => {
            for ((acc, &u), &v) in acc[done..].iter_mut().zip(&x[done..]).zip(&y[done..]) {
                *acc = md.add(*acc, md.mul(u, v));
            }
        }
        None => {
            for (a, &v) in acc[done..].iter_mut().zip(&y[done..]) {
                *a = md.mul(*a, v);
            }
        }
    }
}

/// row[c] <- (row[c] - values[index[c]]) w mod q over every entry (a gathered difference
/// scaled by a constant w < q: the last step of a rescaling). Inputs are residues below q.
///
/// # Panics
/// If `index` is not as long as `row` or an index is outside `values` (an internal
/// invariant: the indices are the units of Z_m, the values a transform of length >= m).
pub(crate) fn gathered_difference(
    path: Path,
    md: &Modulus,
    row: &mut [u64],
    values: &[u64],
    index: &[u32],
    w: u64,
) {
    assert!(
        index.len() == row.len() && index.iter().all(|&i| (i as usize) < values.len()),
        "invariant: one index per entry, each within the values"
    );
    let q = md.value();
    // The kernel's gather takes signed 32-bit indices.
    let done = if path == Path::Vectorized && values.len() <= 1 << 31 && serves([q]) {
        #[cfg(target_arch = "x86_64")]
        {
            let w = Multiplier {
                w,
                w_shoup: shoup52(w, q),
            };
            // SAFETY: `serves` checked the CPU features; index is as long as row and every
            // index is below values.len() <= 2^31 (asserted and checked above).
            unsafe { kernels::gathered_difference(q, row, values, index, w) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            0
        }
    } else {
        0
    };
    let w_shoup = md.shoup(w);
    for (x, &j) in row[done..].iter_mut().zip(&index[done..]) {
        *x = md.mul_shoup(md.sub(*x, values[j as usize]), w, w_shoup);
    }
}

/// The leading entries of `BaseConverter::scale` the kernel does (0 where it does not run:
/// CPU features missing or a prime not below 2^51): y_i = x_i (D/p_i)^{-1} mod p_i into
/// `ys[i]` and u = round(sum_i y_i / p_i) into `correction`. Returns how many were done.
///
/// # Panics
/// Unless `rows` and `ys` have one row per factor, each as long as `correction` (an internal
/// invariant of the converter).
pub(crate) fn scale(
    factors: &[ScaleFactor],
    rows: &[&[u64]],
    ys: &mut [&mut [u64]],
    correction: &mut [i64],
) -> usize {
    let n = correction.len();
    assert!(
        rows.len() == factors.len()
            && ys.len() == factors.len()
            && rows.iter().all(|r| r.len() == n)
            && ys.iter().all(|y| y.len() == n),
        "invariant: one source and one output row per factor, each one entry per coefficient"
    );
    if !serves(factors.iter().map(|f| f.p)) {
        return 0;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `serves` checked the CPU features; every row is as long as `correction`
        // (asserted).
        unsafe { kernels::scale(factors, rows, ys, correction) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}

/// The leading entries of `BaseConverter::target_row` the kernel does (0 where it does not
/// run): out[c] = (sum_i y_i w_i - u_c D) mod q, with ys holding one row of n = out.len()
/// entries per term. Returns how many were done. Exact for y_i < 2^51 and |u_c| < q.
///
/// # Panics
/// Unless `ys` holds terms.len() rows of n entries and `correction` n entries (an internal
/// invariant of the converter).
pub(crate) fn target_row(
    q: u64,
    terms: &[Multiplier],
    product: Multiplier,
    ys: &[u64],
    correction: &[i64],
    out: &mut [u64],
) -> usize {
    let n = out.len();
    assert!(
        ys.len() == terms.len() * n && correction.len() == n,
        "invariant: one y row per term and one correction per coefficient"
    );
    if !serves([q]) {
        return 0;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `serves` checked the CPU features; ys holds terms.len() rows of n entries
        // and correction n entries (asserted).
        unsafe { kernels::target_row(q, terms, product, ys, correction, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}

#[cfg(target_arch = "x86_64")]
mod kernels;

#[cfg(test)]
mod tests;
