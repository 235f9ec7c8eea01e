//! The process's memory allocator settings.

/// How many malloc arenas glibc may make (unless `MALLOC_ARENA_MAX` is set).
pub const MALLOC_ARENAS: i32 = 2;

/// Caps glibc's malloc arenas. By default each thread that allocates under contention gets an
/// arena of its own (up to 8 per core) and memory freed there stays with it: SQLite's
/// connection threads and the runtime's workers each grew one. At 100k accounts on SQLite,
/// peak RSS over a first copy, the home page, search and the team dashboard went from 218 to
/// 149 MB with two (`make bench-load` shows the peak after each request). Call it before
/// any other thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes allocator parameters; it is called before other
        // threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
        }
    }
}
