//! TLS against the test server, which serves TLS with a certificate for
//! 127.0.0.1 and localhost signed by the CA whose PEM file
//! `ALUDEL_TEST_POSTGRES_CA` names (`cargo xtask test-matrix` starts such a
//! server and sets both variables). Each test is skipped, with a line on
//! stderr, when either variable is unset.

#![cfg(feature = "tls")]

mod common;

use aludel_core::{create_engine, text, Connection, DatabaseUrl, DbErrorKind, Engine, Error};
use common::name;

/// The variable naming the PEM file of the CA that signed the server's
/// certificate.
const CA_VAR: &str = "ALUDEL_TEST_POSTGRES_CA";

/// The server's URL and the CA's path, or `None` to skip.
fn server() -> Option<(String, String)> {
    let url = common::url()?;
    let ca = aludel_core::testing::backend_url(CA_VAR)?;
    Some((url, ca))
}

/// `url` with its own TLS options replaced by `opts`.
fn tls_url(url: &str, opts: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| !kv.starts_with("sslmode=") && !kv.starts_with("sslrootcert="))
        .chain(opts.split('&').filter(|kv| !kv.is_empty()))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Whether the server says the connection is encrypted.
async fn encrypted(conn: &mut Connection) -> bool {
    let (ssl,): (bool,) = conn
        .fetch_one(text(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap();
    ssl
}

async fn connect(url: &str) -> (Engine, Connection) {
    let engine = create_engine(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let conn = engine
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    (engine, conn)
}

/// A PEM file in the temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("{}.pem", name("aludel_tls")));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A throwaway CA that signed nothing the server has.
fn other_ca() -> TempFile {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(DnType::CommonName, "Aludel unrelated CA");
    let ca = p.self_signed(&KeyPair::generate().unwrap()).unwrap();
    TempFile::new(&ca.pem())
}

/// A server that refuses TLS, as one without `ssl=on` does: it answers
/// the client's SSLRequest with `N`, then reads the startup message (if
/// the client sends one) and refuses the login with SQLSTATE 28000. The
/// thread returns the startup message's bytes.
fn server_without_tls() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut request = [0u8; 8];
        s.read_exact(&mut request).unwrap();
        // Length 8, code 80877103: SSLRequest.
        assert_eq!(request, [0, 0, 0, 8, 4, 210, 22, 47]);
        s.write_all(b"N").unwrap();
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).is_err() {
            return Vec::new();
        }
        let mut startup = vec![0u8; u32::from_be_bytes(len) as usize - 4];
        s.read_exact(&mut startup).unwrap();
        let fields = b"SFATAL\0C28000\0Mthis server takes no TLS and no login\0\0";
        let mut reply = vec![b'E'];
        reply.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
        reply.extend_from_slice(fields);
        s.write_all(&reply).unwrap();
        startup
    });
    (port, thread)
}

#[tokio::test]
async fn require_fails_where_the_server_refuses_tls() {
    let (port, server) = server_without_tls();
    let engine = create_engine(&format!(
        "postgresql://app@127.0.0.1:{port}/db?sslmode=require"
    ))
    .unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string()
            .contains("the server does not accept TLS connections, and sslmode=require"),
        "{err}"
    );
    assert!(
        server.join().unwrap().is_empty(),
        "no startup message was sent"
    );
}

#[tokio::test]
async fn prefer_goes_on_in_plain_text_where_the_server_refuses_tls() {
    let (port, server) = server_without_tls();
    let engine = create_engine(&format!(
        "postgresql://app@127.0.0.1:{port}/db?sslmode=prefer"
    ))
    .unwrap();
    let err = engine.connect().await.unwrap_err();
    // The login went on without TLS: the server read the startup message
    // in plain text and refused it.
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string().contains("takes no TLS and no login"),
        "{err}"
    );
    let startup = server.join().unwrap();
    assert!(
        startup.windows(9).any(|w| w == b"user\0app\0"),
        "{startup:?}"
    );
}

#[tokio::test]
async fn require_encrypts_the_session() {
    let Some((url, _)) = server() else { return };
    let (_engine, mut conn) = connect(&tls_url(&url, "sslmode=require")).await;
    assert!(encrypted(&mut conn).await);
    let (version,): (String,) = conn
        .fetch_one(text(
            "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap();
    assert!(version.starts_with("TLSv1."), "{version}");
    // Many rows, over many TLS records, arrive whole.
    let rows: Vec<(i32, String)> = conn
        .fetch_all(text(
            "SELECT n, repeat('x', n % 100) FROM generate_series(1, 20000) AS n",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 20000);
    assert_eq!(rows[19998], (19999, "x".repeat(99)));
}

#[tokio::test]
async fn disable_and_the_default_are_plain() {
    let Some((url, _)) = server() else { return };
    for u in [tls_url(&url, "sslmode=disable"), tls_url(&url, "")] {
        let (_engine, mut conn) = connect(&u).await;
        assert!(!encrypted(&mut conn).await, "{u}");
    }
}

#[tokio::test]
async fn prefer_encrypts_when_the_server_offers_tls() {
    let Some((url, _)) = server() else { return };
    let (_engine, mut conn) = connect(&tls_url(&url, "sslmode=prefer")).await;
    assert!(encrypted(&mut conn).await);
}

#[tokio::test]
async fn verify_full_and_verify_ca_trust_the_servers_ca() {
    let Some((url, ca)) = server() else { return };
    for mode in ["verify-full", "verify-ca", "require"] {
        let u = tls_url(&url, &format!("sslmode={mode}&sslrootcert={ca}"));
        let (engine, mut conn) = connect(&u).await;
        assert!(encrypted(&mut conn).await, "{mode}");
        drop(conn);
        // Pooled connections stay encrypted; new ones verify again.
        let mut a = engine.connect().await.unwrap();
        let mut b = engine.connect().await.unwrap();
        assert!(encrypted(&mut a).await && encrypted(&mut b).await, "{mode}");
    }
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let Some((url, _)) = server() else { return };
    let other = other_ca();
    for mode in ["verify-full", "verify-ca", "require"] {
        let u = tls_url(
            &url,
            &format!("sslmode={mode}&sslrootcert={}", other.path()),
        );
        let engine = create_engine(&u).unwrap();
        let err = engine.connect().await.unwrap_err();
        assert_eq!(
            err.db_kind(),
            Some(DbErrorKind::Connection),
            "{mode}: {err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("certificate could not be verified"),
            "{mode}: {msg}"
        );
        assert!(msg.contains(other.path()), "{mode}: {msg}");
        assert!(msg.contains(&format!("sslmode={mode}")), "{mode}: {msg}");
        assert_eq!(engine.open_connections(), 0);
    }
    // Without sslrootcert, verify-full trusts only the web's public roots.
    let engine = create_engine(&tls_url(&url, "sslmode=verify-full")).unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string()
            .contains("certificate could not be verified"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_root_file_fails_at_create_engine() {
    let Some((url, _)) = server() else { return };
    let missing = std::env::temp_dir().join(name("no_such_ca"));
    let missing = missing.to_str().unwrap();
    let err = create_engine(&tls_url(
        &url,
        &format!("sslmode=verify-full&sslrootcert={missing}"),
    ))
    .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("cannot read sslrootcert={missing}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_password_login_over_tls() {
    let Some((url, ca)) = server() else { return };
    let (_admin_engine, mut admin) = connect(&url).await;
    // Members of this group log in by password (the first host rule of
    // the matrix's pg_hba.conf): SCRAM over TLS, bound to the channel.
    let role = name("tls_user");
    admin
        .execute(text(
            "DO $$ BEGIN CREATE ROLE aludel_password_login NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        ))
        .await
        .unwrap();
    admin
        .execute(text(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'tls-pw' IN ROLE aludel_password_login"
        )))
        .await
        .unwrap();
    let u = DatabaseUrl::parse(&url).unwrap();
    let host = match u.host() {
        Some(h) if h.contains(':') => format!("[{h}]"),
        Some(h) => h.to_string(),
        None => "localhost".into(),
    };
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let database = u.database().unwrap_or("postgres");
    let engine = create_engine(&format!(
        "postgresql://{role}:tls-pw@{host}{port}/{database}?sslmode=verify-full&sslrootcert={ca}"
    ))
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    assert!(encrypted(&mut conn).await);
    let (who,): (String,) = conn
        .fetch_one(text("SELECT current_user::text"))
        .await
        .unwrap();
    assert_eq!(who, role);
    drop(conn);
    engine.dispose();
    admin
        .execute(text(&format!("DROP ROLE {role}")))
        .await
        .unwrap();
}
