//! Visits between partner spaces: partnerships, vouched requests, quotas, capacity, manual
//! approval, cancellation both ways, check-in and check-out, ledgers, forged vouching.

use interspace_tests::{TestCluster, TestInstance};
use serde_json::{json, Value};

const API: &str = "/api/interspace/v1";

pub(crate) async fn operator(i: &TestInstance) -> String {
    let first = i.first_run.as_ref().expect("first run credentials");
    i.password_token(&first.operator_username, &first.password, "read write")
        .await
}

/// Terms open every day with no notice, so that tests may use any date from today on.
pub(crate) fn terms(free: Value, approval: &str, max_per_day: Value) -> Value {
    json!({
        "free_days_per_member_per_month": free, "approval": approval, "advance_notice_hours": 0,
        "max_visitors_per_day": max_per_day,
        "days_open": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    })
}

/// Opens the host's doors every day (its own policy also names the days).
pub(crate) async fn open_every_day(i: &TestInstance, op: &str) {
    let (_, spaces) = i.get(op, &format!("{API}/spaces?local=true")).await;
    let id = spaces[0]["id"].as_str().expect("space id");
    let (status, body) = i
        .patch(
            op,
            &format!("{API}/spaces/{id}"),
            json!({"visit_policy": {"days_open": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "advance_notice_hours": 0}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A proposes, B accepts: an active partnership on both sides. Returns (A's id, B's id).
pub(crate) async fn partner(
    cluster: &TestCluster,
    a: &TestInstance,
    b: &TestInstance,
    terms: Value,
) -> (String, String) {
    let (op_a, op_b) = (operator(a).await, operator(b).await);
    let (status, proposed) = a
        .post(
            &op_a,
            &format!("{API}/partnerships"),
            json!({"space_acct": format!("space@{}", b.domain), "terms": terms}),
        )
        .await;
    assert_eq!(status, 200, "{proposed}");
    assert_eq!(proposed["state"], "proposed");
    cluster.settle().await;
    let (_, received) = b
        .get(&op_b, &format!("{API}/partnerships?state=received"))
        .await;
    let b_id = received[0]["id"].as_str().expect("received").to_string();
    assert_eq!(
        received[0]["partner"]["acct"],
        format!("space@{}", a.domain)
    );
    let (status, accepted) = b
        .post(
            &op_b,
            &format!("{API}/partnerships/{b_id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!((status, accepted["state"].as_str()), (200, Some("active")));
    cluster.settle().await;
    let a_id = proposed["id"].as_str().expect("id").to_string();
    let (_, on_a) = a.get(&op_a, &format!("{API}/partnerships/{a_id}")).await;
    assert_eq!(on_a["state"], "active", "{on_a}");
    (a_id, b_id)
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A member of `home` asks `host` for `from..=to`; returns the visit as the home shows it.
async fn ask(home: &TestInstance, token: &str, host_domain: &str, from: &str, to: &str) -> Value {
    let (status, v) = home
        .post(
            token,
            &format!("{API}/visits"),
            json!({"host_space_acct": format!("space@{host_domain}"), "date_from": from, "date_to": to, "note": "hot desk please"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "requested");
    v
}

async fn visit_state(i: &TestInstance, token: &str, id: &str) -> Value {
    let (status, v) = i.get(token, &format!("{API}/visits/{id}")).await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partnerships_are_proposed_accepted_amended_and_ended() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let (a_id, b_id) = partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let (op_a, op_b) = (operator(a).await, operator(b).await);
    // Partners are public: counted on the Space, listed on its page.
    let (_, ours) = a.get("", &format!("{API}/spaces?local=true")).await;
    assert_eq!(ours[0]["partners_count"], 1, "{ours}");
    let page = interspace_tests::http()
        .get(a.at("/"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(&format!("@space@{}", b.domain)),
        "partner listed"
    );
    // Members cannot manage partnerships.
    let member = a.user("mia").await;
    let (status, _) = a
        .post(
            &member.token,
            &format!("{API}/partnerships/{a_id}/end"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    // A amends; B sees the new terms waiting and accepts them.
    let (status, amended) = a
        .post(
            &op_a,
            &format!("{API}/partnerships/{a_id}/amend"),
            json!({"terms": terms(json!(5), "manual", json!(4))}),
        )
        .await;
    assert_eq!(status, 200, "{amended}");
    assert_eq!(amended["pending_from_us"], true);
    cluster.settle().await;
    let (_, on_b) = b.get(&op_b, &format!("{API}/partnerships/{b_id}")).await;
    assert_eq!(
        on_b["pending_terms"]["free_days_per_member_per_month"], 5,
        "{on_b}"
    );
    assert_eq!(on_b["terms"]["free_days_per_member_per_month"], 3);
    b.post(
        &op_b,
        &format!("{API}/partnerships/{b_id}/accept"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    for (i, op, id) in [(a, &op_a, &a_id), (b, &op_b, &b_id)] {
        let (_, p) = i.get(op, &format!("{API}/partnerships/{id}")).await;
        assert_eq!(p["terms"]["free_days_per_member_per_month"], 5, "{p}");
        assert_eq!(p["terms"]["approval"], "manual");
        assert_eq!(p["pending_terms"], Value::Null);
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_gets_a_counter_proposal() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let (op_a, op_b) = (operator(a).await, operator(b).await);
    let (_, proposed) = a
        .post(
            &op_a,
            &format!("{API}/partnerships"),
            json!({"space_acct": format!("space@{}", b.domain), "terms": terms(json!(5), "automatic", json!(null))}),
        )
        .await;
    cluster.settle().await;
    let (_, received) = b.get(&op_b, &format!("{API}/partnerships")).await;
    let b_id = received[0]["id"].as_str().expect("id");
    let (status, countered) = b
        .post(
            &op_b,
            &format!("{API}/partnerships/{b_id}/amend"),
            json!({"terms": terms(json!(2), "automatic", json!(null))}),
        )
        .await;
    assert_eq!(
        (status, countered["state"].as_str()),
        (200, Some("proposed")),
        "{countered}"
    );
    cluster.settle().await;
    let a_id = proposed["id"].as_str().expect("id");
    let (_, on_a) = a.get(&op_a, &format!("{API}/partnerships/{a_id}")).await;
    assert_eq!(on_a["state"], "received", "{on_a}");
    assert_eq!(on_a["terms"]["free_days_per_member_per_month"], 2);
    a.post(
        &op_a,
        &format!("{API}/partnerships/{a_id}/accept"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, on_b) = b.get(&op_b, &format!("{API}/partnerships/{b_id}")).await;
    assert_eq!(on_b["state"], "active", "{on_b}");
    assert_eq!(on_b["terms"]["free_days_per_member_per_month"], 2);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partnership_terms_are_checked_and_ended_by_either_side() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let (a_id, b_id) = partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let (op_a, op_b) = (operator(a).await, operator(b).await);
    // Bad terms are refused with the field named.
    let (status, err) = a
        .post(
            &op_a,
            &format!("{API}/partnerships/{a_id}/amend"),
            json!({"terms": {"approval": "sometimes"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(err["details"]["terms"].is_string(), "{err}");
    // B ends it; A learns it.
    let (status, ended) = b
        .post(
            &op_b,
            &format!("{API}/partnerships/{b_id}/end"),
            json!({"reason": "we are moving"}),
        )
        .await;
    assert_eq!((status, ended["state"].as_str()), (200, Some("ended")));
    cluster.settle().await;
    let (_, p) = a.get(&op_a, &format!("{API}/partnerships/{a_id}")).await;
    assert_eq!(p["state"], "ended");
    assert_eq!(p["reason"], "we are moving");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_manual_approval_cancellations_and_ledgers() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    let (a_id, b_id) = partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let mia = a.user("mia").await;
    // Three free days next month: three one-day visits go through, the fourth is refused.
    let month = today() + chrono::Duration::days(40);
    let first = month.format("%Y-%m-01").to_string();
    let day = |n: u32| format!("{}-{n:02}", month.format("%Y-%m"));
    let mut ids = Vec::new();
    for n in 1..=4 {
        let v = ask(a, &mia.token, &b.domain, &day(n), &day(n)).await;
        cluster.settle().await;
        ids.push(v["id"].as_str().expect("id").to_string());
    }
    for id in &ids[..3] {
        assert_eq!(visit_state(a, &mia.token, id).await["state"], "approved");
    }
    let fourth = visit_state(a, &mia.token, &ids[3]).await;
    assert_eq!(fourth["state"], "rejected", "{fourth}");
    assert_eq!(fourth["reason_code"], "quota_exceeded");
    assert!(fourth["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("3 of 3"));
    let _ = first;

    // The visitor cancels one: the host sees it, and the day no longer counts.
    let (status, cancelled) = a
        .post(
            &mia.token,
            &format!("{API}/visits/{}/cancel", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["cancelled_by"].as_str()),
        (200, Some("visitor"))
    );
    cluster.settle().await;
    let (_, at_b) = b
        .get(&op_b, &format!("{API}/visits?role=host&state=cancelled"))
        .await;
    assert_eq!(at_b.as_array().map(Vec::len), Some(1), "{at_b}");
    assert_eq!(at_b[0]["visitor"]["acct"], format!("mia@{}", a.domain));

    // The host cancels another with a reason; the visitor's side shows it.
    let host_copy = b
        .get(&op_b, &format!("{API}/visits?role=host&state=approved"))
        .await
        .1;
    let to_cancel = host_copy[0]["id"].as_str().expect("id");
    let (status, _) = b
        .post(
            &op_b,
            &format!("{API}/visits/{to_cancel}/cancel"),
            json!({"reason": "burst pipe"}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, mine) = a
        .get(
            &mia.token,
            &format!("{API}/visits?role=visitor&state=cancelled"),
        )
        .await;
    let by_host = mine
        .as_array()
        .expect("list")
        .iter()
        .find(|v| v["cancelled_by"] == "host")
        .cloned()
        .expect("cancelled by the host");
    assert_eq!(by_host["reason"], "burst pipe");

    // Ledgers agree: one visit of one day left on both sides.
    let op_a = operator(a).await;
    let month_str = month.format("%Y-%m").to_string();
    let (_, ours) = a
        .get(
            &op_a,
            &format!("{API}/partnerships/{a_id}/ledger?month={month_str}"),
        )
        .await;
    let (_, theirs) = b
        .get(
            &op_b,
            &format!("{API}/partnerships/{b_id}/ledger?month={month_str}"),
        )
        .await;
    assert_eq!(
        ours["ours_there"],
        json!({"visits": 1, "days": 1}),
        "{ours}"
    );
    assert_eq!(theirs["theirs_here"], ours["ours_there"], "{theirs}");
    assert_eq!(theirs["by_member"][0]["direction"], "theirs_here");
    let csv = interspace_tests::http()
        .get(b.at(&format!(
            "{API}/partnerships/{b_id}/ledger?month={month_str}"
        )))
        .bearer_auth(&op_b)
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("month,direction,member,days\r\n"), "{csv}");
    assert!(
        csv.contains(&format!("theirs_here,\"mia@{}\",1", a.domain)),
        "{csv}"
    );

    // Manual approval: a pending request until the host's staff decide.
    let mut manual = terms(json!(null), "manual", json!(null));
    manual["days_open"] = json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    a.post(
        &op_a,
        &format!("{API}/partnerships/{a_id}/amend"),
        json!({ "terms": manual }),
    )
    .await;
    cluster.settle().await;
    b.post(
        &op_b,
        &format!("{API}/partnerships/{b_id}/accept"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let v = ask(a, &mia.token, &b.domain, &day(20), &day(21)).await;
    cluster.settle().await;
    let id = v["id"].as_str().expect("id");
    assert_eq!(visit_state(a, &mia.token, id).await["state"], "requested");
    let (_, pending) = b
        .get(&op_b, &format!("{API}/visits?role=host&state=pending"))
        .await;
    let host_id = pending[0]["id"].as_str().expect("pending at the host");
    // The note is for the visitor and the host who decides; the home space's staff, who
    // vouch for the visit, see the visit without it.
    assert_eq!(v["note"], "hot desk please", "the visitor sees her note");
    assert_eq!(
        pending[0]["note"], "hot desk please",
        "the host decides on it"
    );
    let (_, ours) = a.get(&op_a, &format!("{API}/visits?role=home")).await;
    let ours = ours
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == id))
        .cloned()
        .expect("the home space lists its member's visit");
    assert_eq!(ours["note"], "", "{ours}");
    let member_b = b.user("noor").await;
    let (status, _) = b
        .post(
            &member_b.token,
            &format!("{API}/visits/{host_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403, "only staff approve");
    let (status, approved) = b
        .post(&op_b, &format!("{API}/visits/{host_id}/approve"), json!({}))
        .await;
    assert_eq!(
        (status, approved["state"].as_str()),
        (200, Some("approved"))
    );
    cluster.settle().await;
    assert_eq!(visit_state(a, &mia.token, id).await["state"], "approved");
    assert!(
        b.get(&member_b.token, &format!("{API}/visits/{host_id}"))
            .await
            .0
            == 404,
        "a member of the host does not see others' visits"
    );
    // A request nobody decided before its days passed is refused at the end of the day.
    let late = ask(a, &mia.token, &b.domain, &day(25), &day(25)).await;
    cluster.settle().await;
    let (_, pending) = b
        .get(&op_b, &format!("{API}/visits?role=host&state=pending"))
        .await;
    let host_id = pending[0]["id"].as_str().expect("pending").to_string();
    let mut conn = b.ctx.db.get().await.expect("conn");
    let mut v = interspace_db::visits::find_visit(&mut conn, &host_id)
        .await
        .expect("db")
        .expect("visit");
    v.date_from = today() - chrono::Duration::days(2);
    v.date_to = v.date_from;
    interspace_db::visits::save_visit(&mut conn, &v)
        .await
        .expect("save");
    drop(conn);
    interspace_app::visits::close_days(&b.ctx)
        .await
        .expect("close");
    cluster.settle().await;
    let refused = visit_state(a, &mia.token, late["id"].as_str().expect("id")).await;
    assert_eq!(refused["state"], "rejected", "{refused}");
    assert_eq!(refused["reason_code"], "not_decided");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn front_desk_checks_in_and_out_on_the_day() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    partner(&cluster, a, b, terms(json!(null), "automatic", json!(null))).await;
    let mia = a.user("mia").await;
    let now = today().to_string();
    let later = (today() + chrono::Duration::days(3)).to_string();
    let v = ask(a, &mia.token, &b.domain, &now, &now).await;
    let future = ask(a, &mia.token, &b.domain, &later, &later).await;
    cluster.settle().await;
    let (status, desk) = b.get(&op_b, &format!("{API}/front_desk")).await;
    assert_eq!(status, 200, "{desk}");
    assert_eq!(desk["date"], now);
    assert_eq!(desk["visits"].as_array().map(Vec::len), Some(1), "{desk}");
    let host_id = desk["visits"][0]["id"].as_str().expect("id").to_string();
    let (status, _) = b
        .get(&mia.token.clone(), &format!("{API}/front_desk"))
        .await;
    assert_ne!(
        status, 200,
        "a token of another instance opens nothing here"
    );

    // Only on the day: tomorrow's visit cannot check in today.
    let (_, others) = b
        .get(&op_b, &format!("{API}/front_desk?date={later}"))
        .await;
    let later_id = others["visits"][0]["id"]
        .as_str()
        .expect("later")
        .to_string();
    let (status, err) = b
        .post(
            &op_b,
            &format!("{API}/visits/{later_id}/check_in"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, err["error_code"].as_str()),
        (422, Some("not_today"))
    );

    let (status, checked) = b
        .post(
            &op_b,
            &format!("{API}/visits/{host_id}/check_in"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, checked["state"].as_str()),
        (200, Some("checked_in"))
    );
    cluster.settle().await;
    let id = v["id"].as_str().expect("id");
    let home = visit_state(a, &mia.token, id).await;
    assert_eq!(home["state"], "checked_in");
    assert!(home["checked_in_at"].is_string());
    b.post(
        &op_b,
        &format!("{API}/visits/{host_id}/check_out"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let home = visit_state(a, &mia.token, id).await;
    assert_eq!(home["state"], "completed");
    assert!(home["checked_out_at"].is_string());
    let _ = future;
    cluster.shutdown().await;
}

/// Three spaces: C has no partnership with B (the public policy answers), and a forged
/// vouching (a visitor who is not the sender's member) is refused and stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouching_is_checked_and_strangers_get_the_public_policy() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let cleo = c.user("cleo").await;
    let date = (today() + chrono::Duration::days(2)).to_string();
    let v = ask(c, &cleo.token, &b.domain, &date, &date).await;
    cluster.settle().await;
    let answer = visit_state(c, &cleo.token, v["id"].as_str().expect("id")).await;
    assert_eq!(answer["state"], "rejected", "{answer}");
    assert_eq!(answer["reason_code"], "no_partnership");

    // A peer Group vouches for someone who names another home space: refused, nothing kept.
    let peer = interspace_tests::peer::FakePeer::start().await;
    let group = peer.add_person("hub");
    let group_id = group["id"].as_str().expect("id").to_string();
    let mut g = group.clone();
    g["type"] = json!("Group");
    peer.put("/users/hub", "application/activity+json", &g);
    let mut stranger = peer.add_person("stranger");
    stranger["homeSpace"] = json!(format!("http://{}/spaces/space", a.domain));
    peer.put("/users/stranger", "application/activity+json", &stranger);
    let offer = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{group_id}/visits/1/offer"), "type": "Offer", "actor": group_id,
        "object": {
            "id": format!("{group_id}/visits/1"), "type": "Visit",
            "attributedTo": stranger["id"], "homeSpace": group_id,
            "hostSpace": format!("http://{}/spaces/space", b.domain),
            "startDate": date, "endDate": date,
        },
    });
    let status = peer.deliver(&group_id, b, "/inbox", &offer).await;
    assert_eq!(status, 400, "the visitor's own home space is another");
    let (_, seen) = b.get(&op_b, &format!("{API}/visits?role=host")).await;
    assert_eq!(
        seen.as_array().map(Vec::len),
        Some(1),
        "only cleo's: {seen}"
    );
    // The same Group vouching for its own member is heard (and gets the public policy).
    let mut member = peer.add_person("member");
    member["homeSpace"] = json!(group_id);
    peer.put("/users/member", "application/activity+json", &member);
    let mut honest = offer.clone();
    honest["id"] = json!(format!("{group_id}/visits/2/offer"));
    honest["object"]["id"] = json!(format!("{group_id}/visits/2"));
    honest["object"]["attributedTo"] = member["id"].clone();
    assert_eq!(peer.deliver(&group_id, b, "/inbox", &honest).await, 202);
    let (_, seen) = b.get(&op_b, &format!("{API}/visits?role=host")).await;
    assert_eq!(seen.as_array().map(Vec::len), Some(2), "{seen}");
    // An Offer for another space is not ours to take.
    let mut elsewhere = honest.clone();
    elsewhere["id"] = json!(format!("{group_id}/visits/3/offer"));
    elsewhere["object"]["id"] = json!(format!("{group_id}/visits/3"));
    elsewhere["object"]["hostSpace"] = json!(format!("http://{}/spaces/space", a.domain));
    assert_eq!(peer.deliver(&group_id, b, "/inbox", &elsewhere).await, 400);
    // A replay of that Offer changes nothing.
    let mut replay = honest.clone();
    replay["id"] = json!(format!("{group_id}/visits/2/offer-again"));
    assert_eq!(peer.deliver(&group_id, b, "/inbox", &replay).await, 202);
    let (_, seen) = b.get(&op_b, &format!("{API}/visits?role=host")).await;
    assert_eq!(
        seen.as_array().map(Vec::len),
        Some(2),
        "stored once: {seen}"
    );
    peer.stop().await;
    cluster.shutdown().await;
}

/// Four requests from two instances at once for the last place of a day: one is approved,
/// the others wait; when the approved visitor cancels, the oldest waiting one moves up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_place_of_a_day_goes_to_one_visitor_only() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    partner(&cluster, a, b, terms(json!(null), "automatic", json!(1))).await;
    partner(&cluster, c, b, terms(json!(null), "automatic", json!(1))).await;
    let date = (today() + chrono::Duration::days(5)).to_string();
    let mut people = Vec::new();
    for (i, name) in [(a, "ann"), (a, "abe"), (c, "cid"), (c, "cat")] {
        people.push((i, i.user(name).await.token));
    }
    let mut asks = tokio::task::JoinSet::new();
    for (i, token) in &people {
        let (url, token, host) = (
            i.at(&format!("{API}/visits")),
            token.clone(),
            format!("space@{}", b.domain),
        );
        let date = date.clone();
        asks.spawn(async move {
            let res = interspace_tests::http()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"host_space_acct": host, "date_from": date, "date_to": date}))
                .send()
                .await
                .expect("ask");
            res.status().as_u16()
        });
    }
    while let Some(status) = asks.join_next().await {
        assert_eq!(status.expect("task"), 200);
    }
    cluster.settle().await;
    // (instance, token, visit id, state) for each visitor, as their home shows it.
    let mut seen = Vec::new();
    for (i, token) in &people {
        let (_, mine) = i.get(token, &format!("{API}/visits?role=visitor")).await;
        let id = mine[0]["id"].as_str().expect("id").to_string();
        let state = mine[0]["state"].as_str().unwrap_or_default().to_string();
        seen.push((*i, token.clone(), id, state));
    }
    let mut states: Vec<&str> = seen.iter().map(|s| s.3.as_str()).collect();
    states.sort();
    assert_eq!(
        states,
        ["approved", "waitlisted", "waitlisted", "waitlisted"]
    );
    let (_, desk) = b.get(&op_b, &format!("{API}/front_desk?date={date}")).await;
    assert_eq!(desk["visits"].as_array().map(Vec::len), Some(4));

    // The approved visitor cancels: exactly one waiting visitor gets the place, and hears it.
    let (i, token, id, _) = seen
        .iter()
        .find(|s| s.3 == "approved")
        .expect("someone approved");
    i.post(token, &format!("{API}/visits/{id}/cancel"), json!({}))
        .await;
    cluster.settle().await;
    let (_, approved) = b
        .get(&op_b, &format!("{API}/visits?role=host&state=approved"))
        .await;
    assert_eq!(approved.as_array().map(Vec::len), Some(1), "{approved}");
    let mut now_approved = 0;
    for (i, token, id, before) in &seen {
        let v = visit_state(i, token, id).await;
        if before == "waitlisted" && v["state"] == "approved" {
            now_approved += 1;
        }
    }
    assert_eq!(
        now_approved, 1,
        "the promotion reached the visitor's own instance"
    );
    cluster.shutdown().await;
}

/// The host is down when the request leaves: it is retried and answered once the host is
/// back, nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_to_a_host_that_is_down_arrives_later() {
    let a = TestInstance::spawn_configured(0, |c| c.federation.retry_base_seconds = 0.2).await;
    let b = TestInstance::spawn(1).await;
    let cluster = TestCluster {
        instances: vec![a, b],
    };
    let (a, b) = (&cluster[0], &cluster[1]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let mia = a.user("mia").await;
    let date = (today() + chrono::Duration::days(2)).to_string();
    let mut cluster = cluster;
    let b_down = cluster
        .instances
        .pop()
        .expect("b")
        .stop_keeping_data()
        .await;
    let a = &cluster[0];
    let host_domain = b_down.config.server.domain.clone();
    let v = ask(a, &mia.token, &host_domain, &date, &date).await;
    let id = v["id"].as_str().expect("id").to_string();
    // A tried and will try again.
    interspace_tests::wait_until(
        "a failed attempt",
        std::time::Duration::from_secs(10),
        || async {
            let undelivered = interspace_app::outbox::undelivered(&a.ctx, 10)
                .await
                .expect("queue");
            undelivered.iter().any(|d| d.attempts > 0).then_some(())
        },
    )
    .await;
    cluster.instances.push(b_down.start().await);
    cluster.settle().await;
    let home = visit_state(&cluster[0], &mia.token, &id).await;
    assert_eq!(home["state"], "approved", "{home}");
    cluster.shutdown().await;
}

/// Ending a partnership: approved visits are honoured, waiting requests are refused with
/// `no_partnership`, and new requests get the public policy. At the end of its day an approved
/// visit nobody checked in is a no-show on both sides. Visits appear in no public collection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_partnership_no_shows_and_privacy() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let op_b = operator(b).await;
    open_every_day(b, &op_b).await;
    let (_, b_id) = partner(&cluster, a, b, terms(json!(null), "automatic", json!(1))).await;
    let (mia, max) = (a.user("mia").await, a.user("max").await);
    let date = (today() + chrono::Duration::days(4)).to_string();
    let approved = ask(a, &mia.token, &b.domain, &date, &date).await;
    cluster.settle().await;
    let waiting = ask(a, &max.token, &b.domain, &date, &date).await;
    cluster.settle().await;
    let id_of = |v: &Value| v["id"].as_str().expect("id").to_string();
    assert_eq!(
        visit_state(a, &max.token, &id_of(&waiting)).await["state"],
        "waitlisted"
    );

    let (status, _) = b
        .post(&op_b, &format!("{API}/partnerships/{b_id}/end"), json!({}))
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    assert_eq!(
        visit_state(a, &mia.token, &id_of(&approved)).await["state"],
        "approved"
    );
    let refused = visit_state(a, &max.token, &id_of(&waiting)).await;
    assert_eq!(refused["state"], "rejected");
    assert_eq!(refused["reason_code"], "no_partnership");
    let later = (today() + chrono::Duration::days(6)).to_string();
    let new = ask(a, &max.token, &b.domain, &later, &later).await;
    cluster.settle().await;
    assert_eq!(
        visit_state(a, &max.token, &id_of(&new)).await["reason_code"],
        "no_partnership",
        "B's public policy takes partners only"
    );

    // Time passes at B (the visit's day is moved into the past): nobody checked in.
    let mut conn = b.ctx.db.get().await.expect("conn");
    let (_, at_b) = b
        .get(&op_b, &format!("{API}/visits?role=host&state=approved"))
        .await;
    let host_id = at_b[0]["id"].as_str().expect("id");
    let mut v = interspace_db::visits::find_visit(&mut conn, host_id)
        .await
        .expect("db")
        .expect("visit");
    v.date_from -= chrono::Duration::days(10);
    v.date_to -= chrono::Duration::days(10);
    interspace_db::visits::save_visit(&mut conn, &v)
        .await
        .expect("save");
    drop(conn);
    assert_eq!(
        interspace_app::visits::close_days(&b.ctx)
            .await
            .expect("close"),
        1
    );
    assert_eq!(
        interspace_app::visits::close_days(&b.ctx)
            .await
            .expect("close"),
        0
    );
    cluster.settle().await;
    assert_eq!(
        visit_state(a, &mia.token, &id_of(&approved)).await["state"],
        "no_show"
    );

    // No visit in any public collection of either instance, and no visit URL answers.
    for i in [a, b] {
        for path in [
            "/spaces/space/outbox",
            "/spaces/space/followers",
            "/spaces/space/members",
            "/spaces/space/events",
            "/users/mia/outbox",
            "/users/max/outbox",
            "/actor/outbox",
        ] {
            let res = interspace_tests::http()
                .get(i.at(path))
                .header("Accept", "application/activity+json")
                .send()
                .await
                .expect("get");
            let body = res.text().await.unwrap_or_default();
            assert!(!body.contains("/visits/"), "{path} on {}: {body}", i.domain);
        }
    }
    let uri = approved["uri"].as_str().expect("uri");
    let res = interspace_tests::http()
        .get(uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404, "a visit is never served");
    cluster.shutdown().await;
}

/// Both spaces propose at once and the proposals cross: each side keeps the one whose id
/// sorts first, so both settle on one agreement. A peer plays the other space, so that the
/// crossing is certain. Proposing again to a partner is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossing_proposals_settle_on_one_agreement() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let op_a = operator(a).await;
    let peer = interspace_tests::peer::FakePeer::start().await;
    let mut hub = peer.add_person("hub");
    hub["type"] = json!("Group");
    peer.put("/users/hub", "application/activity+json", &hub);
    let hub_id = hub["id"].as_str().expect("id").to_string();
    let (status, ours) = a
        .post(
            &op_a,
            &format!("{API}/partnerships"),
            json!({"space_acct": format!("hub@{}", peer.domain)}),
        )
        .await;
    assert_eq!(status, 200, "{ours}");
    let our_uri = ours["uri"].as_str().expect("uri").to_string();
    // The peer's own proposal, made before ours reached it.
    let their_uri = format!("{hub_id}/partnerships/1");
    let offer = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{hub_id}/offers/1"), "type": "Offer", "actor": hub_id,
        "object": {"id": their_uri, "type": "Partnership", "terms": terms(json!(2), "automatic", json!(null))},
    });
    assert_eq!(peer.deliver(&hub_id, a, "/inbox", &offer).await, 202);
    let (_, now) = a.get(&op_a, &format!("{API}/partnerships")).await;
    assert_eq!(
        now.as_array().map(Vec::len),
        Some(1),
        "one row per pair: {now}"
    );
    if their_uri < our_uri {
        assert_eq!(now[0]["uri"], their_uri.as_str(), "{now}");
        assert_eq!(now[0]["state"], "received");
        assert_eq!(now[0]["terms"]["free_days_per_member_per_month"], 2);
    } else {
        assert_eq!(now[0]["uri"], our_uri.as_str(), "{now}");
        assert_eq!(now[0]["state"], "proposed");
    }
    // Once partners, a new proposal from either side is refused.
    let id = now[0]["id"].as_str().expect("id");
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{hub_id}/answers/1"), "type": "Accept", "actor": hub_id,
        "object": {"type": "Offer", "actor": a.at("/spaces/space"), "object": {"id": our_uri, "type": "Partnership"}},
    });
    if now[0]["state"] == "received" {
        a.post(&op_a, &format!("{API}/partnerships/{id}/accept"), json!({}))
            .await;
    } else {
        assert_eq!(peer.deliver(&hub_id, a, "/inbox", &accept).await, 202);
    }
    let (_, p) = a.get(&op_a, &format!("{API}/partnerships/{id}")).await;
    assert_eq!(p["state"], "active", "{p}");
    let (status, err) = a
        .post(
            &op_a,
            &format!("{API}/partnerships"),
            json!({"space_acct": format!("hub@{}", peer.domain)}),
        )
        .await;
    assert_eq!(
        (status, err["error_code"].as_str()),
        (409, Some("conflict"))
    );
    let mut again = offer.clone();
    again["id"] = json!(format!("{hub_id}/offers/2"));
    again["object"]["id"] = json!(format!("{hub_id}/partnerships/2"));
    assert_eq!(peer.deliver(&hub_id, a, "/inbox", &again).await, 409);
    peer.stop().await;
    cluster.shutdown().await;
}
