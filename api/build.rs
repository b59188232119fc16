//! Release builds embed `web/dist/app` (rust-embed), which tracks the files it saw but not new ones, so a
//! new console build must rebuild the binary. Debug builds read the folder at run time and need no
//! rebuild. `web/dist` is kept in git (its `.gitignore`), so the watched path always exists.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo:rerun-if-changed=../web/dist");
    }
}
