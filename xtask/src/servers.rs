//! Throwaway database servers for the test matrix: PostgreSQL and
//! MariaDB/MySQL, each in its own temporary directory on a free loopback
//! port, run as an unprivileged user when xtask runs as root, and removed
//! when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server and how to reach, restart and stop it.
pub struct Server {
    /// `postgres` or `mysql`.
    pub backend: &'static str,
    /// The URL tests connect with.
    pub url: String,
    /// A shell command that stops and starts the server again (same data).
    pub restart: String,
    /// What `--version` printed.
    pub version: String,
    /// Variables the backend's tests need besides the URL (the PostgreSQL
    /// server's CA certificate as `ALUDEL_TEST_POSTGRES_CA`).
    pub env: Vec<(String, String)>,
    dir: PathBuf,
    stop: Vec<String>,
    child: Option<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        for cmd in &self.stop {
            let _ = Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("aludel-{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn find_in(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn path_dirs() -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default()
}

/// Where PostgreSQL's server binaries are: `pg_config --bindir`, Debian's
/// versioned layout (newest first), or PATH.
fn postgres_bindir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .collect();
        versions.sort();
        versions.reverse();
        candidates.extend(versions);
    }
    candidates.extend(path_dirs());
    candidates.into_iter().find(|d| {
        d.join("initdb").is_file() && d.join("pg_ctl").is_file() && d.join("postgres").is_file()
    })
}

fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.arg("-u").arg(u).arg("--").arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// `PostgreSQL 15.18` from `postgres (PostgreSQL) 15.18 (Debian ...)`: the
/// product and the first word that starts with a digit, up to a `-`.
fn short_version(product: &str, printed: &str) -> String {
    let number = printed
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| w.split('-').next().unwrap_or(w))
        .unwrap_or("?");
    format!("{product} {number}")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// OpenSSL configuration for the throwaway certificates: a CA, and a
/// server certificate it signs for `localhost`, 127.0.0.1 and ::1.
const CERTIFICATES_CNF: &str = "\
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Writes a throwaway CA (`ca.pem`) and a server certificate it signed
/// (`server.crt`, key `server.key`, mode 0600, owned by `user`) into `dir`
/// with the `openssl` command; `Ok(None)` (and no TLS) when that is not
/// installed.
fn postgres_certificates(dir: &Path, user: Option<&str>) -> Result<Option<PathBuf>, String> {
    let Some(openssl) = find_in(&path_dirs(), "openssl") else {
        eprintln!("xtask: openssl is not installed; the PostgreSQL server serves no TLS");
        return Ok(None);
    };
    let cnf = dir.join("certificates.cnf");
    std::fs::write(&cnf, CERTIFICATES_CNF).map_err(|e| format!("writing {cnf:?}: {e}"))?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(
        Command::new(&openssl)
            .args(["req", "-x509", "-config"])
            .arg(&cnf)
            .args([
                "-extensions",
                "ca",
                "-subj",
                "/CN=Aludel test CA",
                "-days",
                "30",
            ])
            .args(ec)
            .arg("-keyout")
            .arg(dir.join("ca.key"))
            .arg("-out")
            .arg(dir.join("ca.pem")),
        "openssl: the CA certificate",
    )?;
    run(
        Command::new(&openssl)
            .args(["req", "-new", "-config"])
            .arg(&cnf)
            .args(["-subj", "/CN=localhost"])
            .args(ec)
            .arg("-keyout")
            .arg(dir.join("server.key"))
            .arg("-out")
            .arg(dir.join("server.csr")),
        "openssl: the server key",
    )?;
    run(
        Command::new(&openssl)
            .args(["x509", "-req", "-in"])
            .arg(dir.join("server.csr"))
            .arg("-CA")
            .arg(dir.join("ca.pem"))
            .arg("-CAkey")
            .arg(dir.join("ca.key"))
            .args(["-set_serial", "2", "-days", "30", "-extfile"])
            .arg(&cnf)
            .args(["-extensions", "server", "-out"])
            .arg(dir.join("server.crt")),
        "openssl: the server certificate",
    )?;
    let key = dir.join("server.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod {key:?}: {e}"))?;
    }
    if let Some(u) = user {
        run(
            Command::new("chown")
                .arg(u)
                .arg(&key)
                .arg(dir.join("server.crt")),
            "chown",
        )?;
    }
    Ok(Some(dir.join("ca.pem")))
}

/// Starts a throwaway PostgreSQL; `Ok(None)` when it is not installed.
pub fn start_postgres() -> Result<Option<Server>, String> {
    let Some(bin) = postgres_bindir() else {
        return Ok(None);
    };
    let dir = temp_dir("pg").map_err(|e| e.to_string())?;
    let user = is_root().then_some("postgres");
    if user.is_some() {
        run(
            Command::new("chown").arg("-R").arg("postgres").arg(&dir),
            "chown",
        )?;
    }
    let data = dir.join("data");
    run(
        as_user(user, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
        "initdb",
    )?;
    // Trust for the test user, passwords for members of one group, so that
    // a wrong-password test has something to fail against.
    let hba = data.join("pg_hba.conf");
    let existing =
        std::fs::read_to_string(&hba).map_err(|e| format!("reading pg_hba.conf: {e}"))?;
    std::fs::write(
        &hba,
        format!("host all +aludel_password_login 127.0.0.1/32 scram-sha-256\n{existing}"),
    )
    .map_err(|e| format!("writing pg_hba.conf: {e}"))?;
    let port = free_port().map_err(|e| e.to_string())?;
    let mut opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        dir.display()
    );
    // TLS as well, with a throwaway CA whose certificate the TLS tests trust.
    let ca = postgres_certificates(&dir, user)?;
    if ca.is_some() {
        opts.push_str(&format!(
            " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            dir.join("server.crt").display(),
            dir.join("server.key").display()
        ));
    }
    let pg_ctl = bin.join("pg_ctl");
    let log = dir.join("log");
    let start = |c: &mut Command| {
        c.arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(&opts)
            .arg("-l")
            .arg(&log)
            .args(["-w", "start"]);
    };
    let mut cmd = as_user(user, &pg_ctl);
    start(&mut cmd);
    run(&mut cmd, "pg_ctl start")?;
    let prefix = user
        .map(|u| format!("runuser -u {u} -- "))
        .unwrap_or_default();
    let stop_cmd = format!(
        "{prefix}{} -D {} -m fast -w stop",
        shell_quote(&pg_ctl.display().to_string()),
        shell_quote(&data.display().to_string())
    );
    let start_cmd = format!(
        "{prefix}{} -D {} -o {} -l {} -w start",
        shell_quote(&pg_ctl.display().to_string()),
        shell_quote(&data.display().to_string()),
        shell_quote(&opts),
        shell_quote(&log.display().to_string())
    );
    let mut server = Server {
        backend: "postgres",
        url: format!("postgresql://postgres@127.0.0.1:{port}/aludel_test"),
        restart: format!("{stop_cmd} && {start_cmd}"),
        version: String::new(),
        env: ca
            .map(|ca| {
                vec![(
                    "ALUDEL_TEST_POSTGRES_CA".to_string(),
                    ca.display().to_string(),
                )]
            })
            .unwrap_or_default(),
        dir,
        stop: vec![stop_cmd],
        child: None,
    };
    let psql =
        find_in(std::slice::from_ref(&bin), "psql").or_else(|| find_in(&path_dirs(), "psql"));
    let psql = psql.ok_or("psql is not installed")?;
    run(
        Command::new(&psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-q",
                "-c",
            ])
            .arg("CREATE DATABASE aludel_test"),
        "CREATE DATABASE",
    )?;
    let printed = run(
        Command::new(bin.join("postgres")).arg("--version"),
        "postgres --version",
    )?;
    server.version = short_version("PostgreSQL", &printed);
    Ok(Some(server))
}

/// Starts a throwaway MariaDB (or MySQL); `Ok(None)` when neither is installed.
pub fn start_mysql() -> Result<Option<Server>, String> {
    let dirs: Vec<PathBuf> = [PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")]
        .into_iter()
        .chain(path_dirs())
        .collect();
    let (daemon, mariadb) = match (find_in(&dirs, "mariadbd"), find_in(&dirs, "mysqld")) {
        (Some(d), _) => (d, true),
        (None, Some(d)) => (d, false),
        (None, None) => return Ok(None),
    };
    let client = find_in(&dirs, if mariadb { "mariadb" } else { "mysql" })
        .ok_or("the mysql client is not installed")?;
    let dir = temp_dir("mysql").map_err(|e| e.to_string())?;
    let root = is_root();
    if root {
        run(
            Command::new("chown").arg("-R").arg("mysql").arg(&dir),
            "chown",
        )?;
    }
    let data = dir.join("data");
    let sock = dir.join("sock");
    if mariadb {
        let install =
            find_in(&dirs, "mariadb-install-db").ok_or("mariadb-install-db is not installed")?;
        let mut c = Command::new(install);
        c.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg("--auth-root-authentication-method=normal");
        if root {
            c.arg("--user=mysql");
        }
        run(&mut c, "mariadb-install-db")?;
    } else {
        let mut c = Command::new(&daemon);
        c.arg("--no-defaults")
            .arg("--initialize-insecure")
            .arg(format!("--datadir={}", data.display()));
        if root {
            c.arg("--user=mysql");
        }
        run(&mut c, "mysqld --initialize-insecure")?;
    }
    let port = free_port().map_err(|e| e.to_string())?;
    let args: Vec<String> = vec![
        "--no-defaults".into(),
        format!("--datadir={}", data.display()),
        format!("--socket={}", sock.display()),
        format!("--port={port}"),
        "--bind-address=127.0.0.1".into(),
        "--character-set-server=utf8mb4".into(),
        "--collation-server=utf8mb4_unicode_ci".into(),
        "--innodb-flush-log-at-trx-commit=0".into(),
        "--max-allowed-packet=64M".into(),
        "--max-connections=300".into(),
        "--skip-log-bin".into(),
        // Clients on 127.0.0.1 then match 'aludel'@'%', not the anonymous
        // ''@'localhost' user the install creates.
        "--skip-name-resolve".into(),
        format!("--pid-file={}", dir.join("pid").display()),
        format!("--log-error={}", dir.join("log").display()),
    ];
    let user_args: Vec<String> = if root {
        vec!["--user=mysql".into()]
    } else {
        Vec::new()
    };
    let spawn = || {
        Command::new(&daemon)
            .args(&args)
            .args(&user_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    };
    let child = spawn().map_err(|e| format!("cannot start {}: {e}", daemon.display()))?;
    let mut server = Server {
        backend: "mysql",
        url: String::new(),
        restart: String::new(),
        version: String::new(),
        env: Vec::new(),
        dir: dir.clone(),
        stop: Vec::new(),
        child: Some(child),
    };
    if !wait_for_port(port, Duration::from_secs(60)) {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        return Err(format!("the MySQL server did not start:\n{log}"));
    }
    run(
        Command::new(&client)
            .arg(format!("--socket={}", sock.display()))
            .args(["-u", "root", "-e"])
            .arg("DROP USER IF EXISTS ''@'localhost'; CREATE DATABASE aludel_test; CREATE USER 'aludel'@'%' IDENTIFIED BY 'aludel'; GRANT ALL ON *.* TO 'aludel'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;"),
        "creating the test database",
    )?;
    // Restarting: shut down through the socket, start the daemon again
    // detached, wait for the port.
    let admin = find_in(
        &dirs,
        if mariadb {
            "mariadb-admin"
        } else {
            "mysqladmin"
        },
    )
    .ok_or("the admin client is not installed")?;
    let daemon_line = std::iter::once(shell_quote(&daemon.display().to_string()))
        .chain(args.iter().chain(user_args.iter()).map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let shutdown = format!(
        "{} --socket={} -u root shutdown",
        shell_quote(&admin.display().to_string()),
        shell_quote(&sock.display().to_string())
    );
    let ping = format!(
        "{} --socket={} -u root ping",
        shell_quote(&admin.display().to_string()),
        shell_quote(&sock.display().to_string())
    );
    server.restart = format!(
        "{shutdown}; ({daemon_line} >/dev/null 2>&1 &) ; i=0; until {ping} >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done"
    );
    server.stop = vec![shutdown];
    server.url = format!(
        "{}://aludel:aludel@127.0.0.1:{port}/aludel_test",
        if mariadb { "mariadb" } else { "mysql" }
    );
    let printed = run(Command::new(&daemon).arg("--version"), "server --version")?;
    server.version = short_version(if mariadb { "MariaDB" } else { "MySQL" }, &printed);
    Ok(Some(server))
}
