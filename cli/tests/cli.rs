//! The `aludel` binary end to end on an SQLite file: init, revision,
//! upgrade, current, history, heads, downgrade, offline SQL, and the exit
//! codes of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aludel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aludel"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
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
    assert!(stdout(&o).contains(&format!("upgraded to {id}")));
    let o = aludel(&dir, &["current"]);
    assert_eq!(stdout(&o).trim(), format!("{id}, create users"));
    let o = aludel(&dir, &["history", "--verbose"]);
    assert!(
        stdout(&o).contains(&format!("<base> -> {id}, create users")),
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

    let o = aludel(&dir, &["downgrade", "base"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&aludel(&dir, &["current"])).trim(), "<base>");
    let o = aludel(&dir, &["stamp", "head"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&aludel(&dir, &["current"])).trim(),
        format!("{id}, create users")
    );
}

#[test]
fn bad_input_fails_with_a_message_and_an_exit_code() {
    let dir = fresh("bad");
    // No settings yet.
    let o = aludel(&dir, &["current"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("aludel init"), "{}", stderr(&o));
    assert!(aludel(&dir, &["init"]).status.success());
    // Usage errors are 2.
    let o = aludel(&dir, &["upgrayedd"]);
    assert_eq!(o.status.code(), Some(2));
    // An unknown target.
    let o = aludel(&dir, &["upgrade", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no revision"), "{}", stderr(&o));
    // A downgrade past base.
    let o = aludel(&dir, &["downgrade", "-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("past base"), "{}", stderr(&o));
    // A malformed revision file names itself, the line and the field.
    std::fs::write(
        dir.join("migrations/versions/bad.toml"),
        "revision = \"abc\"\nmessage = 3\n",
    )
    .unwrap();
    let o = aludel(&dir, &["heads"]);
    assert_eq!(o.status.code(), Some(1));
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
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("127.0.0.1"), "{e}");
    assert!(!e.contains("secret"), "the password never shows: {e}");
}
