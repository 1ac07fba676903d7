//! CPU time of this process, for the benchmark harnesses' reports: on a shared machine the
//! wall time of a run depends on the other jobs, its CPU time much less.

/// CPU seconds (user + system, all threads) this process has used so far, from
/// /proc/self/stat; 0 where the file is missing or unreadable (not Linux).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesized command name: utime and stime are the 12th and
            // 13th, in clock ticks (100 per second on Linux).
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(0.0)
}
