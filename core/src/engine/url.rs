//! [`DatabaseUrl`]: database URLs as SQLAlchemy writes them.

use crate::error::{Error, Result};
use std::fmt;

/// A parsed database URL: `scheme[+driver]://[user[:password]@]host[:port]/database?opt=value`.
///
/// SQLite's forms are `sqlite://` and `sqlite:///:memory:` (an in-memory
/// database), `sqlite:///relative.db` and `sqlite:////absolute/path.db`.
/// User, password, path and options are percent-decoded. `Display` and
/// `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    scheme: String,
    driver: Option<String>,
    username: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    options: Vec<(String, String)>,
}

fn percent_decode(s: &str, what: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| Error::InvalidUrl {
                        url: String::new(),
                        reason: format!("bad percent-escape in the {what}"),
                    })?;
                out.push(hex);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::InvalidUrl {
        url: String::new(),
        reason: format!("the {what} is not UTF-8 once percent-decoded"),
    })
}

impl DatabaseUrl {
    /// Parses `url`. Errors say what is wrong and never repeat the password.
    pub fn parse(url: &str) -> Result<Self> {
        Self::parse_inner(url).map_err(|e| match e {
            Error::InvalidUrl { reason, .. } => Error::InvalidUrl {
                url: redact(url),
                reason,
            },
            other => other,
        })
    }

    fn parse_inner(url: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidUrl {
            url: String::new(),
            reason: reason.to_string(),
        };
        let (scheme_part, rest) = url.split_once("://").ok_or_else(|| {
            bad("expected scheme://..., e.g. sqlite:///app.db or postgresql://user@host/db")
        })?;
        if scheme_part.is_empty() {
            return Err(bad("the scheme is empty"));
        }
        let (scheme, driver) = match scheme_part.split_once('+') {
            Some((s, d)) => (s.to_ascii_lowercase(), Some(d.to_string())),
            None => (scheme_part.to_ascii_lowercase(), None),
        };
        if !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(
                "the scheme has characters other than letters, digits, - and _",
            ));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let mut options = Vec::new();
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                options.push((percent_decode(k, "options")?, percent_decode(v, "options")?));
            }
        }
        // authority / path
        let (authority, path) = match before_query.find('/') {
            Some(i) => (&before_query[..i], Some(&before_query[i + 1..])),
            None => (before_query, None),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(ui) => match ui.split_once(':') {
                Some((u, p)) => (
                    Some(percent_decode(u, "user name")?),
                    Some(percent_decode(p, "password")?),
                ),
                None => (Some(percent_decode(ui, "user name")?), None),
            },
        };
        let (host, port) = if hostport.is_empty() {
            (None, None)
        } else if let Some(h) = hostport.strip_prefix('[') {
            // [ipv6]:port
            let (h, rest) = h
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 host lacks its closing ]"))?;
            let port = match rest.strip_prefix(':') {
                Some(p) => Some(
                    p.parse::<u16>()
                        .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
                ),
                None if rest.is_empty() => None,
                None => return Err(bad("unexpected text after the IPv6 host")),
            };
            (Some(h.to_string()), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (
                    Some(percent_decode(h, "host")?),
                    Some(
                        p.parse::<u16>()
                            .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
                    ),
                ),
                None => (Some(percent_decode(hostport, "host")?), None),
            }
        };
        let database = match path {
            None | Some("") => None,
            Some(p) => Some(percent_decode(p, "database")?),
        };
        Ok(DatabaseUrl {
            scheme,
            driver,
            username,
            password,
            host,
            port,
            database,
            options,
        })
    }

    /// The scheme, lower case, without the driver: `postgresql`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// The driver suffix of the scheme, if any: `tokio` in `postgresql+tokio`.
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }
    /// The user name.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// The password (never shown by `Display` or `Debug`).
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// The host.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }
    /// The port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// The database: a name for servers, a file path for SQLite
    /// (`sqlite:////abs.db` gives `/abs.db`), `None` or `:memory:` for memory.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }
    /// The query options, in order.
    pub fn options(&self) -> &[(String, String)] {
        &self.options
    }
    /// The value of option `name`, if given.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An error naming the first option not in `known` (for dialects to
    /// validate their options).
    pub fn check_options(&self, known: &[&str]) -> Result<()> {
        match self
            .options
            .iter()
            .find(|(k, _)| !known.contains(&k.as_str()))
        {
            Some((k, _)) => Err(Error::InvalidUrl {
                url: self.to_string(),
                reason: if known.is_empty() {
                    format!(
                        "unknown option {k:?}: the {} dialect takes no options",
                        self.scheme
                    )
                } else {
                    format!(
                        "unknown option {k:?}; the {} dialect knows {}",
                        self.scheme,
                        known.join(", ")
                    )
                },
            }),
            None => Ok(()),
        }
    }

    /// An error for option `name` whose value is not one the dialect accepts.
    pub fn bad_option(&self, name: &str, expected: &str) -> Error {
        Error::InvalidUrl {
            url: self.to_string(),
            reason: format!(
                "option {name}={:?} is not valid: expected {expected}",
                self.option(name).unwrap_or("")
            ),
        }
    }
}

/// The URL with any password replaced by `***`, for messages. Works on
/// malformed URLs too: whatever stands between the user name's `:` and the
/// last `@` is hidden.
pub fn redact(url: &str) -> String {
    let Some(at) = url.rfind('@') else {
        return url.to_string();
    };
    let start = url[..at]
        .find("://")
        .map(|i| i + 3)
        .or_else(|| url[..at].find("//").map(|i| i + 2))
        .unwrap_or(0);
    match url[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &url[..start + colon], &url[at..]),
        None => url.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.scheme)?;
        if let Some(d) = &self.driver {
            write!(f, "+{d}")?;
        }
        f.write_str("://")?;
        if let Some(u) = &self.username {
            f.write_str(u)?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        if let Some(h) = &self.host {
            if h.contains(':') {
                write!(f, "[{h}]")?;
            } else {
                f.write_str(h)?;
            }
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(d) = &self.database {
            write!(f, "/{d}")?;
        }
        for (i, (k, v)) in self.options.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        DatabaseUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        let mem = DatabaseUrl::parse("sqlite://").unwrap();
        assert_eq!((mem.scheme(), mem.database()), ("sqlite", None));
        let mem2 = DatabaseUrl::parse("sqlite:///:memory:").unwrap();
        assert_eq!(mem2.database(), Some(":memory:"));
        let rel = DatabaseUrl::parse("sqlite:///relative.db").unwrap();
        assert_eq!(rel.database(), Some("relative.db"));
        let abs = DatabaseUrl::parse("sqlite:////abs/path.db?mode=ro").unwrap();
        assert_eq!(abs.database(), Some("/abs/path.db"));
        assert_eq!(abs.option("mode"), Some("ro"));
    }

    #[test]
    fn server_url_with_driver_credentials_and_options() {
        let u = DatabaseUrl::parse("postgresql+tokio://us%40er:p%3Ass@db.local:5433/my%20db?sslmode=disable&application_name=x").unwrap();
        assert_eq!(u.scheme(), "postgresql");
        assert_eq!(u.driver(), Some("tokio"));
        assert_eq!(u.username(), Some("us@er"));
        assert_eq!(u.password(), Some("p:ss"));
        assert_eq!(u.host(), Some("db.local"));
        assert_eq!(u.port(), Some(5433));
        assert_eq!(u.database(), Some("my db"));
        assert_eq!(u.option("sslmode"), Some("disable"));
        assert_eq!(
            u.to_string(),
            "postgresql+tokio://us@er:***@db.local:5433/my db?sslmode=disable&application_name=x"
        );
        assert!(!format!("{u:?}").contains("p:ss"));
    }

    #[test]
    fn ipv6_host() {
        let u = DatabaseUrl::parse("mysql://root@[::1]:3306/app").unwrap();
        assert_eq!((u.host(), u.port()), (Some("::1"), Some(3306)));
    }

    #[test]
    fn malformed_urls_are_errors_without_the_password() {
        for bad in [
            "postgresql//user:hunter2@host/db",
            "postgresql://user:hunter2@host:99999/db",
            "postgresql://user:hunter2@host:port/db",
            "postgresql://user:hun%zzter2@host/db",
            "://user:hunter2@host/db",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {msg}");
            assert!(!msg.contains("hunter2") && !msg.contains("hun%zz"), "{msg}");
        }
    }

    #[test]
    fn unknown_option_is_named() {
        let u = DatabaseUrl::parse("sqlite:///x.db?journal=wal&bogus=1").unwrap();
        let err = u.check_options(&["journal"]).unwrap_err();
        assert!(err.to_string().contains("\"bogus\""), "{err}");
    }
}
