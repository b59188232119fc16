//! The `ntin-desk` binary.

#[tokio::main]
async fn main() {
    if let Err(e) = api::cli::run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
