//! The `interspace` binary: commands, one-line errors, exit codes, first-run output, shutdown.

use interspace_tests::{interspace_bin, run_cli, wait_until, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_one_line_error(o: &std::process::Output, needle: &str) {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line of error: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "expected '{needle}' in: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_and_space_commands() {
    let db = TestDb::create().await;
    let media = db.media.display().to_string();
    let env = [
        ("INTERSPACE__DATABASE__URL", db.url.as_str()),
        ("INTERSPACE__SPACE__NAME", "Cli Space"),
        ("INTERSPACE__MEDIA__PATH", media.as_str()),
    ];

    let out = run_cli(&["migrate"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("migration(s) applied"));

    // `config check`: parsed, the database reached, the effective configuration printed
    // without the database password; a warning for a public bind with a local domain.
    let public = [
        env[0],
        env[1],
        env[2],
        ("INTERSPACE__SERVER__BIND", "0.0.0.0:8080"),
    ];
    let out = run_cli(&["config", "check"], &public);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("database: reachable"), "{text}");
    assert!(
        text.contains("server.domain = \"localhost:8080\""),
        "{text}"
    );
    assert!(text.contains("warning: server.bind 0.0.0.0:8080"), "{text}");
    if let Some(password) = url::Url::parse(&db.url)
        .ok()
        .and_then(|u| u.password().map(String::from))
    {
        assert!(!text.contains(&password), "no secret: {text}");
    }
    assert!(
        text.contains("mail: none sent (no mail.smtp_url)"),
        "{text}"
    );
    // Mail: checked, and its password masked like the database's.
    let mailing = [
        env[0],
        env[1],
        env[2],
        (
            "INTERSPACE__MAIL__SMTP_URL",
            "smtps://desk:mail-secret@127.0.0.1:465",
        ),
        ("INTERSPACE__MAIL__SMTP_PASSWORD", "other-secret"),
    ];
    let out = run_cli(&["config", "check"], &mailing);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("mail: sent through mail.smtp_url"), "{text}");
    assert!(
        !text.contains("mail-secret") && !text.contains("other-secret"),
        "{text}"
    );
    for (url, why) in [
        ("http://127.0.0.1:25", "the scheme is smtp or smtps"),
        ("smtp://", "mail.smtp_url"),
    ] {
        let bad = [env[0], env[1], env[2], ("INTERSPACE__MAIL__SMTP_URL", url)];
        let out = run_cli(&["config", "check"], &bad);
        assert!(!out.status.success(), "{url}");
        assert!(stderr(&out).contains(why), "{url}: {}", stderr(&out));
    }

    // The first command on an empty database sets up the instance and prints the operator's
    // password; no later command prints it again.
    let out = run_cli(
        &["member", "add", "alice", "--email", "alice@example.org"],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Operator login: admin"), "{text}");
    assert!(text.contains("One-time password: "), "{text}");
    // Standard output is not a terminal here: the password is in a 0600 file, not printed.
    let file = db
        .media
        .parent()
        .expect("parent")
        .join("first-run-password");
    let secret = std::fs::read_to_string(&file).expect("the password file");
    assert!(!text.contains(secret.trim()), "{text}");
    assert!(text.contains(&file.display().to_string()), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    if let Some(sqlite) = db.url.strip_prefix("sqlite://") {
        let mode = std::fs::metadata(sqlite).expect("db").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the database holds keys and hashes");
    }
    assert!(
        text.contains("added alice (alice@example.org, member)"),
        "{text}"
    );
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password");
    assert_eq!(password.len(), 19);

    let out = run_cli(
        &[
            "member",
            "add",
            "bob",
            "--email",
            "bob@example.org",
            "--password",
            "hunter2hunter2",
            "--role",
            "host",
            "--display-name",
            "Bob",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("One-time password"),
        "printed once only"
    );
    assert!(
        !stdout(&out).contains("password:"),
        "no generated password when one is given"
    );

    assert_one_line_error(
        &run_cli(
            &["member", "add", "alice", "--email", "other@example.org"],
            &env,
        ),
        "username 'alice' is taken",
    );
    assert_one_line_error(
        &run_cli(
            &["member", "add", "carol", "--email", "ALICE@example.org"],
            &env,
        ),
        "already registered",
    );
    assert_one_line_error(
        &run_cli(&["member", "add", "carol", "--email", "not-an-email"], &env),
        "not an e-mail address",
    );
    assert_one_line_error(
        &run_cli(
            &["member", "add", "Carol", "--email", "c@example.org"],
            &env,
        ),
        "lowercase",
    );
    assert_one_line_error(
        &run_cli(
            &["member", "add", "inbox", "--email", "c@example.org"],
            &env,
        ),
        "reserved",
    );
    assert_one_line_error(
        &run_cli(
            &["member", "add", "space", "--email", "c@example.org"],
            &env,
        ),
        "taken",
    );
    assert_one_line_error(
        &run_cli(
            &[
                "member",
                "add",
                "carol",
                "--email",
                "c@example.org",
                "--password",
                "short",
            ],
            &env,
        ),
        "password",
    );

    let out = run_cli(&["member", "list"], &env);
    let list = stdout(&out);
    assert!(list.contains("admin\tadmin@"), "{list}");
    assert!(
        list.contains("alice\talice@example.org\tmember\tactive"),
        "{list}"
    );
    assert!(
        list.contains("bob\tbob@example.org\thost\tactive"),
        "{list}"
    );

    let status = stdout(&run_cli(&["federation", "status"], &env));
    for line in [
        "pending deliveries: 0",
        "oldest pending delivery: none",
        "failing peers: none",
    ] {
        assert!(status.contains(line), "{status}");
    }

    // An invitation by e-mail: without mail the link is printed to hand over; a bad address
    // is a one-line error.
    let out = run_cli(&["member", "invite", "zoe@example.org"], &env);
    let text = stdout(&out);
    assert!(text.contains("/invite/"), "{text} {}", stderr(&out));
    assert!(
        text.contains("not mailed (no mail.smtp_url): send it to zoe@example.org"),
        "{text}"
    );
    assert_one_line_error(
        &run_cli(&["member", "invite", "zoe at example"], &env),
        "is not an e-mail address",
    );

    // Administration from the console: roles, suspension, password resets.
    let out = run_cli(&["member", "role", "alice", "host"], &env);
    assert_eq!(stdout(&out).trim(), "alice is now host", "{}", stderr(&out));
    assert_one_line_error(&run_cli(&["member", "role", "alice", "king"], &env), "role");
    assert_one_line_error(
        &run_cli(&["member", "role", "admin", "member"], &env),
        "last operator",
    );
    assert_one_line_error(
        &run_cli(&["member", "suspend", "admin"], &env),
        "last operator",
    );
    let out = run_cli(&["member", "suspend", "alice"], &env);
    assert_eq!(stdout(&out).trim(), "suspended alice", "{}", stderr(&out));
    let list = stdout(&run_cli(&["member", "list"], &env));
    assert!(
        list.contains("alice\talice@example.org\thost\tdisabled"),
        "{list}"
    );
    let out = run_cli(&["member", "unsuspend", "alice"], &env);
    assert_eq!(stdout(&out).trim(), "unsuspended alice", "{}", stderr(&out));
    let out = run_cli(&["member", "password-reset", "alice"], &env);
    let link = stdout(&out);
    assert!(link.trim().contains("/reset/"), "{link} {}", stderr(&out));
    let out = run_cli(
        &[
            "member",
            "password-reset",
            "alice",
            "--password",
            "a-new-password-1",
        ],
        &env,
    );
    assert_eq!(
        stdout(&out).trim(),
        "password of alice set",
        "{}",
        stderr(&out)
    );
    assert_one_line_error(
        &run_cli(
            &["member", "password-reset", "alice", "--password", "short"],
            &env,
        ),
        "password",
    );

    let out = run_cli(&["member", "remove", "alice"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&run_cli(&["member", "list"], &env)).contains("alice"));
    assert_one_line_error(
        &run_cli(&["member", "remove", "alice"], &env),
        "member not found",
    );
    assert_one_line_error(
        &run_cli(&["member", "remove", "admin"], &env),
        "last operator",
    );

    let out = run_cli(
        &[
            "space",
            "update",
            "--name",
            "Hub Nord",
            "--summary",
            "Desks & <coffee>",
            "--address",
            "1 Rue Haute",
            "--locality",
            "Lille",
            "--country",
            "France",
            "--hours",
            "Mon-Fri 9-18",
            "--timezone",
            "Europe/Paris",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let show = stdout(&run_cli(&["space", "show"], &env));
    assert!(show.contains("name:     Hub Nord"), "{show}");
    assert!(
        show.contains("summary:  <p>Desks &amp; &lt;coffee&gt;</p>"),
        "{show}"
    );
    assert!(
        show.contains("address:  1 Rue Haute, Lille, France"),
        "{show}"
    );
    assert!(show.contains("hours:    Mon-Fri 9-18"), "{show}");
    assert!(show.contains("timezone: Europe/Paris"), "{show}");
    assert!(show.contains("members:  2"), "{show}");
    assert_one_line_error(
        &run_cli(&["space", "update", "--timezone", "Mars/Olympus"], &env),
        "IANA",
    );
    assert_one_line_error(
        &run_cli(&["space", "update", "--name", " "], &env),
        "must not be empty",
    );
    let out = run_cli(&["queue"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pending: 0\nfailed: 0"),
        "{}",
        stdout(&out)
    );

    // Domain blocks.
    let out = run_cli(
        &[
            "domain",
            "block",
            "https://Spam.Example/",
            "--reason",
            "spam",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "blocked spam.example");
    let list = stdout(&run_cli(&["domain", "list"], &env));
    assert!(
        list.starts_with("spam.example\t") && list.trim_end().ends_with("\tspam"),
        "{list}"
    );
    assert_one_line_error(
        &run_cli(&["domain", "block", "not a domain"], &env),
        "not a domain",
    );
    let out = run_cli(&["domain", "unblock", "spam.example"], &env);
    assert_eq!(stdout(&out).trim(), "unblocked spam.example");
    let out = run_cli(&["domain", "unblock", "spam.example"], &env);
    assert_eq!(stdout(&out).trim(), "spam.example was not blocked");
    assert_eq!(stdout(&run_cli(&["domain", "list"], &env)), "");
}

#[test]
fn configuration_and_database_errors_are_one_line() {
    let unreachable = [(
        "INTERSPACE__DATABASE__URL",
        "postgres://postgres@127.0.0.1:1/nothing",
    )];
    assert_one_line_error(&run_cli(&["member", "list"], &unreachable), "database");
    assert_one_line_error(
        &run_cli(&["migrate"], &[("INTERSPACE__DATABASE__URL", "mysql://x")]),
        "neither sqlite",
    );
    assert_one_line_error(
        &run_cli(&["member", "list"], &[("INTERSPACE__SERVER__DOMIAN", "x")]),
        "unknown field",
    );
    assert_one_line_error(
        &run_cli(
            &["--config", "/nonexistent/interspace.toml", "member", "list"],
            &[],
        ),
        "cannot read config file",
    );
    // A server reachable from other machines under `localhost` would publish dead links.
    assert_one_line_error(
        &run_cli(&["serve"], &[("INTERSPACE__SERVER__BIND", "0.0.0.0:0")]),
        "set server.domain",
    );
    let out = run_cli(&["member", "frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_and_stops_gracefully_on_sigterm() {
    let db = TestDb::create().await;
    let dir = std::env::temp_dir().join(format!(
        "interspace-serve-{}",
        interspace_core::ids::new_id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("interspace.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\ndomain = \"\"\n[database]\nurl = \"{}\"\n[federation]\nallow_http = true\n[space]\nname = \"Served\"\n[media]\npath = \"{}\"\n[log]\nformat = \"json\"\n",
            db.url,
            dir.join("media").display()
        ),
    )
    .expect("config");
    let mut child = Command::new(interspace_bin())
        .args(["serve", "--config", config.to_str().expect("path")])
        .env("RUST_LOG", "info")
        .env_remove("INTERSPACE__DATABASE__URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    // The log, one JSON object per line, names the URL it serves; read stderr until then.
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let parsed = serde_json::from_str(&line).unwrap_or(serde_json::Value::String(line));
            let _ = tx.send(parsed);
        }
    });
    let next_where = |what: &str, pick: &dyn Fn(&serde_json::Value) -> bool| loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no log line with {what}"));
        assert!(line.is_object(), "a log line that is not JSON: {line}");
        if pick(&line) {
            return line;
        }
    };
    let serving = next_where("the URL", &|l| l["url"].is_string());
    let base = serving["url"]
        .as_str()
        .expect("url")
        .trim_end_matches('/')
        .to_string();
    let res = interspace_tests::http()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200);
    // The access log: method, route, status, duration; never the token of a query.
    let res = interspace_tests::http()
        .get(format!(
            "{base}/api/v1/timelines/home?access_token=sekrit-token-123"
        ))
        .send()
        .await
        .expect("home");
    assert_eq!(res.status(), 401);
    let access = next_where("the access line", &|l| {
        l["target"] == "access" && l["route"] == "/api/v1/timelines/home"
    });
    assert_eq!(access["method"], "GET");
    assert_eq!(access["status"], 401);
    assert!(access["duration_ms"].is_number(), "{access}");
    assert!(!access.to_string().contains("sekrit"), "{access}");

    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = wait_until(
        "serve to exit after SIGTERM",
        Duration::from_secs(30),
        || {
            let r = child.try_wait().expect("wait");
            async move { r }
        },
    )
    .await;
    assert!(exit.success(), "graceful exit: {exit:?}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut out)
        .expect("read");
    assert_eq!(out.matches("One-time password").count(), 1, "{out}");
    // Not a terminal: the password went to a file only this user reads, not to the output.
    let file = dir.join("first-run-password");
    let password = std::fs::read_to_string(&file).expect("the password file");
    assert!(!out.contains(password.trim()), "{out}");
    assert!(out.contains(&file.display().to_string()), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Operators manage partnerships and the front desk from the command line; what they queue is
/// left for the running server to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partnership_and_visit_commands() {
    let partner = interspace_tests::TestInstance::spawn(1).await;
    let db = TestDb::create().await;
    let env = [
        ("INTERSPACE__DATABASE__URL", db.url.as_str()),
        ("INTERSPACE__SERVER__DOMAIN", "localhost:9"),
        ("INTERSPACE__FEDERATION__ALLOW_HTTP", "true"),
        (
            "INTERSPACE__FEDERATION__ALLOWED_PRIVATE_NETWORKS",
            "127.0.0.0/8,::1/128",
        ),
    ];
    let blocking = |args: Vec<String>| {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            run_cli(&args, &env)
        })
    };
    let run = |args: &[&str]| blocking(args.iter().map(|a| a.to_string()).collect());
    let out = run(&["partnership", "list"]).await.expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let target = format!("space@{}", partner.domain);
    let out = run(&[
        "partnership",
        "propose",
        &target,
        "--free-days",
        "3",
        "--days",
        "mon,tue",
    ])
    .await
    .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(line.contains("\tproposed\t"), "{line}");
    assert!(line.contains("free days 3"), "{line}");
    assert!(line.contains("mon,tue"), "{line}");
    let id = line.split('\t').next().expect("id").trim().to_string();
    let out = run(&["queue"]).await.expect("run");
    assert!(
        stdout(&out).contains("not yet expanded: 1"),
        "{}",
        stdout(&out)
    );
    let out = run(&["partnership", "accept", &id]).await.expect("run");
    assert_one_line_error(&out, "nothing from the other space waits");
    let out = run(&["visit", "front-desk", "--date", "2027-01-04"])
        .await
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2027-01-04: 0 visit(s)"),
        "{}",
        stdout(&out)
    );
    let out = run(&["visit", "front-desk", "--date", "soon"])
        .await
        .expect("run");
    assert_one_line_error(&out, "date");
    partner.stop().await;
}
