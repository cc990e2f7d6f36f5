//! The compliance suite, run by a third-party dialect with one macro call.

use toy_dialect as _;

aludel_core::compliance_suite!(|case: &str| {
    let path = format!("{}/toy-{case}.db", env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::remove_file(&path);
    Some(format!("toydb:///{path}"))
});
