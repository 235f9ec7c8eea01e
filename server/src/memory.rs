//! The process's memory allocator settings.

use app::store::BackendKind;

/// How many malloc arenas glibc may make (unless `MALLOC_ARENA_MAX` is set) for a server on
/// `backend` (two when the URL names none: the server will refuse it).
///
/// By default each thread that allocates under contention gets an arena of its own (up to 8
/// per core) and memory freed there stays with it: SQLite's connection threads and the
/// runtime's workers each grew one. At 100k accounts on SQLite, peak RSS over a first copy,
/// the home page, search and the team dashboard went from 218 to 149 MB with two (`make
/// bench-load` shows the peak after each request).
///
/// On SQLite two were too few: the connection threads build the rows the runtime's workers
/// then read and free, and with 16 requests at once threads waited on the two arenas' locks
/// (a profile of search: glibc's malloc 17 %, the futex waits and wake-ups around its locks
/// 13 %). Four gave 5–19 % more requests a second (search `austin` 621–671 → 688–793, `aisha's`
/// 1,162–1,190 → 1,276–1,416) for 3–10 MB more peak memory (86 MB in `make bench-load`, goal
/// < 100); eight, a little more speed for 12 MB. On PostgreSQL, where only the runtime's
/// workers allocate, four gained nothing and cost 6–8 MB (docs/benchmarks.md, 2026-12-07,
/// late evening).
pub fn malloc_arenas(backend: Option<BackendKind>) -> i32 {
    match backend {
        Some(BackendKind::Sqlite) => 4,
        Some(BackendKind::Postgres) | None => 2,
    }
}

/// Caps glibc's malloc arenas (`malloc_arenas`). Call it before any other thread starts.
pub fn limit_malloc_arenas(backend: Option<BackendKind>) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes allocator parameters; it is called before other
        // threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, malloc_arenas(backend));
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = backend;
}

#[cfg(test)]
mod tests {
    use super::{BackendKind, malloc_arenas};
    use crate::config::Config;

    #[test]
    fn sqlite_gets_more_arenas_than_postgres() {
        let arenas = |url: &str| malloc_arenas(Config::for_database(url).backend());
        assert_eq!(arenas("sqlite://data/kitchen-pantry.db"), 4);
        assert_eq!(arenas(" sqlite::memory:"), 4);
        assert_eq!(arenas("postgres://postgres@127.0.0.1/kp"), 2);
        assert_eq!(arenas("postgresql://db/kp"), 2);
        assert_eq!(arenas("mysql://db/kp"), 2, "refused later, with a message");
        assert_eq!(malloc_arenas(Some(BackendKind::Sqlite)), 4);
    }
}
