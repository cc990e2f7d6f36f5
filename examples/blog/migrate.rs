//! The blog's migration command: the `aludel` CLI with the blog's models
//! linked in, so that `revision --autogenerate` and `check` see them (the
//! seed's section 10).
//!
//! ```sh
//! cargo run -p aludel-examples --bin blog_migrate -- init --url sqlite:///blog.db
//! cargo run -p aludel-examples --bin blog_migrate -- revision --autogenerate -m init
//! cargo run -p aludel-examples --bin blog_migrate -- upgrade head
//! ```

#[path = "models.rs"]
mod models;

fn main() -> std::process::ExitCode {
    aludel_cli::run_with_models(aludel::orm::models_metadata)
}
