//! Opportunities across three instances: the board reached by follows and by the space's
//! relay, filters and search, private applications to the poster only, teams across spaces
//! with each teammate's consent, answers, filling, withdrawal, expiry, closed opportunities,
//! partners-only ones, followed skills, the directory, and privacy in every public
//! collection.

use interspace_tests::{http, TestCluster, TestInstance};
use serde_json::{json, Value};

const API: &str = "/api/interspace/v1";
const OPPS: &str = "/api/interspace/v1/opportunities";

fn in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

async fn post_opportunity(i: &TestInstance, token: &str, body: Value) -> Value {
    let (status, o) = i.post(token, OPPS, body).await;
    assert_eq!(status, 200, "create: {o}");
    o
}

fn website() -> Value {
    json!({
        "title": "Website for a bakery", "description": "A small **shop** with online orders.",
        "kind": "project", "skills": ["Rust", "#design"], "location": {"mode": "remote"},
        "budget": {"amount": "1500", "currency": "eur", "period": "fixed"},
        "deadline": in_days(30), "team_size": 3,
    })
}

/// The board on `i` with `query`, as titles.
async fn board(i: &TestInstance, token: &str, query: &str) -> Vec<String> {
    let (status, list) = i.get(token, &format!("{OPPS}?{query}")).await;
    assert_eq!(status, 200, "{query}: {list}");
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| o["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn lookup(i: &TestInstance, token: &str, uri: &str) -> Value {
    let (status, o) = i
        .get(token, &format!("{OPPS}/lookup?uri={}", enc(uri)))
        .await;
    assert_eq!(status, 200, "lookup {uri}: {o}");
    o
}

async fn notification_types(i: &TestInstance, token: &str) -> Vec<String> {
    let (_, notes) = i.get(token, "/api/v1/notifications").await;
    notes
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|x| x["type"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn applications_on(i: &TestInstance, token: &str, opportunity: &str) -> Vec<Value> {
    let (status, list) = i
        .get(token, &format!("{OPPS}/{opportunity}/applications"))
        .await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("a list").clone()
}

/// Every public ActivityPub document of an instance that could list anything: actors,
/// their outboxes, followers, following, the space's members and events, and the pages.
async fn public_documents(i: &TestInstance, users: &[&str]) -> String {
    let client = http();
    let mut out = String::new();
    let mut urls = vec![
        i.at("/actor"),
        i.at("/actor/outbox"),
        i.at("/spaces/space"),
        i.at("/spaces/space/events"),
        i.at("/api/v1/timelines/public"),
        i.at(&format!("{OPPS}?status=all")),
    ];
    for c in ["outbox", "followers", "following", "members", "moderators"] {
        urls.push(i.at(&format!("/spaces/space/{c}")));
        urls.push(i.at(&format!("/spaces/space/{c}?page=true")));
    }
    for u in users {
        urls.push(i.at(&format!("/users/{u}")));
        for c in ["outbox", "followers", "following"] {
            urls.push(i.at(&format!("/users/{u}/{c}")));
            urls.push(i.at(&format!("/users/{u}/{c}?page=true")));
        }
    }
    for u in urls {
        let resp = client
            .get(&u)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("fetch");
        let text = resp.text().await.unwrap_or_default();
        // What documents say, not the vocabulary their `@context` defines.
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut doc)) => {
                doc.remove("@context");
                out.push_str(&Value::Object(doc).to_string());
            }
            _ => out.push_str(&text),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunities_reach_boards_and_applications_go_to_the_poster_only() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let alex = a.user("alex").await;
    let bob = b.user("bob").await;
    let dave = b.user("dave").await;
    let erin = b.user("erin").await;
    let carol = c.user("carol").await;
    let frank = c.user("frank").await;
    // Bob follows the poster; C hears of it only through A's space, which its members follow.
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    c.follow(&carol.token, &format!("space@{}", a.domain)).await;
    // Bob follows a skill and hears of new matching opportunities.
    let (status, _) = b
        .post(&bob.token, &format!("{API}/skills/rust/follow"), json!({}))
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;

    let o = post_opportunity(a, &alice.token, website()).await;
    assert_eq!(o["skills"], json!(["design", "rust"]));
    assert_eq!(o["status"], "open");
    assert_eq!(
        o["budget"],
        json!({"amount": "1500.00", "currency": "EUR", "period": "fixed"})
    );
    assert_eq!(o["applications_count"], 0);
    assert!(o["description"]
        .as_str()
        .unwrap_or_default()
        .contains("<strong>shop</strong>"));
    // Another one that filters must leave out.
    post_opportunity(
        a,
        &alice.token,
        json!({"title": "Barista wanted", "kind": "job", "skills": ["coffee"],
               "location": {"mode": "onsite", "city": "Lyon"}}),
    )
    .await;
    let uri = o["uri"].as_str().expect("uri").to_string();
    let on_a = id(&o);
    cluster.settle().await;

    // Both reach B (a follow) and C (the space's relay), as opportunities and as posts.
    for (i, token) in [(b, &bob.token), (c, &carol.token)] {
        let copy = lookup(i, token, &uri).await;
        assert_eq!(copy["local"], false, "{copy}");
        assert_eq!(copy["kind"], "project");
        assert_eq!(copy["skills"], json!(["design", "rust"]));
        assert_eq!(copy["team_size"], 3);
        assert_eq!(copy["budget"]["currency"], "EUR");
        assert_eq!(copy["deadline"], in_days(30));
        assert_eq!(copy["author"]["acct"], format!("alice@{}", a.domain));
        let titles = board(i, token, "local=false").await;
        assert_eq!(titles.len(), 2, "{titles:?} on {}", i.domain);
        let (_, home) = i.get(token, "/api/v1/timelines/home").await;
        assert!(
            home.to_string().contains("Website for a bakery"),
            "the post is in the home timeline on {}: {home}",
            i.domain
        );
    }
    assert!(notification_types(b, &bob.token)
        .await
        .contains(&"interspace:opportunity".to_string()));

    // Filters and search on B's board.
    for (query, expected) in [
        ("skill=rust", vec!["Website for a bakery"]),
        ("skill=%23Rust", vec!["Website for a bakery"]),
        ("skill=cobol", vec![]),
        ("kind=job", vec!["Barista wanted"]),
        ("mode=onsite", vec!["Barista wanted"]),
        ("q=BAKERY", vec!["Website for a bakery"]),
        ("q=online+orders", vec!["Website for a bakery"]),
        ("budget_min=1000&currency=EUR", vec!["Website for a bakery"]),
        ("budget_min=2000", vec![]),
        (
            "sort=deadline",
            vec!["Website for a bakery", "Barista wanted"],
        ),
        ("local=true", vec![]),
    ] {
        assert_eq!(board(b, &bob.token, query).await, expected, "{query}");
    }
    let (status, bad) = b.get(&bob.token, &format!("{OPPS}?kind=gig")).await;
    assert_eq!(
        (status, bad["error_code"].as_str()),
        (422, Some("validation_failed"))
    );

    // Bob applies alone from B: the Offer goes to A, whose poster sees it.
    let bob_copy = id(&lookup(b, &bob.token, &uri).await);
    let (status, app) = b
        .post(
            &bob.token,
            &format!("{OPPS}/{bob_copy}/applications"),
            json!({"cover_note": "I bake websites.", "links": ["https://bob.example/portfolio"],
                   "proposed_budget": {"amount": "1400", "currency": "EUR", "period": "fixed"}}),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["state"], "submitted");
    let bob_app = id(&app);
    // Twice is a conflict.
    let (status, again) = b
        .post(
            &bob.token,
            &format!("{OPPS}/{bob_copy}/applications"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, again["error_code"].as_str()),
        (409, Some("conflict"))
    );
    cluster.settle().await;
    let apps = applications_on(a, &alice.token, &on_a).await;
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert_eq!(apps[0]["applicant"]["acct"], format!("bob@{}", b.domain));
    assert_eq!(
        apps[0]["applicant_home_space"],
        format!("space@{}", b.domain)
    );
    assert_eq!(apps[0]["cover_note"], "I bake websites.");
    assert_eq!(apps[0]["links"], json!(["https://bob.example/portfolio"]));
    assert_eq!(apps[0]["proposed_budget"]["amount"], "1400.00");
    assert!(notification_types(a, &alice.token)
        .await
        .contains(&"interspace:application".to_string()));
    let (_, mine) = a.get(&alice.token, &format!("{OPPS}/{on_a}")).await;
    assert_eq!(mine["applications_count"], 1);
    // The count (not who applied) reaches the copies.
    let (_, counted) = b.get(&bob.token, &format!("{OPPS}/{bob_copy}")).await;
    assert_eq!(counted["applications_count"], 1, "{counted}");
    // Nobody but the poster lists them.
    let (status, _) = b
        .get(&bob.token, &format!("{OPPS}/{bob_copy}/applications"))
        .await;
    assert_eq!(status, 403);

    // Dave (B) applies with Erin (B), Carol (C) and Alex (A, the poster's own instance): it
    // waits for all three.
    let dave_copy = id(&lookup(b, &dave.token, &uri).await);
    let (status, team_app) = b
        .post(
            &dave.token,
            &format!("{OPPS}/{dave_copy}/applications"),
            json!({"cover_note": "Four of us.", "team": ["erin", format!("carol@{}", c.domain), format!("alex@{}", a.domain)]}),
        )
        .await;
    assert_eq!(status, 200, "{team_app}");
    assert_eq!(team_app["state"], "awaiting_team");
    let dave_app = id(&team_app);
    cluster.settle().await;
    assert_eq!(applications_on(a, &alice.token, &on_a).await.len(), 1);
    // Frank (C) was not invited and sees nothing of it.
    let (_, franks) = c
        .get(&frank.token, &format!("{API}/team_invitations"))
        .await;
    assert_eq!(franks, json!([]));
    let (_, invited) = c
        .get(&carol.token, &format!("{API}/team_invitations"))
        .await;
    assert_eq!(invited.as_array().map(Vec::len), Some(1), "{invited}");
    assert_eq!(invited[0]["state"], "invited");
    assert!(notification_types(c, &carol.token)
        .await
        .contains(&"interspace:team_invitation".to_string()));
    let carol_invitation = id(&invited[0]);

    // Erin agrees: still waiting for Carol.
    let (status, _) = b
        .post(
            &erin.token,
            &format!("{API}/team_invitations/{dave_app}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, waiting) = b
        .get(&dave.token, &format!("{API}/applications/{dave_app}"))
        .await;
    assert_eq!(waiting["state"], "awaiting_team", "{waiting}");
    assert_eq!(applications_on(a, &alice.token, &on_a).await.len(), 1);

    // Carol agrees on C: her instance tells B and A. A knows the application only through
    // Alex's invitation, keeps her consent, and shows Alice nothing yet.
    let (status, _) = c
        .post(
            &carol.token,
            &format!("{API}/team_invitations/{carol_invitation}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, waiting) = b
        .get(&dave.token, &format!("{API}/applications/{dave_app}"))
        .await;
    assert_eq!(waiting["state"], "awaiting_team", "{waiting}");
    assert_eq!(applications_on(a, &alice.token, &on_a).await.len(), 1);

    // Alex agrees on A: the application leaves B and reaches Alice with its whole team.
    let (_, alexs) = a.get(&alex.token, &format!("{API}/team_invitations")).await;
    let alex_invitation = id(&alexs[0]);
    let (status, _) = a
        .post(
            &alex.token,
            &format!("{API}/team_invitations/{alex_invitation}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, sent) = b
        .get(&dave.token, &format!("{API}/applications/{dave_app}"))
        .await;
    assert_eq!(sent["state"], "submitted", "{sent}");
    let apps = applications_on(a, &alice.token, &on_a).await;
    assert_eq!(apps.len(), 2, "{apps:?}");
    let team = apps
        .iter()
        .find(|x| x["applicant"]["acct"] == format!("dave@{}", b.domain))
        .expect("dave's application on A");
    assert_eq!(team["state"], "submitted");
    let mut members: Vec<(String, String, String)> = team["team"]
        .as_array()
        .expect("team")
        .iter()
        .map(|m| {
            (
                m["account"]["acct"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                m["state"].as_str().unwrap_or_default().to_string(),
                m["home_space"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        vec![
            (
                "alex".to_string(),
                "accepted".into(),
                format!("space@{}", a.domain)
            ),
            (
                format!("carol@{}", c.domain),
                "accepted".into(),
                format!("space@{}", c.domain)
            ),
            (
                format!("erin@{}", b.domain),
                "accepted".into(),
                format!("space@{}", b.domain)
            ),
        ]
    );

    // Alice shortlists and accepts Bob; he hears of it on B.
    let bob_on_a = id(apps
        .iter()
        .find(|x| x["applicant"]["acct"] == format!("bob@{}", b.domain))
        .expect("bob's"));
    let (status, short) = a
        .post(
            &alice.token,
            &format!("{API}/applications/{bob_on_a}/shortlist"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, short["state"].as_str()),
        (200, Some("shortlisted"))
    );
    cluster.settle().await;
    let (_, on_b) = b
        .get(&bob.token, &format!("{API}/applications/{bob_app}"))
        .await;
    assert_eq!(on_b["state"], "shortlisted", "{on_b}");
    let (status, accepted) = a
        .post(
            &alice.token,
            &format!("{API}/applications/{bob_on_a}/accept"),
            json!({"message": "Welcome aboard"}),
        )
        .await;
    assert_eq!(
        (status, accepted["state"].as_str()),
        (200, Some("accepted"))
    );
    cluster.settle().await;
    let (_, on_b) = b
        .get(&bob.token, &format!("{API}/applications/{bob_app}"))
        .await;
    assert_eq!(on_b["state"], "accepted", "{on_b}");
    assert_eq!(on_b["message"], "Welcome aboard");
    assert!(notification_types(b, &bob.token)
        .await
        .contains(&"interspace:application_update".to_string()));
    // One person of three: still open.
    let (_, still) = a.get(&alice.token, &format!("{OPPS}/{on_a}")).await;
    assert_eq!(still["status"], "open");

    // Accepting the team of three fills it, here and on the copies.
    let dave_on_a = id(team);
    let (status, _) = a
        .post(
            &alice.token,
            &format!("{API}/applications/{dave_on_a}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, filled) = a.get(&alice.token, &format!("{OPPS}/{on_a}")).await;
    assert_eq!(filled["status"], "filled");
    let (_, carols) = c.get(&carol.token, &format!("{API}/applications")).await;
    assert_eq!(carols.as_array().map(Vec::len), Some(1), "{carols}");
    assert_eq!(
        carols[0]["state"], "accepted",
        "the teammate hears the answer: {carols}"
    );
    let frank_copy = lookup(c, &frank.token, &uri).await;
    assert_eq!(frank_copy["status"], "filled", "{frank_copy}");

    // A filled opportunity takes no application, with a clear error.
    let (status, refused) = c
        .post(
            &frank.token,
            &format!("{OPPS}/{}/applications", id(&frank_copy)),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error_code"], "not_open");
    assert!(refused["error"]
        .as_str()
        .unwrap_or_default()
        .contains("filled"));

    // Privacy: Bob's application never reached C; no application appears in any public
    // document of the three instances; application ids answer nobody.
    let (_, franks) = c.get(&frank.token, &format!("{API}/applications")).await;
    assert_eq!(franks, json!([]));
    let (status, _) = c
        .get(&carol.token, &format!("{API}/applications/{bob_app}"))
        .await;
    assert_eq!(status, 404);
    for (i, users) in [
        (a, vec!["alice"]),
        (b, vec!["bob", "dave", "erin"]),
        (c, vec!["carol", "frank"]),
    ] {
        let all = public_documents(i, &users).await;
        assert!(all.contains("Website for a bakery") || i.domain != a.domain);
        for secret in [
            "/applications/",
            "I bake websites",
            "Four of us",
            "Agreement",
        ] {
            assert!(!all.contains(secret), "{secret} is public on {}", i.domain);
        }
    }
    let app_uri = on_b["uri"].as_str().expect("uri");
    let resp = http()
        .get(app_uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("fetch");
    assert_eq!(resp.status(), 404);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunities_are_checked_closed_reopened_withdrawn_and_expire() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;

    // Bad input: each named, nothing created.
    for (body, field) in [
        (json!({"kind": "project"}), "title"),
        (json!({"title": "X"}), "kind"),
        (json!({"title": "X", "kind": "gig"}), "kind"),
        (
            json!({"title": "X", "kind": "job", "skills": ["two words"]}),
            "skills",
        ),
        (
            json!({"title": "X", "kind": "job", "deadline": in_days(-1)}),
            "deadline",
        ),
        (
            json!({"title": "X", "kind": "job", "deadline": "soon"}),
            "deadline",
        ),
        (
            json!({"title": "X", "kind": "job", "team_size": 0}),
            "team_size",
        ),
        (
            json!({"title": "X", "kind": "job", "location": {"mode": "onsite"}}),
            "location",
        ),
        (
            json!({"title": "X", "kind": "job", "location": {"mode": "moon"}}),
            "location.mode",
        ),
        (
            json!({"title": "X", "kind": "job", "budget": {"amount": "12,5", "currency": "EUR"}}),
            "budget",
        ),
        (
            json!({"title": "X", "kind": "job", "budget": {"amount": "10", "currency": "euro"}}),
            "budget",
        ),
        (
            json!({"title": "X", "kind": "job", "visibility": "friends"}),
            "visibility",
        ),
        (json!({"title": "   ", "kind": "job"}), "title"),
    ] {
        let (status, err) = a.post(&alice.token, OPPS, body.clone()).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["error_code"], "validation_failed", "{err}");
        assert!(
            err["details"].get(field).is_some(),
            "{body} names {field}: {err}"
        );
    }
    assert_eq!(board(a, &alice.token, "status=all").await.len(), 0);

    let o = post_opportunity(
        a,
        &alice.token,
        json!({"title": "Logo", "kind": "help", "deadline": in_days(1)}),
    )
    .await;
    let o_id = id(&o);
    // The author may not apply; others may not edit or read applications.
    let path = format!("{OPPS}/{o_id}/applications");
    let (status, _) = a.post(&alice.token, &path, json!({})).await;
    assert_eq!(status, 403);
    let (status, _) = a
        .patch(
            &bob.token,
            &format!("{OPPS}/{o_id}"),
            json!({"title": "Mine"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = a.get(&bob.token, &path).await;
    assert_eq!(status, 403);
    // Team members must exist.
    let (status, err) = a.post(&bob.token, &path, json!({"team": ["nobody"]})).await;
    assert_eq!(
        (status, err["error_code"].as_str()),
        (422, Some("validation_failed"))
    );
    let (status, err) = a
        .post(&bob.token, &path, json!({"links": ["javascript:alert(1)"]}))
        .await;
    assert_eq!(
        (status, err["error_code"].as_str()),
        (422, Some("validation_failed")),
        "{err}"
    );

    // Apply, withdraw: the count follows; withdrawing twice is a conflict.
    let (status, app) = a
        .post(&bob.token, &path, json!({"cover_note": "Me!"}))
        .await;
    assert_eq!(status, 200, "{app}");
    let (_, counted) = a.get(&bob.token, &format!("{OPPS}/{o_id}")).await;
    assert_eq!(counted["applications_count"], 1);
    assert_eq!(counted["my_application"]["state"], "submitted", "{counted}");
    let withdraw = format!("{API}/applications/{}/withdraw", id(&app));
    let (status, gone) = a.post(&bob.token, &withdraw, json!({})).await;
    assert_eq!((status, gone["state"].as_str()), (200, Some("withdrawn")));
    let (status, _) = a.post(&bob.token, &withdraw, json!({})).await;
    assert_eq!(status, 409);
    let (_, counted) = a.get(&bob.token, &format!("{OPPS}/{o_id}")).await;
    assert_eq!(counted["applications_count"], 0);
    // The author cannot decide on a withdrawn application.
    let (status, _) = a
        .post(
            &alice.token,
            &format!("{API}/applications/{}/accept", id(&app)),
            json!({}),
        )
        .await;
    assert_eq!(status, 409);

    // Closed: refused with not_open; reopened: taken again.
    let (status, closed) = a
        .post(&alice.token, &format!("{OPPS}/{o_id}/close"), json!({}))
        .await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (status, refused) = a.post(&bob.token, &path, json!({})).await;
    assert_eq!(
        (status, refused["error_code"].as_str()),
        (422, Some("not_open"))
    );
    assert!(
        board(a, &bob.token, "").await.is_empty(),
        "closed ones leave the board"
    );
    let (status, reopened) = a
        .post(&alice.token, &format!("{OPPS}/{o_id}/reopen"), json!({}))
        .await;
    assert_eq!((status, reopened["status"].as_str()), (200, Some("open")));
    let (status, _) = a.post(&bob.token, &path, json!({})).await;
    assert_eq!(status, 200);

    // The deadline passes: expired, refused, and its post says so.
    let expired = interspace_app::opportunities::expire(
        &a.ctx,
        chrono::Utc::now().date_naive() + chrono::Duration::days(2),
    )
    .await
    .expect("expire");
    assert_eq!(expired, 1);
    let (_, after) = a.get(&bob.token, &format!("{OPPS}/{o_id}")).await;
    assert_eq!(after["status"], "expired");
    let carl = a.user("carl").await;
    let (status, refused) = a.post(&carl.token, &path, json!({})).await;
    assert_eq!(
        (status, refused["error_code"].as_str()),
        (422, Some("not_open"))
    );
    // Its post cannot be edited or deleted as a status; deleting the opportunity removes it.
    let (_, statuses) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/{}/statuses", alice.id),
        )
        .await;
    let post = statuses[0].clone();
    assert!(
        post["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Status: expired"),
        "{post}"
    );
    let (status, _) = a
        .put(
            &alice.token,
            &format!("/api/v1/statuses/{}", id(&post)),
            json!({"status": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = a.delete(&alice.token, &format!("{OPPS}/{o_id}")).await;
    assert_eq!(status, 200);
    let (status, _) = a.get(&bob.token, &format!("{OPPS}/{o_id}")).await;
    assert_eq!(status, 404);
    let resp = http()
        .get(a.at(&format!("/opportunities/{o_id}")))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("fetch");
    assert_eq!(resp.status(), 410);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_only_opportunities_direct_replies_and_the_directory() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = c.user("carol").await;
    // A and B are partners; C only follows Alice.
    crate::visits::partner(
        &cluster,
        a,
        b,
        crate::visits::terms(json!(3), "automatic", json!(null)),
    )
    .await;
    c.follow(&carol.token, &format!("alice@{}", a.domain)).await;
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    // Alice follows Bob: his profile's updates reach A.
    a.follow(&alice.token, &format!("bob@{}", b.domain)).await;
    cluster.settle().await;

    let partners_only = post_opportunity(
        a,
        &alice.token,
        json!({"title": "Partners only", "kind": "collaboration", "visibility": "partners"}),
    )
    .await;
    let public = post_opportunity(
        a,
        &alice.token,
        json!({"title": "Open call", "kind": "job"}),
    )
    .await;
    cluster.settle().await;
    assert_eq!(
        board(b, &bob.token, "local=false").await,
        vec!["Open call", "Partners only"]
    );
    assert_eq!(
        board(c, &carol.token, "local=false").await,
        vec!["Open call"]
    );
    // Nor can C fetch it: only public ones are served.
    let hidden = partners_only["uri"].as_str().expect("uri");
    let (status, _) = c
        .get(&carol.token, &format!("{OPPS}/lookup?uri={}", enc(hidden)))
        .await;
    assert_ne!(status, 200);
    // Anonymous readers of B see only the public one.
    let (_, anon) = b.get("", OPPS).await;
    assert_eq!(anon.as_array().map(Vec::len), Some(1), "{anon}");
    // The partners-only one is no post for anybody's timeline.
    let (_, home) = c.get(&carol.token, "/api/v1/timelines/home").await;
    assert!(!home.to_string().contains("Partners only"));
    assert!(home.to_string().contains("Open call"));

    // Bob answers the public one with a direct reply from his Mastodon app: interest on A.
    let (_, found) = b
        .get(
            &bob.token,
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                enc(public["uri"].as_str().expect("uri"))
            ),
        )
        .await;
    let status_id = found["statuses"][0]["id"]
        .as_str()
        .expect("status")
        .to_string();
    let (status, reply) = b
        .post(
            &bob.token,
            "/api/v1/statuses",
            json!({"status": format!("@alice@{} count me in", a.domain), "in_reply_to_id": status_id, "visibility": "direct"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    cluster.settle().await;
    let apps = applications_on(a, &alice.token, &id(&public)).await;
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert_eq!(apps[0]["source"], "reply");
    assert!(apps[0]["cover_note"]
        .as_str()
        .unwrap_or_default()
        .contains("count me in"));
    let (_, counted) = a
        .get(&alice.token, &format!("{OPPS}/{}", id(&public)))
        .await;
    assert_eq!(counted["applications_count"], 1);

    // The directory: Bob opts in with skills; A knows him and lists him with his home space.
    let (status, me) = b
        .patch(
            &bob.token,
            &format!("{API}/me"),
            json!({"skills": ["rust", "baking"], "directory_opt_in": true}),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["directory_opt_in"], true);
    let (_, here) = b
        .get(&bob.token, &format!("{API}/directory?skill=baking"))
        .await;
    assert_eq!(here[0]["account"]["username"], "bob", "{here}");
    assert_eq!(here[0]["local"], true);
    // The profile's Update reaches his followers' instances.
    cluster.settle().await;
    let (_, there) = a
        .get(&alice.token, &format!("{API}/directory?skill=baking"))
        .await;
    let people = there.as_array().expect("list");
    assert_eq!(people.len(), 1, "{there}");
    assert_eq!(people[0]["account"]["acct"], format!("bob@{}", b.domain));
    assert_eq!(
        people[0]["home_space"]["acct"],
        format!("space@{}", b.domain)
    );
    // Alice did not opt in: not listed, even with skills.
    a.patch(
        &alice.token,
        &format!("{API}/me"),
        json!({"skills": ["baking"]}),
    )
    .await;
    let (_, local) = a
        .get(&alice.token, &format!("{API}/directory?local=true"))
        .await;
    assert_eq!(local, json!([]));
    let (status, _) = a.get("", &format!("{API}/directory")).await;
    assert_eq!(status, 401);
    // Skills travel in the actor only for those who opted in, so no other instance lists
    // Alice; opting out takes Bob's off the wire too.
    let actor = |i: &TestInstance, name: &str| {
        let url = i.at(&format!("/users/{name}"));
        async move {
            http()
                .get(url)
                .header("Accept", "application/activity+json")
                .send()
                .await
                .expect("actor")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    assert_eq!(
        actor(a, "alice")
            .await
            .get("skills")
            .cloned()
            .unwrap_or(json!([])),
        json!([])
    );
    assert_eq!(actor(b, "bob").await["skills"], json!(["rust", "baking"]));
    b.patch(
        &bob.token,
        &format!("{API}/me"),
        json!({"directory_opt_in": false}),
    )
    .await;
    assert_eq!(
        actor(b, "bob")
            .await
            .get("skills")
            .cloned()
            .unwrap_or(json!([])),
        json!([])
    );
    cluster.settle().await;
    let (_, gone) = a
        .get(&alice.token, &format!("{API}/directory?skill=baking"))
        .await;
    assert_eq!(gone, json!([]), "the Update took Bob off A's directory");
    cluster.shutdown().await;
}

/// What a Mastodon user on `peer` posts: a public Note mentioning `mentions` with hashtags.
fn mastodon_note(actor_id: &str, n: u32, text: &str, mentions: &[&str], tags: &[&str]) -> Value {
    let mut tag: Vec<Value> = mentions
        .iter()
        .map(|m| json!({"type": "Mention", "href": m, "name": "@space"}))
        .collect();
    tag.extend(
        tags.iter()
            .map(|t| json!({"type": "Hashtag", "href": format!("https://peer.example/tags/{t}"), "name": format!("#{t}")})),
    );
    json!({
        "id": format!("{actor_id}/statuses/{n}"), "type": "Note", "attributedTo": actor_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": mentions,
        "content": format!("<p>{text}</p>"), "published": "2026-11-20T10:00:00Z", "tag": tag,
    })
}

fn create_of(note: &Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activity", note["id"].as_str().unwrap_or_default()), "type": "Create",
        "actor": note["attributedTo"], "to": note["to"], "cc": note["cc"], "object": note,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashtag_posts_mentioning_the_space_are_relayed_and_forged_applications_refused() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = interspace_tests::peer::FakePeer::start().await;
    let actor = peer.add_person("maker");
    let maker = actor["id"].as_str().expect("id").to_string();
    let space = a.at("/spaces/space");
    // The peer's account follows the space, so that it sees what the space relays.
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{maker}/follows/1"), "type": "Follow", "actor": maker, "object": space,
    });
    assert_eq!(peer.deliver(&maker, a, "/inbox", &follow).await, 202);

    // Off by default: a tagged post mentioning the space is an ordinary post.
    let first = mastodon_note(
        &maker,
        1,
        "@space Need a 3D printer #opportunity",
        &[&space],
        &["opportunity"],
    );
    assert_eq!(
        peer.deliver(&maker, a, "/inbox", &create_of(&first)).await,
        202
    );
    assert!(board(a, &alice.token, "").await.is_empty());

    // The operator turns it on with the hashtag #opportunity.
    let first_run = a.first_run.as_ref().expect("first run");
    let op = a
        .password_token(
            &first_run.operator_username,
            &first_run.password,
            "read write",
        )
        .await;
    let (_, spaces) = a.get(&op, &format!("{API}/spaces?local=true")).await;
    let space_id = spaces[0]["id"].as_str().expect("space").to_string();
    let (status, bad) = a
        .patch(
            &op,
            &format!("{API}/spaces/{space_id}"),
            json!({"opportunity_hashtag": "two words"}),
        )
        .await;
    assert_eq!(
        (status, bad["error_code"].as_str()),
        (422, Some("validation_failed"))
    );
    let (status, set) = a
        .patch(
            &op,
            &format!("{API}/spaces/{space_id}"),
            json!({"opportunity_hashtag": "#Opportunity"}),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["opportunity_hashtag"], "opportunity");

    let tagged = mastodon_note(
        &maker,
        2,
        "@space Looking for a welder for a sculpture #opportunity #welding",
        &[&space],
        &["opportunity", "welding"],
    );
    let untagged = mastodon_note(&maker, 3, "@space hello", &[&space], &[]);
    let unmentioned = mastodon_note(&maker, 4, "Jobs #opportunity", &[], &["opportunity"]);
    for n in [&tagged, &untagged, &unmentioned] {
        assert_eq!(peer.deliver(&maker, a, "/inbox", &create_of(n)).await, 202);
    }
    let (_, listed) = a.get(&alice.token, OPPS).await;
    let listed = listed.as_array().expect("list").clone();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["title"], "Looking for a welder for a sculpture");
    assert_eq!(listed[0]["skills"], json!(["welding"]));
    assert_eq!(listed[0]["kind"], "help");
    assert_eq!(listed[0]["uri"], tagged["id"]);
    assert_eq!(
        listed[0]["author"]["acct"],
        format!("maker@{}", peer.domain)
    );
    // The space relays it, unchanged: an Announce of the post's own id to its followers.
    let relayed = interspace_tests::wait_until(
        "the space's Announce reaches the peer",
        std::time::Duration::from_secs(20),
        || async {
            peer.requests().into_iter().find(|r| {
                r.method == "POST"
                    && r.body.contains("\"Announce\"")
                    && r.body.contains(tagged["id"].as_str().unwrap_or("?"))
            })
        },
    )
    .await;
    let announce: Value = serde_json::from_str(&relayed.body).expect("json");
    assert_eq!(announce["actor"], space);
    assert_eq!(announce["object"], tagged["id"]);

    // A forged application: an Agreement whose id is on another host, or attributed to
    // someone else, is refused; nothing is stored.
    let o = post_opportunity(
        a,
        &alice.token,
        json!({"title": "Mural", "kind": "project"}),
    )
    .await;
    let offer = |n: u32, agreement_id: &str, attributed: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{maker}/offers/{n}"), "type": "Offer", "actor": maker,
            "to": [a.at("/users/alice")],
            "object": {"id": agreement_id, "type": "Agreement", "attributedTo": attributed,
                       "opportunity": o["uri"], "content": "me"},
        })
    };
    let elsewhere = "http://elsewhere.example/applications/1";
    assert_eq!(
        peer.deliver(&maker, a, "/inbox", &offer(1, elsewhere, &maker))
            .await,
        400
    );
    let own = format!("{maker}/applications/1");
    let other = a.at("/users/alice");
    assert_eq!(
        peer.deliver(&maker, a, "/inbox", &offer(2, &own, &other))
            .await,
        400
    );
    assert!(applications_on(a, &alice.token, &id(&o)).await.is_empty());
    // The honest one is heard.
    assert_eq!(
        peer.deliver(&maker, a, "/inbox", &offer(3, &own, &maker))
            .await,
        202
    );
    let apps = applications_on(a, &alice.token, &id(&o)).await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["cover_note"], "me");
    // A consent from someone the application does not name changes nothing.
    let consent = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{maker}/consents/9"), "type": "Accept", "actor": maker,
        "object": {"id": format!("{own}/invites/x"), "type": "Invite", "object": own},
    });
    assert_eq!(peer.deliver(&maker, a, "/inbox", &consent).await, 400);

    // An Interspace-shaped opportunity from the peer: stored once whichever way it comes,
    // changed only by its author, and a tombstone after its Delete.
    let other = peer.add_person("other");
    let other_id = other["id"].as_str().expect("id").to_string();
    let mut structured = mastodon_note(&maker, 20, "Kiln share", &[], &["ceramics"]);
    structured["name"] = json!("Kiln share");
    structured["attachment"] = json!([{
        "type": "Proposal", "purpose": "request", "opportunityKind": "collaboration",
        "skills": ["ceramics", "not a tag"], "workMode": "onsite",
        "location": {"type": "Place", "name": "Ghent"}, "status": "open",
    }]);
    let note_id = structured["id"].as_str().expect("id").to_string();
    peer.put(
        note_id.trim_start_matches(&peer.base),
        "application/activity+json",
        &structured,
    );
    assert_eq!(
        peer.deliver(&maker, a, "/inbox", &create_of(&structured))
            .await,
        202
    );
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{other_id}/announces/1"), "type": "Announce", "actor": other_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": note_id,
    });
    assert_eq!(peer.deliver(&other_id, a, "/inbox", &announce).await, 202);
    let titles = board(a, &alice.token, "q=kiln").await;
    assert_eq!(titles, vec!["Kiln share"]);
    let copy = lookup(a, &alice.token, &note_id).await;
    assert_eq!(
        copy["skills"],
        json!(["ceramics"]),
        "the bad tag alone is left out"
    );
    assert_eq!(copy["location"]["city"], "Ghent");
    // Someone else's Update is refused.
    let mut forged = structured.clone();
    forged["name"] = json!("Free kiln for all");
    let update = |actor: &str, n: u32, object: &Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/updates/{n}"), "type": "Update", "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": object,
        })
    };
    forged["attributedTo"] = json!(other_id);
    assert_eq!(
        peer.deliver(&other_id, a, "/inbox", &update(&other_id, 1, &forged))
            .await,
        400
    );
    assert_eq!(board(a, &alice.token, "q=kiln").await, vec!["Kiln share"]);
    // Deleted by its author: gone, and a late Create does not bring it back.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}#delete"), "type": "Delete", "actor": maker,
        "object": {"id": note_id, "type": "Tombstone"},
    });
    assert_eq!(peer.deliver(&maker, a, "/inbox", &delete).await, 202);
    let mut late = create_of(&structured);
    late["id"] = json!(format!("{note_id}/activity-again"));
    assert_eq!(peer.deliver(&maker, a, "/inbox", &late).await, 202);
    assert!(board(a, &alice.token, "q=kiln").await.is_empty());
    peer.stop().await;
    cluster.shutdown().await;
}
