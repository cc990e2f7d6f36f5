//! The dialect compliance suite on SQLite, one database file per case.

use aludel_sqlite as _;

aludel_core::compliance_suite!(|case: &str| {
    let path = format!("{}/compliance-{case}.db", env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::remove_file(&path);
    Some(format!("sqlite:///{path}"))
});
