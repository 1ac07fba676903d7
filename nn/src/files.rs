//! Files the programs read and write, with two guarantees a caller can rely on:
//!
//! - a read is bounded: [`read_limited`] refuses a file of more than `limit` bytes, from its
//!   metadata before reading anything when the size is known, and by reading at most
//!   `limit + 1` bytes otherwise (pipes, devices, a file that grows while read);
//! - a write is atomic: [`write_atomic`] writes a temporary file in the target's directory,
//!   syncs it and renames it over the target (rename within one directory replaces the name
//!   in one step on POSIX), so a reader sees the old file or the whole new one, never a
//!   prefix, and a failed write leaves the old file and no temporary behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// Reading or writing one file failed.
#[derive(Debug, Error)]
pub enum FileError {
    /// The operating system refused the operation on `path`.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file (or, for a write, the target) concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file holds more than the reader accepts.
    #[error("{path} is larger than the {limit} bytes accepted")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The largest size accepted, in bytes.
        limit: u64,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The bytes of `path`, which must hold at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let too_large = || FileError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    let file = File::open(path).map_err(io_error(path))?;
    let metadata = file.metadata().map_err(io_error(path))?;
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large());
    }
    let capacity = usize::try_from(metadata.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The text of `path` (UTF-8), which must hold at most `limit` bytes.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|e| FileError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// Distinguishes the temporary files of concurrent writes from one process.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Replaces the contents of `path` with `bytes` atomically (see the module doc). The directory
/// must exist. The file gets the default permissions (0o666 less the umask on Unix).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_inner(path, bytes, None)
}

/// [`write_atomic`] with the permissions `mode` (Unix; ignored elsewhere), less the umask: the
/// temporary file is created with them, so the data is never readable more widely, not even
/// before the rename (a secret key: 0o600).
pub fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FileError> {
    write_atomic_inner(path, bytes, Some(mode))
}

fn write_atomic_inner(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), FileError> {
    let name = path.file_name().ok_or_else(|| FileError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let temporary = dir.join(temporary_name);
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    written.map_err(|source| {
        // The temporary may not exist (open failed); either way nothing is left behind.
        let _ = std::fs::remove_file(&temporary);
        FileError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Creates `dir` if needed and checks that files can be written in it, by writing and
/// removing a probe file: a program calls this before long work whose results go there.
pub fn ensure_writable_dir(dir: &Path) -> Result<(), FileError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let probe = dir.join(format!(".write-probe.{}", std::process::id()));
    write_atomic(&probe, b"")?;
    std::fs::remove_file(&probe).map_err(io_error(&probe))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nit-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("out.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        assert_eq!(entries(&dir), ["out.json"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_with_mode_sets_the_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let path = dir.join("secret");
        write_atomic_with_mode(&path, b"first", 0o600).unwrap();
        write_atomic_with_mode(&path, b"second", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(entries(&dir), ["secret"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_atomic_write_keeps_the_old_target_and_no_temporary() {
        let dir = scratch("fail");
        // A directory cannot be replaced by a file: the rename fails after the data is written.
        let target = dir.join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"old").unwrap();
        assert!(matches!(
            write_atomic(&target, b"new"),
            Err(FileError::Io { path, .. }) if path == target
        ));
        assert_eq!(entries(&dir), ["taken"]);
        assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"old");
        // A missing directory fails at the open.
        assert!(matches!(
            write_atomic(&dir.join("missing").join("f"), b"x"),
            Err(FileError::Io { .. })
        ));
        assert_eq!(entries(&dir), ["taken"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_above_the_limit_are_refused() {
        let dir = scratch("limit");
        let path = dir.join("data");
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_limited(&path, 100).unwrap(), [7u8; 100]);
        assert!(matches!(
            read_limited(&path, 99),
            Err(FileError::TooLarge { limit: 99, .. })
        ));
        // A sparse file of 1 TiB is refused from its size, without reading it.
        let huge = dir.join("huge");
        File::create(&huge).unwrap().set_len(1 << 40).unwrap();
        assert!(matches!(
            read_limited(&huge, 1 << 20),
            Err(FileError::TooLarge { .. })
        ));
        // A device reports no size: the read itself stops one byte past the limit.
        assert!(matches!(
            read_limited(Path::new("/dev/zero"), 1000),
            Err(FileError::TooLarge { limit: 1000, .. })
        ));
        assert!(matches!(
            read_limited(&dir.join("absent"), 10),
            Err(FileError::Io { .. })
        ));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_text_limited(&path, 10),
            Err(FileError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writable_dir_check_creates_the_directory_and_refuses_a_file() {
        let dir = scratch("writable");
        let nested = dir.join("a").join("b");
        ensure_writable_dir(&nested).unwrap();
        assert!(nested.is_dir());
        assert!(entries(&nested).is_empty(), "the probe is removed");
        let file = dir.join("plain");
        std::fs::write(&file, b"").unwrap();
        assert!(matches!(
            ensure_writable_dir(&file.join("sub")),
            Err(FileError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
