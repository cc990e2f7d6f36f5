//! The server stops in the middle of a transaction and comes back: a clear
//! connection error, a pool that recovers, no committed data lost. Run alone
//! by `cargo xtask test-matrix`, which sets the URL and the restart command.

use aludel_mysql as _;

#[tokio::test]
async fn restart_mid_transaction_recovers() {
    let Some(url) = aludel_core::testing::backend_url("ALUDEL_TEST_MYSQL_URL") else {
        return;
    };
    let Some(restart) = aludel_core::testing::restart_command("ALUDEL_TEST_MYSQL_RESTART") else {
        return;
    };
    aludel_core::testing::server_restart_case(&url, &restart)
        .await
        .unwrap();
}
