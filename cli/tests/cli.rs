//! The `aludel` binary end to end on an SQLite file: init, revision,
//! upgrade, current, history (and its ranges), heads, downgrade, offline
//! SQL, colors, help, and the exit codes of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aludel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aludel"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("aludel runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aludel_cli_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const OPS: &str = r#"
[[upgrade]]
op = "create_table"
table = "users"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "email", type = "String(100)", nullable = false },
]

[[downgrade]]
op = "drop_table"
table = "users"
"#;

#[test]
fn a_project_from_init_to_downgrade() {
    let dir = fresh("flow");
    let o = aludel(&dir, &["init", "--url", "sqlite:///app.db"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("aludel.toml").exists());
    assert!(dir.join("migrations/versions").is_dir());

    let o = aludel(&dir, &["revision", "-m", "create users"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = std::fs::read_dir(dir.join("migrations/versions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(
        file.to_string_lossy().ends_with("_create_users.toml"),
        "{file:?}"
    );
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(OPS);
    std::fs::write(&file, text).unwrap();
    let id = file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string();

    let o = aludel(&dir, &["current"]);
    assert_eq!(stdout(&o).trim(), "<base>", "{}", stderr(&o));
    let o = aludel(&dir, &["upgrade", "--sql"]);
    assert!(stdout(&o).contains("CREATE TABLE users"), "{}", stdout(&o));
    assert!(aludel(&dir, &["current"]).status.success());
    assert_eq!(
        stdout(&aludel(&dir, &["current"])).trim(),
        "<base>",
        "--sql ran nothing"
    );

    let o = aludel(&dir, &["upgrade", "head"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("upgraded to {id}, create users")));
    let o = aludel(&dir, &["upgrade", "head"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to upgrade"), "{}", stdout(&o));
    let o = aludel(&dir, &["current"]);
    assert_eq!(stdout(&o).trim(), format!("{id} (head), create users"));
    let o = aludel(&dir, &["history", "--verbose"]);
    assert!(
        stdout(&o).contains(&format!("<base> -> {id} (head), create users")),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("upgrade:   create_table users"),
        "{}",
        stdout(&o)
    );
    let o = aludel(&dir, &["heads"]);
    assert!(stdout(&o).contains(&format!("{id} (head)")));
    let o = aludel(&dir, &["show", &id[..4]]);
    assert!(
        stdout(&o).contains("op = \"create_table\""),
        "{}",
        stdout(&o)
    );

    let o = aludel(&dir, &["show", "head"]);
    assert!(
        stdout(&o).contains(&format!("revision = \"{id}\"")),
        "{}",
        stdout(&o)
    );

    let o = aludel(&dir, &["downgrade", "base"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("reverted {id}, create users")));
    assert_eq!(stdout(&aludel(&dir, &["current"])).trim(), "<base>");
    let o = aludel(&dir, &["stamp", "head"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&aludel(&dir, &["current"])).trim(),
        format!("{id} (head), create users")
    );
}

#[test]
fn bad_input_fails_with_a_message_and_an_exit_code() {
    let dir = fresh("bad");
    // No settings yet: the command fails (3).
    let o = aludel(&dir, &["current"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("aludel init"), "{}", stderr(&o));
    assert!(aludel(&dir, &["init"]).status.success());
    // Usage errors are 2.
    let o = aludel(&dir, &["upgrayedd"]);
    assert_eq!(o.status.code(), Some(2));
    let o = aludel(&dir, &["--color", "sometimes", "heads"]);
    assert_eq!(o.status.code(), Some(2));
    // An unknown target.
    let o = aludel(&dir, &["upgrade", "nope"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("no revision"), "{}", stderr(&o));
    // A downgrade past base.
    let o = aludel(&dir, &["downgrade", "-1"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("past base"), "{}", stderr(&o));
    // A malformed revision file names itself, the line and the field.
    std::fs::write(
        dir.join("migrations/versions/bad.toml"),
        "revision = \"abc\"\nmessage = 3\n",
    )
    .unwrap();
    let o = aludel(&dir, &["heads"]);
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(e.contains("bad.toml:2: "), "{e}");
    // An unreachable database.
    std::fs::remove_file(dir.join("migrations/versions/bad.toml")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_aludel"))
        .current_dir(&dir)
        .env("DATABASE_URL", "postgresql://u:secret@127.0.0.1:1/db")
        .args(["current"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(e.contains("127.0.0.1"), "{e}");
    assert!(!e.contains("secret"), "the password never shows: {e}");
    // check and autogenerate need the models, which the stand-alone
    // binary does not have.
    let o = aludel(&dir, &["check"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("run_with_models"), "{}", stderr(&o));
}

/// Writes a revision with `aludel revision` and returns its id.
fn revision(dir: &Path, message: &str) -> String {
    let o = aludel(dir, &["revision", "-m", message]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let file = out.trim().strip_prefix("wrote ").expect("wrote FILE");
    Path::new(file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string()
}

/// The revision ids of `history` output, in order.
fn listed(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .map(|l| {
            let after = l.split(" -> ").nth(1).unwrap_or_default();
            after
                .split([' ', ','])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn history_ranges() {
    let dir = fresh("ranges");
    assert!(aludel(&dir, &["init"]).status.success());
    let a = revision(&dir, "one");
    let b = revision(&dir, "two");
    let c = revision(&dir, "three");
    let d = revision(&dir, "four");
    let (a, b, c, d) = (a.as_str(), b.as_str(), c.as_str(), d.as_str());
    let o = aludel(&dir, &["history"]);
    assert_eq!(listed(&o), [a, b, c, d], "{}", stdout(&o));

    let hist = |range: &str| aludel(&dir, &["history", "-r", range]);
    assert_eq!(listed(&hist(&format!("{b}:{c}"))), [b, c]);
    assert_eq!(listed(&hist(&format!("{}:", &c[..6]))), [c, d]);
    assert_eq!(listed(&hist(&format!(":{b}"))), [a, b]);
    assert_eq!(listed(&hist("-1:")), [c, d]);
    assert_eq!(listed(&hist(&format!("{a}:+2"))), [a, b, c]);
    assert_eq!(listed(&hist("base:head")), [a, b, c, d]);
    assert_eq!(
        listed(&aludel(&dir, &["history", "--rev-range=-2:head"])),
        [b, c, d]
    );
    assert_eq!(listed(&aludel(&dir, &["history", "-r-1:heads"])), [c, d]);

    // current comes from the database.
    assert!(aludel(&dir, &["upgrade", "+2"]).status.success());
    assert_eq!(listed(&hist("current:")), [b, c, d]);
    assert_eq!(listed(&hist(":current")), [a, b]);
    let o = aludel(&dir, &["history", "-r", "-1:current", "-i"]);
    assert_eq!(listed(&o), [a, b]);
    assert!(
        stdout(&o).contains(&format!("{b} (current), two")),
        "{}",
        stdout(&o)
    );
    let o = aludel(&dir, &["history", "-i"]);
    assert!(
        stdout(&o).contains(&format!("{d} (head), four")),
        "{}",
        stdout(&o)
    );
    // Colored, applied revisions show their ids as ids, the rest dimmed.
    let o = aludel(&dir, &["--color", "always", "history", "-i"]);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("-> \u{1b}[33m{b}\u{1b}[0m")),
        "{out:?}"
    );
    assert!(
        out.contains(&format!("-> \u{1b}[2m{c}\u{1b}[0m")),
        "{out:?}"
    );

    // Mistakes: a clear message and a non-zero status.
    let o = hist("zzzz:");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("\"zzzz\": no revision"),
        "{}",
        stderr(&o)
    );
    let o = hist(&format!("{d}:{a}"));
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(&format!("{d} is not an ancestor of {a}")),
        "{}",
        stderr(&o)
    );
    let o = hist("head");
    assert_eq!(o.status.code(), Some(2), "no colon: a usage error");
    assert!(stderr(&o).contains("START:END"), "{}", stderr(&o));
    // An empty range lists nothing.
    let o = hist("base:base");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn colors_only_when_asked_or_on_a_terminal() {
    let dir = fresh("colors");
    assert!(aludel(&dir, &["init"]).status.success());
    let id = revision(&dir, "one");
    const ESC: char = '\u{1b}';
    // Captured output is plain by default, and with --color never.
    for args in [
        &["heads"][..],
        &["--color", "never", "heads"],
        &["heads", "--color=auto"],
    ] {
        let o = aludel(&dir, args);
        assert_eq!(stdout(&o), format!("{id} (head), one\n"), "{args:?}");
    }
    // --color always colors, wherever the option stands.
    for args in [
        &["--color", "always", "heads"][..],
        &["heads", "--color=always"],
    ] {
        let o = aludel(&dir, args);
        let out = stdout(&o);
        assert!(out.contains(ESC), "{args:?}: {out:?}");
        assert!(out.contains(&format!("\u{1b}[33m{id}\u{1b}[0m")), "{out:?}");
    }
    // NO_COLOR turns auto off, even where CLICOLOR_FORCE would turn it on;
    // an explicit --color always still wins.
    let with_env = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_aludel"));
        c.current_dir(&dir).env_remove("DATABASE_URL").args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let o = with_env(&[("CLICOLOR_FORCE", "1")], &["heads"]);
    assert!(stdout(&o).contains(ESC), "CLICOLOR_FORCE: {:?}", stdout(&o));
    let o = with_env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], &["heads"]);
    assert!(!stdout(&o).contains(ESC), "NO_COLOR: {:?}", stdout(&o));
    let o = with_env(&[("NO_COLOR", "1")], &["--color", "always", "heads"]);
    assert!(stdout(&o).contains(ESC), "{:?}", stdout(&o));
    // Errors go to stderr, in red when colored.
    let o = aludel(&dir, &["show", "nope"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with("aludel: error: "),
        "{:?}",
        stderr(&o)
    );
    let o = aludel(&dir, &["--color", "always", "show", "nope"]);
    assert!(stderr(&o).contains("\u{1b}[31m"), "{:?}", stderr(&o));
}

#[test]
fn every_command_has_help_with_examples() {
    use clap::CommandFactory;
    let dir = fresh("help");
    let cli = aludel_cli::Cli::command();
    let o = aludel(&dir, &["--help"]);
    assert!(o.status.success());
    let top = stdout(&o);
    for needle in [
        "Exit status:",
        "0  success",
        "1  check",
        "2  usage",
        "3  ",
        "Examples:",
    ] {
        assert!(top.contains(needle), "{needle}: {top}");
    }
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert!(names.len() >= 12, "{names:?}");
    for name in &names {
        for flag in ["--help", "-h"] {
            let o = aludel(&dir, &[name, flag]);
            assert!(o.status.success(), "{name} {flag}: {}", stderr(&o));
            let out = stdout(&o);
            assert!(out.contains("Examples:"), "{name} {flag}: {out}");
            let example = out
                .split("Examples:")
                .nth(1)
                .unwrap_or_default()
                .to_string();
            assert!(
                example.contains(&format!(" {name}")),
                "{name} {flag}: an example of the command itself: {out}"
            );
        }
        let o = aludel(&dir, &["help", name]);
        assert!(o.status.success(), "help {name}");
    }
}

#[test]
fn check_exits_1_while_the_models_and_the_database_differ() {
    use aludel_core::{Column, MetaData, SqlType, Table};
    use clap::Parser;
    let dir = fresh("check");
    let url = format!("sqlite:///{}", dir.join("app.db").display());
    assert!(aludel(&dir, &["init", "--url", &url]).status.success());
    let mut models = MetaData::new();
    models
        .add(
            Table::builder("accounts")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("email", SqlType::String(Some(100))).unique()),
        )
        .unwrap();
    let config = dir.join("aludel.toml");
    let cli = |args: &[&str]| {
        let mut all = vec!["aludel", "-c", config.to_str().unwrap()];
        all.extend_from_slice(args);
        aludel_cli::Cli::try_parse_from(all).unwrap()
    };
    let e = aludel_cli::execute_with(&cli(&["check"]), Some(&models)).unwrap_err();
    assert_eq!(e.exit_code(), aludel_cli::EXIT_CHANGES);
    assert!(e.to_string().contains("differ (1 operation(s))"), "{e}");
    aludel_cli::execute_with(
        &cli(&["revision", "--autogenerate", "-m", "accounts"]),
        Some(&models),
    )
    .unwrap();
    let o = aludel(&dir, &["upgrade"]);
    assert!(o.status.success(), "{}", stderr(&o));
    aludel_cli::execute_with(&cli(&["check"]), Some(&models)).unwrap();
    // Without the models, check is a failure of its own (3), not a 1.
    let e = aludel_cli::execute(&cli(&["check"])).unwrap_err();
    assert_eq!(e.exit_code(), aludel_cli::EXIT_FAILURE);
}
