//! Runtime dispatch of the wrapping-u32 kernels to AVX2.
//!
//! The crate is built for baseline x86-64 (SSE2), which has no 32-bit vector multiply; the
//! slot kernels (multiply-accumulate over Z_{2^32}) are 5-10x faster when the compiler may use
//! AVX2's vpmulld. [`with_avx2`] runs a closure inside a function compiled with AVX2 enabled
//! (the closure is inlined there) when the CPU has it, and as plain code otherwise.

/// Runs `kernel`, compiled with AVX2 enabled if the running CPU supports it.
#[inline]
pub fn with_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn run<R>(kernel: impl FnOnce() -> R) -> R {
            kernel()
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only requirement of `run`.
            return unsafe { run(kernel) };
        }
    }
    kernel()
}

/// acc[i] += c * row[i] (wrapping), over the common length.
#[inline(always)]
pub fn multiply_accumulate(acc: &mut [u32], c: u32, row: &[u32]) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = a.wrapping_add(c.wrapping_mul(x));
    }
}
