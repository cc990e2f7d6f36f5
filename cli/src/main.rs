//! The `aludel` binary. Its commands arrive with the migrations; today it
//! answers `--version` and explains what it will do.

use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--version") | Some("-V") => {
            println!("aludel {}", aludel_cli::VERSION);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "aludel {}: the migration commands are not available in this version yet",
                aludel_cli::VERSION
            );
            ExitCode::from(2)
        }
    }
}
