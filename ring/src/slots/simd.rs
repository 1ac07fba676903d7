//! Runtime dispatch of the wrapping-u32 kernels to AVX2.
//!
//! The crate is built for baseline x86-64 (SSE2), which has no 32-bit vector multiply; the
//! slot kernels (multiply-accumulate over Z_{2^32}) are 5-10x faster when the compiler may use
//! AVX2's vpmulld. [`avx2_kernel!`] defines a function whose body is compiled twice, once with
//! AVX2 enabled (called when the running CPU has it) and once for the baseline.

/// Defines `fn name(args) -> ret { body }` dispatching at run time to an AVX2 build of body.
macro_rules! avx2_kernel {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn kernel($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn kernel_avx2($($arg: $ty),*) $(-> $ret)? {
                    kernel($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the running CPU supports AVX2, the only requirement of kernel_avx2.
                    return unsafe { kernel_avx2($($arg),*) };
                }
            }
            kernel($($arg),*)
        }
    };
}
pub(crate) use avx2_kernel;

/// Lanes of one block of a Galois-ring row (rows are padded to whole blocks).
pub const LANES: usize = 16;

/// acc[i] += c * row[i] (wrapping), over the common length.
#[inline(always)]
pub fn multiply_accumulate(acc: &mut [u32], c: u32, row: &[u32]) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = a.wrapping_add(c.wrapping_mul(x));
    }
}

/// acc[i] += c * row[i] (wrapping) on one fixed-size block.
#[inline(always)]
pub fn multiply_accumulate_block(acc: &mut [u32; LANES], c: u32, row: &[u32; LANES]) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = a.wrapping_add(c.wrapping_mul(x));
    }
}

/// (index + step) mod m for index, step < m, without a data-dependent branch (the walks
/// j -> t j mod m are unpredictable).
#[inline(always)]
pub fn step_index(index: usize, step: usize, m: usize) -> usize {
    let next = index + step;
    next - m * usize::from(next >= m)
}
