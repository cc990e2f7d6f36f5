//! TLS for PostgreSQL connections, configured as libpq configures it: the
//! URL's `sslmode` (`disable`, `allow`, `prefer`, `require`, `verify-ca`,
//! `verify-full`) and `sslrootcert` (a PEM file of trusted root
//! certificates).
//!
//! With the cargo feature `tls` (on by default) connections are encrypted
//! by rustls with the ring crypto provider, through tokio-postgres-rustls.
//! Without it, every mode that needs TLS is an error and `prefer` connects
//! in plain text.

use aludel_core::engine::DatabaseUrl;
use aludel_core::{Error, Result};
use tokio_postgres::config::SslMode as PgSslMode;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Plain text (the default).
    Disable,
    /// Plain text; libpq would try TLS after a refused plain connection,
    /// Aludel does not.
    Allow,
    /// TLS when the server offers it, else plain text; the certificate is
    /// not verified.
    Prefer,
    /// TLS; the certificate is verified against `sslrootcert` when that is
    /// given (as in `verify-ca`), else not at all.
    Require,
    /// TLS; the certificate must chain to a root of `sslrootcert`.
    VerifyCa,
    /// TLS; the certificate must chain to a trusted root and name the host.
    VerifyFull,
}

impl SslMode {
    /// The mode a URL asks for; an unknown value is an error naming the option.
    pub(crate) fn of(url: &DatabaseUrl) -> Result<SslMode> {
        Ok(match url.option("sslmode") {
            None | Some("disable") => SslMode::Disable,
            Some("allow") => SslMode::Allow,
            Some("prefer") => SslMode::Prefer,
            Some("require") => SslMode::Require,
            Some("verify-ca") => SslMode::VerifyCa,
            Some("verify-full") => SslMode::VerifyFull,
            Some(_) => {
                return Err(url.bad_option(
                    "sslmode",
                    "disable, allow, prefer, require, verify-ca or verify-full",
                ))
            }
        })
    }

    /// The value as written in a URL.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// The TLS connector of this build: rustls through tokio-postgres-rustls,
/// or none at all without the `tls` feature.
#[cfg(feature = "tls")]
pub(crate) type Connector = tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS connector of this build: none, the `tls` feature is off.
#[cfg(not(feature = "tls"))]
pub(crate) enum Connector {}

/// What one connection does about TLS.
pub(crate) struct Plan {
    /// The mode tokio-postgres is given.
    pub(crate) mode: PgSslMode,
    /// The connector, when the connection may use TLS.
    pub(crate) connector: Option<Connector>,
}

/// The TLS plan of a URL. Every mistake in the TLS options (an unknown
/// `sslmode`, a `sslrootcert` that cannot be read or holds no usable
/// certificate, `verify-ca` without `sslrootcert`, a mode this build
/// cannot serve) is an `InvalidUrl` error naming the option, so the
/// dialect's URL check calls this too.
///
/// `sslmode` is ignored for a Unix socket (a `host` that is a path), as
/// libpq ignores it: the server serves no TLS there.
pub(crate) fn plan(url: &DatabaseUrl) -> Result<Plan> {
    let mode = SslMode::of(url)?;
    let plain = || Plan {
        mode: PgSslMode::Disable,
        connector: None,
    };
    let plan = match mode {
        SslMode::Disable | SslMode::Allow => {
            if let Some(path) = url.option("sslrootcert") {
                read_root_file(url, path)?;
            }
            plain()
        }
        _ => with_tls(url, mode)?,
    };
    let unix_socket = url
        .option("host")
        .or(url.host())
        .is_some_and(|h| h.starts_with('/'));
    Ok(if unix_socket { plain() } else { plan })
}

/// The contents of a `sslrootcert` file, or an error naming the option and
/// the path.
fn read_root_file(url: &DatabaseUrl, path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| invalid(url, format!("cannot read sslrootcert={path}: {e}")))
}

fn invalid(url: &DatabaseUrl, reason: String) -> Error {
    Error::InvalidUrl {
        url: url.to_string(),
        reason,
    }
}

#[cfg(not(feature = "tls"))]
fn with_tls(url: &DatabaseUrl, mode: SslMode) -> Result<Plan> {
    if let Some(path) = url.option("sslrootcert") {
        read_root_file(url, path)?;
    }
    match mode {
        // Without TLS support "prefer" finds no TLS to prefer.
        SslMode::Prefer => Ok(Plan {
            mode: PgSslMode::Disable,
            connector: None,
        }),
        _ => Err(invalid(
            url,
            format!(
                "sslmode={} needs TLS, and TLS support is not compiled into aludel-postgres \
                 (its cargo feature `tls` is off); use sslmode=disable (the default) or prefer",
                mode.name()
            ),
        )),
    }
}

#[cfg(feature = "tls")]
fn with_tls(url: &DatabaseUrl, mode: SslMode) -> Result<Plan> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(url, format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier(url, mode, provider)?)
        .with_no_client_auth();
    Ok(Plan {
        mode: if mode == SslMode::Prefer {
            PgSslMode::Prefer
        } else {
            PgSslMode::Require
        },
        connector: Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)),
    })
}

/// How a TLS mode checks the server's certificate.
#[cfg(feature = "tls")]
fn verifier(
    url: &DatabaseUrl,
    mode: SslMode,
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
) -> Result<std::sync::Arc<dyn rustls::client::danger::ServerCertVerifier>> {
    use std::sync::Arc;
    let roots = match url.option("sslrootcert") {
        Some(path) => Some(load_roots(url, path)?),
        None if mode == SslMode::VerifyCa => {
            return Err(invalid(
                url,
                "sslmode=verify-ca needs sslrootcert, the path of a PEM file of the \
                 certificate authorities to trust"
                    .into(),
            ))
        }
        None => None,
    };
    Ok(match (mode, roots) {
        (SslMode::VerifyFull, roots) => {
            let roots = roots.unwrap_or_else(|| rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            });
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| invalid(url, format!("cannot use the root certificates: {e}")))?
        }
        // `prefer` does not verify: whoever could forge a certificate
        // could as well refuse TLS, and `prefer` would go on in plain text.
        (SslMode::Prefer, _) => Arc::new(ChainOnly::new(&provider, None)),
        // `require` with a root file verifies the chain, as libpq does.
        (_, roots) => Arc::new(ChainOnly::new(&provider, roots.map(Arc::new))),
    })
}

/// The certificates of a PEM file as trust anchors.
#[cfg(feature = "tls")]
fn load_roots(url: &DatabaseUrl, path: &str) -> Result<rustls::RootCertStore> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let pem = read_root_file(url, path)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| {
            invalid(
                url,
                format!("sslrootcert={path} is not a PEM file of certificates: {e}"),
            )
        })?;
        roots.add(cert).map_err(|e| {
            invalid(
                url,
                format!("sslrootcert={path} holds a certificate that cannot be a root: {e}"),
            )
        })?;
    }
    if roots.is_empty() {
        return Err(invalid(
            url,
            format!("sslrootcert={path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        ));
    }
    Ok(roots)
}

/// The verifier of `prefer`, `require` and `verify-ca`: the server's
/// certificate chain is checked against `roots` when there are any, its
/// host name never. The handshake's signatures are always checked, so the
/// server holds the key of the certificate it shows.
#[cfg(feature = "tls")]
#[derive(Debug)]
struct ChainOnly {
    roots: Option<std::sync::Arc<rustls::RootCertStore>>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

#[cfg(feature = "tls")]
impl ChainOnly {
    fn new(
        provider: &rustls::crypto::CryptoProvider,
        roots: Option<std::sync::Arc<rustls::RootCertStore>>,
    ) -> ChainOnly {
        ChainOnly {
            roots,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

#[cfg(feature = "tls")]
impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A clearer account of a failed TLS handshake than tokio-postgres gives,
/// naming the `sslmode` (and the roots, for a certificate that could not
/// be verified); `None` when the error is not about TLS.
pub(crate) fn handshake_failure(url: &DatabaseUrl, e: &tokio_postgres::Error) -> Option<String> {
    use std::error::Error as _;
    if !e.to_string().starts_with("error performing TLS handshake") {
        return None;
    }
    let mode = SslMode::of(url).map_or("?", SslMode::name);
    let cause = e.source().map(|s| s.to_string()).unwrap_or_default();
    if cause == "server does not support TLS" {
        return Some(format!(
            "the server does not accept TLS connections, and sslmode={mode} requires TLS"
        ));
    }
    #[cfg(feature = "tls")]
    {
        let rustls_error = e
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(_)) = rustls_error {
            let roots = match url.option("sslrootcert") {
                Some(path) => format!("the roots of sslrootcert={path}"),
                None => "the built-in web roots (webpki-roots)".into(),
            };
            return Some(format!(
                "the server's certificate could not be verified against {roots} \
                 (sslmode={mode}): {cause}"
            ));
        }
    }
    Some(format!(
        "the TLS handshake failed (sslmode={mode}): {cause}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> DatabaseUrl {
        DatabaseUrl::parse(s).unwrap()
    }

    fn reason(s: &str) -> String {
        match plan(&url(s)) {
            Err(Error::InvalidUrl { reason, .. }) => reason,
            Err(other) => panic!("{s}: not an InvalidUrl error: {other:?}"),
            Ok(_) => panic!("{s}: accepted"),
        }
    }

    /// A PEM file in the temporary directory, removed when dropped.
    #[cfg(feature = "tls")]
    struct TempFile(std::path::PathBuf);

    #[cfg(feature = "tls")]
    impl TempFile {
        fn new(name: &str, contents: &str) -> TempFile {
            let path =
                std::env::temp_dir().join(format!("aludel-pg-tls-{}-{name}", std::process::id()));
            std::fs::write(&path, contents).unwrap();
            TempFile(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    #[cfg(feature = "tls")]
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn sslmode_values_are_libpqs() {
        for (value, mode) in [
            ("disable", SslMode::Disable),
            ("allow", SslMode::Allow),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
            ("verify-full", SslMode::VerifyFull),
        ] {
            let u = url(&format!("postgresql://h/db?sslmode={value}"));
            assert_eq!(SslMode::of(&u).unwrap(), mode);
            assert_eq!(mode.name(), value);
        }
        assert_eq!(
            SslMode::of(&url("postgresql://h/db")).unwrap(),
            SslMode::Disable
        );
        for bad in ["Require", "verify_full", "on", "true", ""] {
            let r = reason(&format!("postgresql://h/db?sslmode={bad}"));
            assert!(r.contains("sslmode"), "{bad}: {r}");
            assert!(r.contains("verify-full"), "{bad}: {r}");
        }
    }

    #[test]
    fn plain_modes_need_no_tls() {
        for u in [
            "postgresql://h/db",
            "postgresql://h/db?sslmode=disable",
            "postgresql://h/db?sslmode=allow",
        ] {
            let p = plan(&url(u)).unwrap();
            assert_eq!(p.mode, PgSslMode::Disable, "{u}");
            assert!(p.connector.is_none(), "{u}");
        }
    }

    #[test]
    fn a_missing_root_file_is_an_error_naming_option_and_path() {
        let missing = std::env::temp_dir().join("aludel-no-such-root.pem");
        let missing = missing.to_str().unwrap();
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            let r = reason(&format!(
                "postgresql://app:pw@h/db?sslmode={mode}&sslrootcert={missing}"
            ));
            assert!(r.contains(&format!("sslrootcert={missing}")), "{mode}: {r}");
            assert!(r.contains("cannot read"), "{mode}: {r}");
        }
        // The password shows in no error.
        let err = plan(&url(&format!(
            "postgresql://app:s3cret@h/db?sslmode=verify-full&sslrootcert={missing}"
        )))
        .err()
        .unwrap();
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tls_modes_plan_a_connector() {
        for (u, mode) in [
            ("postgresql://h/db?sslmode=prefer", PgSslMode::Prefer),
            ("postgresql://h/db?sslmode=require", PgSslMode::Require),
            // Without sslrootcert, verify-full trusts the built-in roots.
            ("postgresql://h/db?sslmode=verify-full", PgSslMode::Require),
        ] {
            let p = plan(&url(u)).unwrap();
            assert_eq!(p.mode, mode, "{u}");
            assert!(p.connector.is_some(), "{u}");
        }
        // Over a Unix socket sslmode is ignored, as libpq ignores it.
        let p = plan(&url(
            "postgresql://app@/db?host=/var/run/postgresql&sslmode=require",
        ))
        .unwrap();
        assert_eq!(p.mode, PgSslMode::Disable);
        assert!(p.connector.is_none());
    }

    #[cfg(feature = "tls")]
    #[test]
    fn verify_ca_needs_a_root_file() {
        let r = reason("postgresql://h/db?sslmode=verify-ca");
        assert!(r.contains("verify-ca needs sslrootcert"), "{r}");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn a_root_file_must_hold_usable_certificates() {
        let empty = TempFile::new("empty.pem", "no certificates here\n");
        let r = reason(&format!(
            "postgresql://h/db?sslmode=verify-ca&sslrootcert={}",
            empty.path()
        ));
        assert!(r.contains("holds no PEM certificate"), "{r}");
        assert!(r.contains(empty.path()), "{r}");

        let garbled = TempFile::new(
            "garbled.pem",
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        );
        let r = reason(&format!(
            "postgresql://h/db?sslmode=verify-full&sslrootcert={}",
            garbled.path()
        ));
        assert!(
            r.contains(&format!("sslrootcert={}", garbled.path())),
            "{r}"
        );

        let ca = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap();
        let good = TempFile::new("good.pem", &ca.pem());
        for mode in ["require", "verify-ca", "verify-full"] {
            let p = plan(&url(&format!(
                "postgresql://h/db?sslmode={mode}&sslrootcert={}",
                good.path()
            )))
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
            assert_eq!(p.mode, PgSslMode::Require);
        }
    }

    /// A CA, a server certificate it signed for `db.example` only, and
    /// another CA that signed nothing.
    #[cfg(feature = "tls")]
    fn certificates() -> (rcgen::Certificate, rcgen::Certificate, rcgen::Certificate) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let ca = |name: &str| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.distinguished_name.push(DnType::CommonName, name);
            (p.self_signed(&key).unwrap(), key)
        };
        let (ca_cert, ca_key) = ca("test CA");
        let (other, _) = ca("another CA");
        let server = CertificateParams::new(vec!["db.example".to_string()])
            .unwrap()
            .signed_by(&KeyPair::generate().unwrap(), &ca_cert, &ca_key)
            .unwrap();
        (ca_cert, server, other)
    }

    #[cfg(feature = "tls")]
    #[test]
    fn each_mode_checks_what_libpq_checks() {
        use rustls::pki_types::{ServerName, UnixTime};
        let (ca, server, other) = certificates();
        let ca_file = TempFile::new("verify-ca.pem", &ca.pem());
        let other_file = TempFile::new("verify-other.pem", &other.pem());
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        // Whether a mode (with a root file, or none) accepts the server's
        // certificate when the connection names `host`.
        let accepts = |mode: &str, roots: Option<&TempFile>, host: &'static str| {
            let mut u = format!("postgresql://h/db?sslmode={mode}");
            if let Some(f) = roots {
                u.push_str(&format!("&sslrootcert={}", f.path()));
            }
            let u = url(&u);
            let v = verifier(&u, SslMode::of(&u).unwrap(), provider.clone()).unwrap();
            v.verify_server_cert(
                server.der(),
                &[],
                &ServerName::try_from(host).unwrap(),
                &[],
                UnixTime::now(),
            )
            .map(drop)
        };
        let unknown_issuer =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        // require without roots takes any certificate; prefer does, even
        // with roots.
        accepts("require", None, "127.0.0.1").unwrap();
        accepts("prefer", None, "127.0.0.1").unwrap();
        accepts("prefer", Some(&other_file), "127.0.0.1").unwrap();
        // require with roots and verify-ca check the chain, not the name.
        for mode in ["require", "verify-ca"] {
            accepts(mode, Some(&ca_file), "127.0.0.1").unwrap();
            accepts(mode, Some(&ca_file), "db.example").unwrap();
            assert_eq!(
                accepts(mode, Some(&other_file), "db.example"),
                Err(unknown_issuer.clone()),
                "{mode}"
            );
        }
        // verify-full checks both.
        accepts("verify-full", Some(&ca_file), "db.example").unwrap();
        assert!(matches!(
            accepts("verify-full", Some(&ca_file), "127.0.0.1"),
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                    | rustls::CertificateError::NotValidForNameContext { .. }
            ))
        ));
        assert_eq!(
            accepts("verify-full", Some(&other_file), "db.example"),
            Err(unknown_issuer.clone())
        );
        // Without sslrootcert verify-full trusts the web's roots, which
        // did not sign a throwaway CA.
        assert_eq!(
            accepts("verify-full", None, "db.example"),
            Err(unknown_issuer)
        );
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn without_the_feature_tls_modes_are_errors() {
        for mode in ["require", "verify-ca", "verify-full"] {
            let r = reason(&format!("postgresql://h/db?sslmode={mode}"));
            assert!(r.contains("TLS support is not compiled"), "{mode}: {r}");
        }
        let p = plan(&url("postgresql://h/db?sslmode=prefer")).unwrap();
        assert_eq!(p.mode, PgSslMode::Disable);
    }
}
