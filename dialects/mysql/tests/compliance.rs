//! The dialect compliance suite against the server in ALUDEL_TEST_MYSQL_URL
//! (set by `cargo xtask test-matrix`; without it every case is skipped).

use aludel_mysql as _;

aludel_core::compliance_suite!(|_case: &str| aludel_core::testing::backend_url(
    "ALUDEL_TEST_MYSQL_URL"
));
