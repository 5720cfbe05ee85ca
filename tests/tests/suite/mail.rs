//! E-mail through a real SMTP server on loopback (aiosmtpd from PyPI): password resets that
//! answer alike for unknown addresses, invitations, confirming a new address, the mail queue
//! surviving an SMTP outage without losing or doubling a mail, the coworking mails going only
//! to who may read them (with `.ics` where a day or an event is in the calendar), and
//! one-click unsubscription.

use crate::clients::venv;
use crate::visits::{open_every_day, operator, partner, terms};
use crate::web::Browser;
use interspace_core::roles::Role;
use interspace_tests::smtp::{Received, SmtpSink};
use interspace_tests::{run_cli, wait_until, TestCluster, TestInstance};
use serde_json::{json, Value};
use std::time::Duration;

const API: &str = "/api/interspace/v1";
const EVENTS: &str = "/api/interspace/v1/events";
const OPPS: &str = "/api/interspace/v1/opportunities";

async fn with_mail(index: usize, sink: &SmtpSink) -> TestInstance {
    let url = sink.url();
    TestInstance::spawn_configured(index, move |c| {
        c.mail.smtp_url = url;
        c.mail.from = format!("Space {} <desk@space-{index}.test>", index);
        c.mail.retry_base_seconds = 0.3;
        c.events.reminder_minutes = 120;
    })
    .await
}

/// The path of a link on `i` (the part after its origin).
fn path_on(i: &TestInstance, link: &str) -> String {
    link.strip_prefix(&i.url)
        .unwrap_or_else(|| panic!("{link} is not on {}", i.url))
        .to_string()
}

fn without_csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .enumerate()
        .map(|(n, part)| {
            if n == 0 {
                part.to_string()
            } else {
                part.split_once('"')
                    .map_or(String::new(), |(_, rest)| rest.to_string())
            }
        })
        .collect()
}

/// Every mail carries both parts, the instance's name and the `From` of `mail.from`.
fn well_formed(m: &Received, from: &str, instance: &str) {
    assert!(
        m.header("from").is_some_and(|f| f.contains(from)),
        "From: {:?}",
        m.header("from")
    );
    assert!(!m.text().is_empty() && !m.html().is_empty(), "{:?}", m.0);
    assert!(m.text().contains(instance), "{}", m.text());
    assert!(m.html().contains(instance), "{}", m.html());
    assert!(m.html().starts_with("<!DOCTYPE html>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_mails_reset_invite_confirm_and_survive_an_outage() {
    let Some(venv) = venv() else { return };
    let mut sink = SmtpSink::start(&venv).await;
    let a = with_mail(0, &sink).await;
    let alice = a.user("alice").await;

    // Forgot password: the page answers alike whether or not the address is a member's.
    let mut browser = Browser::new(&a);
    let page = browser.get("/login").await;
    assert!(page.body.contains("href=\"/password/forgot\""));
    let form = browser.get("/password/forgot").await;
    assert_eq!(form.status, 200);
    let known = browser
        .post("/password/forgot", &[("email", "Alice@Example.org")])
        .await;
    let unknown = browser
        .post("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(without_csrf(&known.body), without_csrf(&unknown.body));
    let reset = sink.wait_for(&alice.email, "Choose a new password").await;
    well_formed(&reset, "desk@space-0.test", "Space A");
    assert!(
        reset.header("list-unsubscribe").is_none(),
        "account mails always go"
    );
    assert!(reset.text().contains("for 1 hour"), "{}", reset.text());
    let link = reset
        .link(&format!("{}/reset/", a.url))
        .expect("a reset link");
    assert!(reset.html().contains(&format!("href=\"{link}\"")));

    // The link sets a password that then signs in, once.
    let path = path_on(&a, &link);
    let mut stranger = Browser::new(&a);
    assert_eq!(stranger.get(&path).await.status, 200);
    let done = stranger
        .post(&path, &[("password", "a-brand-new-password")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    a.password_token(&alice.email, "a-brand-new-password", "read")
        .await;
    assert_eq!(stranger.get(&path).await.status, 410, "used up");

    // A new address is used once its owner opens the link mailed to it.
    let mut own = Browser::new(&a);
    own.sign_in("alice", "a-brand-new-password").await;
    own.get("/settings").await;
    let asked = own
        .post("/settings/email", &[("email", "not an address")])
        .await;
    assert_eq!(asked.status, 422, "a clear error: {}", asked.body);
    assert!(asked.body.contains("is not an e-mail address"));
    let asked = own
        .post("/settings/email", &[("email", "alice.new@example.org")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let confirm = sink
        .wait_for("alice.new@example.org", "Confirm your new e-mail address")
        .await;
    let link = confirm
        .link(&format!("{}/mail/confirm/", a.url))
        .expect("a confirmation link");
    let opened = Browser::new(&a).get(&path_on(&a, &link)).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    a.password_token("alice.new@example.org", "a-brand-new-password", "read")
        .await;
    assert_eq!(
        Browser::new(&a).get(&path_on(&a, &link)).await.status,
        410,
        "a confirmation link works once"
    );

    // An invitation from the console, as a host; the link signs up with that role.
    let config = a.config();
    let env = [
        ("INTERSPACE__DATABASE__URL", config.database.url.as_str()),
        ("INTERSPACE__SERVER__DOMAIN", a.domain.as_str()),
        ("INTERSPACE__MAIL__SMTP_URL", config.mail.smtp_url.as_str()),
    ];
    let out = run_cli(
        &["member", "invite", "bob@example.org", "--role", "host"],
        &env,
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("mailed to bob@example.org"), "{printed}");
    let invite = sink
        .wait_for("bob@example.org", "You are invited to join Space A")
        .await;
    well_formed(&invite, "desk@space-0.test", "Space A");
    assert!(invite.text().contains("You will join as host."));
    let link = invite
        .link(&format!("{}/invite/", a.url))
        .expect("an invite link");
    assert!(printed.contains(&link), "{printed}");
    let code = link.rsplit('/').next().expect("code").to_string();
    let (app_id, secret) = a
        .register_app("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = interspace_tests::http()
        .post(a.at("/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": app_id, "client_secret": secret, "scope": "read write"}))
        .send()
        .await
        .expect("token")
        .json::<Value>()
        .await
        .expect("json")["access_token"]
        .as_str()
        .expect("app token")
        .to_string();
    let (status, body) = a
        .post(
            &app_token,
            "/api/v1/accounts",
            json!({"username": "bob", "email": "bob@example.org", "password": "bob-password",
                   "agreement": true, "locale": "en", "invite_code": code}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let bob = interspace_app::members::get(&a.ctx, "bob")
        .await
        .expect("bob");
    assert_eq!(bob.user.role, Role::Host.as_str());

    // The operator's invite page mails the link too, and says so.
    let first = a.first_run.clone().expect("first run");
    let mut op = Browser::new(&a);
    op.sign_in(&first.operator_username, &first.password).await;
    let members = op.get("/admin/members").await;
    assert!(members.body.contains("the link is mailed to it"));
    let created = op
        .post(
            "/admin/invites",
            &[
                ("email", "dana@example.org"),
                ("role", "member"),
                ("max_uses", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created
        .body
        .contains("The link was mailed to dana@example.org"));
    let mailed = sink.wait_for("dana@example.org", "You are invited").await;
    let link = mailed.link(&format!("{}/invite/", a.url)).expect("link");
    assert!(created.body.contains(&link), "the same link on the page");
    let refused = op
        .post(
            "/admin/invites",
            &[("email", "dana at example"), ("role", "member")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);

    // The SMTP server goes away: the mail waits in the queue, retried, and goes out once
    // when the server is back.
    sink.stop();
    browser.get("/password/forgot").await;
    browser
        .post("/password/forgot", &[("email", "alice.new@example.org")])
        .await;
    wait_until("a failed attempt", Duration::from_secs(20), || async {
        let (pending, _) = interspace_app::mail::depth(&a.ctx).await.expect("depth");
        let due = interspace_app::mail::due(&a.ctx, 10).await.expect("due");
        (pending == 1 && due.is_empty()).then_some(())
    })
    .await;
    let before = sink.to("alice.new@example.org").len();
    sink.restart().await;
    sink.wait_for("alice.new@example.org", "Choose a new password")
        .await;
    wait_until("the queue to empty", Duration::from_secs(20), || async {
        (interspace_app::mail::depth(&a.ctx).await.expect("depth") == (0, 0)).then_some(())
    })
    .await;
    let resets = sink
        .to("alice.new@example.org")
        .into_iter()
        .filter(|m| {
            m.header("subject")
                .is_some_and(|s| s.contains("new password"))
        })
        .count();
    assert_eq!((before, resets), (1, 1), "sent once, not lost, not doubled");
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_without_smtp_sends_nothing_and_says_so() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let mut browser = Browser::new(a);
    let page = browser.get("/password/forgot").await;
    assert!(page.body.contains("sends no e-mail"), "{}", page.body);
    interspace_app::sessions::forgot_password(&a.ctx, &alice.email)
        .await
        .expect("forgot");
    assert_eq!(
        interspace_app::mail::depth(&a.ctx).await.expect("depth"),
        (0, 0)
    );
    // The operator gets the link to hand over instead.
    let invite = interspace_app::registrations::create_invite(
        &a.ctx,
        interspace_app::registrations::NewInvite {
            created_by: None,
            max_uses: Some(1),
            expires_in_days: Some(1),
            email: Some("carol@example.org"),
            role: Role::Member,
        },
    )
    .await
    .expect("invite");
    assert_eq!(invite.email.as_deref(), Some("carol@example.org"));
    assert_eq!(
        interspace_app::mail::depth(&a.ctx).await.expect("depth"),
        (0, 0)
    );
    cluster.shutdown().await;
}

async fn set_role(i: &TestInstance, username: &str, role: Role) {
    interspace_app::members::act_from_console(
        &i.ctx,
        username,
        interspace_app::members::MemberAction::SetRole(role),
    )
    .await
    .expect("role");
}

async fn settle(a: &TestInstance, b: &TestInstance) {
    wait_until("deliveries", Duration::from_secs(30), || async {
        let mut quiet = true;
        for i in [a, b] {
            let (pending, _, events) = interspace_app::outbox::depth(&i.ctx).await.expect("depth");
            quiet &= pending == 0 && events == 0;
        }
        quiet.then_some(())
    })
    .await;
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coworking_mails_reach_only_who_may_read_them() {
    let Some(venv) = venv() else { return };
    let sink = SmtpSink::start(&venv).await;
    let cluster = TestCluster {
        instances: vec![with_mail(0, &sink).await, with_mail(1, &sink).await],
    };
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await; // a member of A, who visits B, organises and posts
    let hana = b.user("hana").await; // B's host
    let olga = b.user("olga").await; // B's operator
    let bob = b.user("bob").await; // a plain member of B
    set_role(b, "hana", Role::Host).await;
    set_role(b, "olga", Role::Operator).await;

    // A visit: B's staff hear of the request (and nobody else there); Alice of the approval,
    // with the day in her calendar.
    partner(&cluster, a, b, terms(json!(5), "manual", json!(null))).await;
    open_every_day(b, &operator(b).await).await;
    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string();
    let (status, v) = a
        .post(
            &alice.token,
            &format!("{API}/visits"),
            json!({"host_space_acct": format!("space@{}", b.domain), "date_from": day, "date_to": day, "note": "hot desk please"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let request = sink.wait_for(&hana.email, "Visit request from alice").await;
    well_formed(&request, "desk@space-1.test", "Space B");
    assert!(request.text().contains("hot desk please"));
    assert!(request.header("list-unsubscribe").is_some());
    assert_eq!(
        request.header("list-unsubscribe-post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    sink.wait_for(&olga.email, "Visit request from alice").await;
    let (_, pending) = b
        .get(
            &hana.token,
            &format!("{API}/visits?role=host&state=pending"),
        )
        .await;
    let host_id = pending[0]["id"].as_str().expect("visit").to_string();
    let (status, body) = b
        .post(
            &hana.token,
            &format!("{API}/visits/{host_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let approved = sink
        .wait_for(&alice.email, "Your visit to Space B is approved")
        .await;
    well_formed(&approved, "desk@space-0.test", "Space A");
    let ics = approved.attachments();
    assert_eq!(ics.len(), 1, "{ics:?}");
    assert_eq!(ics[0]["content_type"], "text/calendar");
    let day_value = day.replace('-', "");
    assert!(
        ics[0]["content"]
            .as_str()
            .is_some_and(|c| c.contains(&format!("DTSTART;VALUE=DATE:{day_value}"))),
        "{ics:?}"
    );

    // An event on A with one seat: Bob (on B) is in, Hana waits, Bob leaves and Hana gets
    // the seat; each hears it from their own instance.
    let (status, event) = a
        .post(
            &alice.token,
            EVENTS,
            json!({"title": "Pasta night", "starts_at": in_minutes(90), "ends_at": in_minutes(180),
                   "timezone": "Europe/Paris", "capacity": 1, "place": {"kind": "space", "room": "Kitchen"}}),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    let uri = event["uri"].as_str().expect("uri").to_string();
    let on_b = |token: String| {
        let uri = uri.clone();
        async move {
            let (status, e) = b
                .get(
                    &token,
                    &format!(
                        "{EVENTS}/lookup?uri={}",
                        url::form_urlencoded::byte_serialize(uri.as_bytes()).collect::<String>()
                    ),
                )
                .await;
            assert_eq!(status, 200, "{e}");
            e["id"].as_str().expect("id").to_string()
        }
    };
    let bob_event = on_b(bob.token.clone()).await;
    b.post(&bob.token, &format!("{EVENTS}/{bob_event}/join"), json!({}))
        .await;
    let accepted = sink.wait_for(&bob.email, "You are in: Pasta night").await;
    well_formed(&accepted, "desk@space-1.test", "Space B");
    assert!(
        accepted.text().contains("(Europe/Paris)"),
        "{}",
        accepted.text()
    );
    let hana_event = on_b(hana.token.clone()).await;
    b.post(
        &hana.token,
        &format!("{EVENTS}/{hana_event}/join"),
        json!({}),
    )
    .await;
    sink.wait_for(&hana.email, "On the waitlist: Pasta night")
        .await;
    settle(a, b).await;
    b.post(
        &bob.token,
        &format!("{EVENTS}/{bob_event}/leave"),
        json!({}),
    )
    .await;
    let promoted = sink
        .wait_for(&hana.email, "A place for you at Pasta night")
        .await;
    assert!(promoted.attachments().iter().any(|f| f["content"]
        .as_str()
        .is_some_and(|c| c.contains("SUMMARY:Pasta night"))));
    settle(a, b).await;
    // The reminder goes to who takes part, with the event.
    interspace_app::events::remind(&b.ctx)
        .await
        .expect("remind");
    let reminder = sink.wait_for(&hana.email, "Reminder: Pasta night").await;
    assert_eq!(reminder.attachments().len(), 1);
    assert!(sink
        .to(&bob.email)
        .iter()
        .all(|m| !m.header("subject").unwrap_or_default().contains("Reminder")));

    // An opportunity: the application, cover note and all, goes to the poster only.
    let (status, o) = a
        .post(
            &alice.token,
            OPPS,
            json!({"title": "Logo for the kitchen", "kind": "project", "skills": ["design"],
                   "location": {"mode": "remote"}}),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    settle(a, b).await;
    let (_, copy) = b
        .get(
            &bob.token,
            &format!(
                "{OPPS}/lookup?uri={}",
                url::form_urlencoded::byte_serialize(o["uri"].as_str().expect("uri").as_bytes())
                    .collect::<String>()
            ),
        )
        .await;
    let (status, app) = b
        .post(
            &bob.token,
            &format!("{OPPS}/{}/applications", copy["id"].as_str().expect("id")),
            json!({"cover_note": "My secret rate is low.", "team": ["hana"]}),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    let invited = sink
        .wait_for(&hana.email, "Join a team for \"Logo for the kitchen\"")
        .await;
    assert!(
        !invited.text().contains("secret rate"),
        "{}",
        invited.text()
    );
    let (_, invitations) = b.get(&hana.token, &format!("{API}/team_invitations")).await;
    let invitation = invitations[0]["id"].as_str().expect("invitation");
    let (status, body) = b
        .post(
            &hana.token,
            &format!("{API}/team_invitations/{invitation}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let received = sink
        .wait_for(&alice.email, "New application: Logo for the kitchen")
        .await;
    assert!(received.text().contains("My secret rate is low."));
    settle(a, b).await;
    let leaked: Vec<String> = sink
        .messages()
        .iter()
        .filter(|m| m.text().contains("secret rate") || m.html().contains("secret rate"))
        .flat_map(|m| m.to())
        .collect();
    assert_eq!(leaked, vec![alice.email.clone()]);

    // A report reaches the operators only.
    let (status, body) = b
        .post(
            &bob.token,
            "/api/v1/reports",
            json!({"account_id": hana.id, "comment": "spam", "category": "spam"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sink.wait_for(&olga.email, "New report about @hana").await;

    // One click (RFC 8058) and Hana hears no more of visits; events still come.
    let link = request
        .header("list-unsubscribe")
        .expect("header")
        .trim_matches(['<', '>'])
        .to_string();
    let res = interspace_tests::http()
        .post(&link)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(res.status(), 200);
    let chosen = interspace_app::mail::preferences(
        &b.ctx,
        &interspace_app::members::get(&b.ctx, "hana")
            .await
            .expect("hana")
            .user,
    )
    .await
    .expect("preferences");
    assert!(!chosen.contains(&interspace_core::mail::MailCategory::Visits));
    assert!(chosen.contains(&interspace_core::mail::MailCategory::Events));
    let forged = interspace_tests::http()
        .post(link.replace("/visits", "/account"))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 404, "account mails cannot be turned off");
    let day2 = (chrono::Utc::now().date_naive() + chrono::Duration::days(4)).to_string();
    a.post(
        &alice.token,
        &format!("{API}/visits"),
        json!({"host_space_acct": format!("space@{}", b.domain), "date_from": day2, "date_to": day2}),
    )
    .await;
    wait_until("a second request", Duration::from_secs(30), || async {
        let to_olga = sink.to(&olga.email);
        let requests = to_olga.iter().filter(|m| {
            m.header("subject")
                .unwrap_or_default()
                .contains("Visit request")
        });
        (requests.count() == 2).then_some(())
    })
    .await;
    settle(a, b).await;
    wait_until("the queue to empty", Duration::from_secs(20), || async {
        (interspace_app::mail::depth(&b.ctx).await.expect("depth") == (0, 0)).then_some(())
    })
    .await;
    let requests_to_hana = sink
        .to(&hana.email)
        .iter()
        .filter(|m| {
            m.header("subject")
                .unwrap_or_default()
                .contains("Visit request")
        })
        .count();
    assert_eq!(requests_to_hana, 1, "unsubscribed from visits");
    // Olga declines the second request: Alice hears of it, without a calendar file.
    let (_, pending) = b
        .get(
            &olga.token,
            &format!("{API}/visits?role=host&state=pending"),
        )
        .await;
    let second = pending[0]["id"].as_str().expect("visit").to_string();
    let (status, body) = b
        .post(
            &olga.token,
            &format!("{API}/visits/{second}/reject"),
            json!({"reason": "Full that day"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let declined = sink
        .wait_for(&alice.email, "Your visit to Space B is declined")
        .await;
    assert!(
        declined.text().contains("Full that day"),
        "{}",
        declined.text()
    );
    assert!(declined.attachments().is_empty());

    // Hana chooses the weekly digest on her settings page; it lists what is new in the spaces
    // she follows, once a week. Bob, who did not choose it, gets none.
    b.follow(&hana.token, &format!("space@{}", a.domain)).await;
    let mut page = Browser::new(b);
    page.sign_in("hana", "hana-password").await;
    let settings = page.get("/settings").await;
    assert!(settings
        .body
        .contains("name=\"categories[]\" value=\"digest\""));
    let saved = page
        .post(
            "/settings/mail",
            &[("categories[]", "events"), ("categories[]", "digest")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        interspace_app::mail::digest(&b.ctx).await.expect("digest"),
        1
    );
    let digest = sink.wait_for(&hana.email, "This week in your spaces").await;
    assert!(digest.text().contains("Pasta night"), "{}", digest.text());
    assert!(digest
        .header("list-unsubscribe")
        .is_some_and(|u| u.ends_with("/digest>")));
    assert_eq!(
        interspace_app::mail::digest(&b.ctx).await.expect("digest"),
        0,
        "weekly"
    );
    assert!(sink.to(&bob.email).iter().all(|m| !m
        .header("subject")
        .unwrap_or_default()
        .contains("This week")));
    cluster.shutdown().await;
}
