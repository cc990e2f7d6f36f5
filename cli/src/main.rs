//! The `aludel` binary: migrations from the shell (see the crate docs).

fn main() -> std::process::ExitCode {
    aludel_cli::run()
}
