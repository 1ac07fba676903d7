//! Resident memory of this process (peak and now) and the memory the OS has available, for the
//! benchmark harnesses' reports and the provider's check before a step.

/// A `kB` field of a /proc file, in kB; None where the file is missing or unreadable (not
/// Linux).
fn proc_kb(file: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
}

/// A `kB` field of /proc/self/status.
fn status_kb(field: &str) -> Option<u64> {
    proc_kb("/proc/self/status", field)
}

/// MemAvailable (what the OS can give without swapping), in bytes; None where it cannot be
/// read.
pub fn available_bytes() -> Option<u64> {
    proc_kb("/proc/meminfo", "MemAvailable:").map(|kb| kb * 1024)
}

/// VmHWM (the high-water mark of resident memory), in MB; 0 where it cannot be read.
pub fn peak_resident_mb() -> u64 {
    status_kb("VmHWM:").map_or(0, |kb| kb / 1024)
}

/// VmRSS (resident memory now), in bytes; 0 where it cannot be read.
pub fn resident_bytes() -> u64 {
    status_kb("VmRSS:").map_or(0, |kb| kb * 1024)
}

/// Starts a new high-water mark at the resident memory now (writes 5 to
/// /proc/self/clear_refs); false where that is not possible.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The resident bytes `f` adds at its peak above what was resident when it started (its
/// scratch and result), or None where the high-water mark cannot be reset.
pub fn scratch_bytes<T>(f: impl FnOnce() -> T) -> Option<(T, u64)> {
    let before = resident_bytes();
    if !reset_peak() {
        return None;
    }
    let out = f();
    let peak = status_kb("VmHWM:")? * 1024;
    Some((out, peak.saturating_sub(before)))
}
