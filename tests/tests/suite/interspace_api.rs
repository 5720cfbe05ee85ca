//! The Interspace API so far: spaces, /me, members and invites, with its error format.

use interspace_tests::{http, TestCluster};
use serde_json::{json, Value};

async fn operator_token(a: &interspace_tests::TestInstance, scopes: &str) -> String {
    let first = a.first_run.as_ref().expect("first run credentials");
    a.password_token(&first.operator_username, &first.password, scopes)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spaces_can_be_read_looked_up_and_changed_by_operators() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let op = operator_token(a, "read write follow").await;
    let member = a.user("mona").await;

    let (status, list) = a.get("", "/api/interspace/v1/spaces").await;
    assert_eq!(status, 200);
    let space = &list[0];
    assert_eq!(space["handle"], "space");
    assert_eq!(space["acct"], format!("space@{}", a.domain));
    assert_eq!(space["local"], true);
    assert_eq!(space["name"], "Space A");
    assert_eq!(space["account"]["group"], true);
    assert_eq!(
        space["visit_policy"]["days_open"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    let id = space["id"].as_str().expect("id").to_string();
    assert_eq!(
        a.get("", &format!("/api/interspace/v1/spaces/{id}"))
            .await
            .1["id"],
        id
    );

    let change = json!({
        "name": "Hub Nord", "hours": "Mon-Fri 8-19", "timezone": "Europe/Paris",
        "location": {"street": "1 Rue Haute", "locality": "Lille", "country": "FR", "latitude": 50.63, "longitude": 3.06},
        "day_price": {"amount": "25", "currency": "eur"},
        "visit_policy": {"mode": "open", "days_open": ["sat", "mon"]}
    });
    let (status, body) = a
        .patch(
            &member.token,
            &format!("/api/interspace/v1/spaces/{id}"),
            change.clone(),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error_code"], "forbidden");
    let read_only = operator_token(a, "read").await;
    assert_eq!(
        a.patch(
            &read_only,
            &format!("/api/interspace/v1/spaces/{id}"),
            change.clone()
        )
        .await
        .0,
        403,
        "operator role AND write scope"
    );
    let (status, updated) = a
        .patch(&op, &format!("/api/interspace/v1/spaces/{id}"), change)
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Hub Nord");
    assert_eq!(updated["timezone"], "Europe/Paris");
    assert_eq!(updated["location"]["locality"], "Lille");
    assert_eq!(updated["location"]["latitude"], 50.63);
    assert_eq!(
        updated["day_price"],
        json!({"amount": "25.00", "currency": "EUR"})
    );
    assert_eq!(updated["visit_policy"]["mode"], "open");
    assert_eq!(updated["visit_policy"]["days_open"], json!(["mon", "sat"]));
    assert_eq!(
        updated["visit_policy"]["advance_notice_hours"], 24,
        "unnamed policy fields stay"
    );
    // The Group actor shows it to the fediverse.
    let actor: Value = http()
        .get(a.at("/spaces/space"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["name"], "Hub Nord");
    assert_eq!(actor["location"]["address"]["addressLocality"], "Lille");
    assert_eq!(actor["visitPolicy"]["mode"], "open");
    assert_eq!(actor["timezone"], "Europe/Paris");

    for (bad, field) in [
        (json!({"timezone": "Mars/Base"}), "timezone"),
        (
            json!({"day_price": {"amount": "-3", "currency": "EUR"}}),
            "day_price",
        ),
        (
            json!({"visit_policy": {"mode": "whenever"}}),
            "visit_policy",
        ),
        (
            json!({"visit_policy": {"days_open": ["someday"]}}),
            "visit_policy",
        ),
        (
            json!({"location": {"latitude": 123.0, "longitude": 0.0}}),
            "location",
        ),
    ] {
        let (status, body) = a
            .patch(&op, &format!("/api/interspace/v1/spaces/{id}"), bad.clone())
            .await;
        assert_eq!(status, 422, "{bad}");
        assert_eq!(body["error_code"], "validation_failed");
        assert!(body["details"][field].is_string(), "{bad}: {body}");
    }
    let (status, body) = a.get("", "/api/interspace/v1/spaces/nope").await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(
        a.get("", "/api/interspace/v1/nothing/here").await.1["error_code"],
        "not_found"
    );

    // Remote spaces are found through WebFinger and remembered.
    let (status, remote) = a
        .get(
            &member.token,
            &format!("/api/interspace/v1/spaces/lookup?acct=space@{}", b.domain),
        )
        .await;
    assert_eq!(status, 200, "{remote}");
    assert_eq!(remote["local"], false);
    assert_eq!(remote["name"], "Space B");
    assert_eq!(remote["acct"], format!("space@{}", b.domain));
    let (_, remote_list) = a.get("", "/api/interspace/v1/spaces?local=false").await;
    assert_eq!(remote_list[0]["id"], remote["id"]);
    let (status, body) = a
        .get(
            &member.token,
            &format!("/api/interspace/v1/spaces/lookup?acct=nobody@{}", b.domain),
        )
        .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = a
        .get(
            &member.token,
            &format!("/api/interspace/v1/spaces/lookup?acct=admin@{}", b.domain),
        )
        .await;
    assert_eq!(status, 404, "a person is not a space");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_members_and_invites() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let op = operator_token(a, "read write").await;
    let nia = a.user("nia").await;
    let ole = a.user("ole").await;

    let (_, me) = a.get(&nia.token, "/api/interspace/v1/me").await;
    assert_eq!(me["account"]["username"], "nia");
    assert_eq!(me["role"], "member");
    assert_eq!(me["home_space"]["handle"], "space");

    assert_eq!(a.get(&nia.token, "/api/interspace/v1/members").await.0, 403);
    let (status, list) = a.get(&op, "/api/interspace/v1/members").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(3));

    let (status, body) = a
        .patch(
            &op,
            &format!("/api/interspace/v1/members/{}", nia.id),
            json!({"role": "host"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "host");
    assert_eq!(
        a.get(&nia.token, "/api/interspace/v1/members").await.0,
        200,
        "hosts see members"
    );
    let (status, _) = a
        .patch(
            &nia.token,
            &format!("/api/interspace/v1/members/{}", ole.id),
            json!({"role": "operator"}),
        )
        .await;
    assert_eq!(status, 403, "hosts cannot give roles");
    let (status, body) = a
        .patch(
            &op,
            &format!("/api/interspace/v1/members/{}", nia.id),
            json!({"role": "king"}),
        )
        .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (422, Some("validation_failed"))
    );

    // Suspension signs out everywhere and hides the actor; it can be undone.
    let (status, body) = a
        .post(
            &op,
            &format!("/api/interspace/v1/members/{}/suspend", ole.id),
            json!({}),
        )
        .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("suspended")));
    assert_eq!(
        a.get(&ole.token, "/api/v1/accounts/verify_credentials")
            .await
            .0,
        401
    );
    let res = http()
        .get(a.at("/users/ole"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor");
    assert_eq!(res.status(), 404);
    let (_, body) = a
        .post(
            &op,
            &format!("/api/interspace/v1/members/{}/unsuspend", ole.id),
            json!({}),
        )
        .await;
    assert_eq!(body["state"], "active");
    a.password_token("ole", &ole.password, "read").await;
    let op_id = a.get(&op, "/api/v1/accounts/verify_credentials").await.1["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = a
        .post(
            &op,
            &format!("/api/interspace/v1/members/{op_id}/suspend"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403, "operators cannot suspend themselves");

    // Invites: one use, then exhausted.
    let (status, invite) = a
        .post(
            &op,
            "/api/interspace/v1/invites",
            json!({"max_uses": 1, "expires_in_days": 7}),
        )
        .await;
    assert_eq!(status, 200, "{invite}");
    assert_eq!(invite["max_uses"], 1);
    assert!(invite["expires_at"].is_string());
    assert_eq!(
        a.post(&nia.token, "/api/interspace/v1/invites", json!({}))
            .await
            .0,
        403
    );
    let (_, invites) = a.get(&op, "/api/interspace/v1/invites").await;
    assert_eq!(invites[0]["code"], invite["code"]);
    let (status, body) = a
        .post(
            &op,
            "/api/interspace/v1/invites",
            json!({"expires_in_days": 0}),
        )
        .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (422, Some("validation_failed"))
    );

    // Approving a pending registration.
    let pending = interspace_app::members::add(
        &a.ctx,
        interspace_app::members::NewMember {
            username: "pat".into(),
            email: "pat@example.org".into(),
            password: Some("pat-password".into()),
            role: interspace_core::roles::Role::Member,
            display_name: None,
            approved: false,
        },
    )
    .await
    .expect("pending member");
    let (_, list) = a.get(&op, "/api/interspace/v1/members").await;
    let pat = list
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["account"]["username"] == "pat")
        .expect("pat")
        .clone();
    assert_eq!(pat["state"], "pending");
    let (_, body) = a
        .post(
            &op,
            &format!(
                "/api/interspace/v1/members/{}/approve",
                pending.member.account.id
            ),
            json!({}),
        )
        .await;
    assert_eq!(body["state"], "active");
    a.password_token("pat", "pat-password", "read").await;
    cluster.shutdown().await;
}
