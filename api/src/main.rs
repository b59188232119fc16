//! The `ntin-desk` binary.

/// mimalloc instead of glibc's malloc: the server allocates per request and per row, and glibc's allocator
/// took about a seventh of its CPU under the read benchmark (README, "Measured").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    if let Err(e) = api::cli::run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
