//! The seed's blog app prints exactly the seed's output, twice in a row
//! (each run starts from fresh tables), on SQLite and on every server the
//! test matrix provides; its async variant likewise.

use std::process::Command;

const SEED_OUTPUT: &str =
    "Created User: Alice\nPost Created: My First Post\n1 Alice alice@example.com\n";
const ASYNC_OUTPUT: &str = "Created User: Alice\n1 Alice alice@example.com\n";
const QUERIES_OUTPUT: &str = "9.1 [\"Anna\", \"Alice\"]
9.2 Alice -> My First Post
9.2 Alice -> Second Thoughts
9.2 Anna -> Hello
9.3 Total posts: 3
9.4 Alice 2
9.4 Anna 1
9.5 Alice [\"My First Post\", \"Second Thoughts\"]
9.5 Anna [\"Hello\"]
9.5 Bob []
";

/// SQLite (a file in a fresh directory, as the default URL gives it) and
/// the servers whose URLs are set.
fn databases() -> Vec<(&'static str, Option<String>)> {
    let mut out = vec![("sqlite", None)];
    for (name, var) in [
        ("postgres", "ALUDEL_TEST_POSTGRES_URL"),
        ("mysql", "ALUDEL_TEST_MYSQL_URL"),
    ] {
        if let Ok(url) = std::env::var(var) {
            if !url.is_empty() {
                out.push((name, Some(url)));
            }
        }
    }
    out
}

fn run(bin: &str, url: Option<&str>, dir: &std::path::Path) -> String {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir).env_remove("BLOG_ECHO");
    match url {
        Some(u) => cmd.env("DATABASE_URL", u),
        None => cmd.env_remove("DATABASE_URL"),
    };
    let out = cmd.output().expect("the example runs");
    assert!(
        out.status.success(),
        "{bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn check(bin: &str, expected: &str) {
    for (name, url) in databases() {
        let stem = std::path::Path::new(bin)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("bin");
        let dir = std::env::temp_dir().join(format!("aludel_{stem}_{}_{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for attempt in 1..=2 {
            let got = run(bin, url.as_deref(), &dir);
            assert_eq!(got, expected, "{name}, run {attempt}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The seed's section 10: autogenerate the blog's first revision, then
/// upgrade head, downgrade base and upgrade head again; `check` passes once
/// the database matches the models.
fn migrations_round_trip(url: Option<&str>, name: &str) {
    let bin = env!("CARGO_BIN_EXE_blog_migrate");
    let dir =
        std::env::temp_dir().join(format!("aludel_blog_migrate_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(bin);
        cmd.current_dir(&dir).args(args);
        match url {
            Some(u) => cmd.env("DATABASE_URL", u),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let out = cmd.output().expect("blog_migrate runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |args: &[&str]| {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(0), "{name}: {args:?}: {err}");
        out
    };
    ok(&["init", "--url", "sqlite:///blog.db"]);
    // The server's database is shared with other tests: look only at the
    // blog's tables.
    let cfg = dir.join("aludel.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}only_model_tables = true\n")).unwrap();
    if url.is_some() {
        // Start where the seed starts: no blog tables.
        let _ = ok(&["upgrade", "--sql"]);
    }
    let (code, _, _) = run(&["check"]);
    let fresh = code == Some(1);
    let out = ok(&["revision", "--autogenerate", "-m", "init"]);
    if fresh {
        assert!(out.contains("detected create_table users"), "{name}: {out}");
        assert!(out.contains("detected create_table posts"), "{name}: {out}");
    }
    ok(&["upgrade", "head"]);
    let out = ok(&["check"]);
    assert!(out.contains("no changes"), "{name}: {out}");
    ok(&["downgrade", "base"]);
    assert_eq!(
        run(&["check"]).0,
        Some(1),
        "{name}: tables gone, check fails"
    );
    ok(&["upgrade", "head"]);
    assert!(ok(&["check"]).contains("no changes"), "{name}");
    ok(&["downgrade", "base"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One test, so that the two apps (which use the same tables) never run at
/// the same time on a shared server.
#[test]
fn blog_and_async_blog_print_the_seed_output_every_run() {
    check(env!("CARGO_BIN_EXE_blog"), SEED_OUTPUT);
    check(env!("CARGO_BIN_EXE_blog_async"), ASYNC_OUTPUT);
    check(env!("CARGO_BIN_EXE_blog_queries"), QUERIES_OUTPUT);
    for (name, url) in databases() {
        // The apps leave their tables behind; the migrations start without.
        if let Some(u) = &url {
            drop_blog_tables(u);
        }
        migrations_round_trip(url.as_deref(), name);
    }
}

fn drop_blog_tables(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = aludel::create_engine(url).unwrap();
        let mut c = engine.connect().await.unwrap();
        for t in ["posts", "users", "aludel_version"] {
            c.execute(aludel::text(&format!("DROP TABLE IF EXISTS {t}")))
                .await
                .unwrap();
        }
    });
}
