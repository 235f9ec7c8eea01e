//! The process's memory allocator settings.

use app::store::BackendKind;

/// glibc's malloc settings for a server on `backend` (PostgreSQL's when the URL names none:
/// the server will refuse it). Each is applied unless its environment variable is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MallocSettings {
    /// How many arenas glibc may make (`MALLOC_ARENA_MAX`).
    pub arenas: i32,
    /// Blocks at least this large are mapped on their own and unmapped when freed
    /// (`MALLOC_MMAP_THRESHOLD_`); `None` keeps glibc's sliding threshold.
    pub mmap_threshold: Option<i32>,
    /// Free memory a heap keeps at its top before giving it back (`MALLOC_TRIM_THRESHOLD_`);
    /// `None` keeps glibc's.
    pub trim_threshold: Option<i32>,
}

/// The settings for a server on `backend`.
///
/// Arenas: by default each thread that allocates under contention gets an arena of its own
/// (up to 8 per core) and memory freed there stays with it: SQLite's connection threads and the
/// runtime's workers each grew one. At 100k accounts on SQLite, peak RSS over a first copy,
/// the home page, search and the team dashboard went from 218 to 149 MB with two (`make
/// bench-load` shows the peak after each request). On SQLite two were too few: the connection
/// threads build the rows the runtime's workers then read and free, and with 16 requests at
/// once threads waited on the two arenas' locks. Four gave 5–19 % more requests a second for
/// 3–10 MB more peak memory; on PostgreSQL, where only the runtime's workers allocate, four
/// gained nothing and cost 6–8 MB (docs/benchmarks.md, 2026-12-07, late evening).
///
/// Thresholds, SQLite: glibc raises its mmap threshold to the size of each large block freed,
/// so after the first large responses (a first copy's pages: ~570 KB of JSON each) such blocks
/// come from the four arenas' heaps, and stay there. `make bench-load` peaked at 104 MB (goal
/// < 100), 76 after the first copy. Blocks from 512 KiB are now mapped on their own: 71 MB,
/// 50 after the copy. A fixed mmap threshold also fixes the trim threshold at 128 KiB, and
/// heaps given back and grown again on every request cost 20–60 % of the throughput; 64 MiB
/// kept the throughput (docs/benchmarks.md, 2026-12-08, night).
pub fn malloc_settings(backend: Option<BackendKind>) -> MallocSettings {
    match backend {
        Some(BackendKind::Sqlite) => {
            MallocSettings { arenas: 4, mmap_threshold: Some(512 * 1024), trim_threshold: Some(64 * 1024 * 1024) }
        }
        Some(BackendKind::Postgres) | None => MallocSettings { arenas: 2, mmap_threshold: None, trim_threshold: None },
    }
}

/// Applies `malloc_settings`. Call it before any other thread starts.
pub fn tune_malloc(backend: Option<BackendKind>) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let settings = malloc_settings(backend);
        let set = |variable: &str, parameter: libc::c_int, value: Option<i32>| {
            if let Some(value) = value
                && std::env::var_os(variable).is_none()
            {
                // SAFETY: mallopt only changes allocator parameters; it is called before
                // other threads exist.
                unsafe {
                    libc::mallopt(parameter, value);
                }
            }
        };
        set("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, Some(settings.arenas));
        set("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, settings.mmap_threshold);
        set("MALLOC_TRIM_THRESHOLD_", libc::M_TRIM_THRESHOLD, settings.trim_threshold);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = backend;
}

#[cfg(test)]
mod tests {
    use super::{BackendKind, MallocSettings, malloc_settings};
    use crate::config::Config;

    #[test]
    fn sqlite_gets_more_arenas_than_postgres() {
        let arenas = |url: &str| malloc_settings(Config::for_database(url).backend()).arenas;
        assert_eq!(arenas("sqlite://data/kitchen-pantry.db"), 4);
        assert_eq!(arenas(" sqlite::memory:"), 4);
        assert_eq!(arenas("postgres://postgres@127.0.0.1/kp"), 2);
        assert_eq!(arenas("postgresql://db/kp"), 2);
        assert_eq!(arenas("mysql://db/kp"), 2, "refused later, with a message");
    }

    #[test]
    fn sqlite_maps_large_blocks_on_their_own_and_keeps_its_heaps() {
        let sqlite = malloc_settings(Some(BackendKind::Sqlite));
        // Below a first copy's page, so those blocks leave the heaps.
        assert!(sqlite.mmap_threshold.is_some_and(|threshold| threshold < 570_000));
        // Far above the mmap threshold: a fixed one would otherwise trim at 128 KiB.
        assert!(sqlite.trim_threshold > sqlite.mmap_threshold.map(|threshold| threshold * 16));
        assert_eq!(
            malloc_settings(Some(BackendKind::Postgres)),
            MallocSettings { arenas: 2, mmap_threshold: None, trim_threshold: None }
        );
    }
}
