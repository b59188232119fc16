//! The `ntin-desk` binary.

/// mimalloc instead of glibc's malloc: the server allocates per request and per row, and glibc's allocator
/// took about a seventh of its CPU under the read benchmark (README, "Measured").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's settings, when the environment does not give them. Its defaults keep freed memory for a second
/// and commit arenas eagerly: a 100,000-offer Kaspi import peaked at 221 MB RSS (re-import 240 MB) against
/// 138 / 160 MB with glibc. With these, 153 / 181 MB, and the read benchmark keeps its gain (README).
const ALLOCATOR_DEFAULTS: [(&str, &str); 2] = [("MIMALLOC_PURGE_DELAY", "100"), ("MIMALLOC_ARENA_EAGER_COMMIT", "0")];

/// Set in the environment of the process [`allocator_settings`] restarted, so it restarts once at most.
const ALLOCATOR_SET: &str = "NTIN_DESK_ALLOCATOR_SET";

/// mimalloc reads its options from the environment when the process loads, before `main`: when one of
/// [`ALLOCATOR_DEFAULTS`] is missing, the binary starts itself again (same arguments, same PID) with it set.
/// When that fails it goes on with mimalloc's own defaults.
#[cfg(unix)]
fn allocator_settings() {
    use std::os::unix::process::CommandExt as _;
    if std::env::var_os(ALLOCATOR_SET).is_some() {
        return;
    }
    let missing: Vec<(&str, &str)> = ALLOCATOR_DEFAULTS.into_iter().filter(|(k, _)| std::env::var_os(k).is_none()).collect();
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let error = std::process::Command::new(exe).args(std::env::args_os().skip(1)).envs(missing).env(ALLOCATOR_SET, "1").exec();
    eprintln!("warning: cannot restart with the allocator's settings ({error}); going on with mimalloc's defaults");
}

#[cfg(not(unix))]
fn allocator_settings() {}

fn main() {
    allocator_settings();
    run();
}

#[tokio::main]
async fn run() {
    if let Err(e) = api::cli::run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
