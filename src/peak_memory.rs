//! Peak resident memory of this process, for the benchmark harnesses' reports.

/// VmHWM (the high-water mark of resident memory) from /proc/self/status, in MB; 0 where the
/// file is missing or unreadable (not Linux).
pub fn peak_resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
