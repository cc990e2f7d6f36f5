//! Benchmarks of Aludel side by side with the raw drivers and peer crates.
//! The benchmarks themselves live in `benches/`; run them with `cargo xtask bench`.
