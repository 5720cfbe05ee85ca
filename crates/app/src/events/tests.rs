//! RSVPs as members live them, through the use-cases alone.

use crate::events::{self, EventId, EventInput};
use crate::testing::TestApp;
use crate::AppError;
use interspace_core::events::ParticipationState;
use interspace_core::roles::Role;

fn in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

fn breakfast(capacity: i64, waitlist: bool) -> EventInput {
    EventInput {
        title: Some("Members' breakfast".into()),
        starts_at: Some(in_hours(24)),
        ends_at: Some(in_hours(26)),
        timezone: Some("Europe/Paris".into()),
        capacity: Some(Some(capacity)),
        waitlist: Some(waitlist),
        visibility: Some("public".into()),
        ..EventInput::default()
    }
}

#[tokio::test]
async fn a_freed_seat_goes_to_the_first_on_the_waitlist() {
    let app = TestApp::new().await;
    let host = app.member("hana", Role::Host).await;
    let (_, bob) = app.member("bob", Role::Member).await;
    let (_, carol) = app.member("carol", Role::Member).await;
    let e = events::create(&app.ctx, &host, breakfast(1, true))
        .await
        .expect("event");
    let id = EventId::new(e.event.id);
    let joined = events::join(&app.ctx, &bob, &id, None).await.expect("bob");
    assert_eq!(joined.state, ParticipationState::Accepted);
    let waiting = events::join(&app.ctx, &carol, &id, None)
        .await
        .expect("carol");
    assert_eq!(waiting.state, ParticipationState::Waitlisted);
    let left = events::leave(&app.ctx, &bob, &id).await.expect("leave");
    assert_eq!(left.state, ParticipationState::Left);
    let mine = events::get(&app.ctx, &id, Some(&carol))
        .await
        .expect("view")
        .mine
        .expect("carol's participation");
    assert_eq!(mine.state, ParticipationState::Accepted);
}

#[tokio::test]
async fn a_full_event_without_waitlist_says_so_and_a_past_one_cannot_be_made() {
    let app = TestApp::new().await;
    let host = app.member("hana", Role::Host).await;
    let (_, bob) = app.member("bob", Role::Member).await;
    let (_, carol) = app.member("carol", Role::Member).await;
    let e = events::create(&app.ctx, &host, breakfast(1, false))
        .await
        .expect("event");
    events::join(&app.ctx, &bob, &EventId::from(&e.event.id), None)
        .await
        .expect("bob");
    match events::join(&app.ctx, &carol, &EventId::from(&e.event.id), None).await {
        Err(AppError::Refused(code, _)) => assert_eq!(code, "capacity_reached"),
        other => panic!("a join beyond capacity was not refused: {other:?}"),
    }
    let past = EventInput {
        starts_at: Some(in_hours(-3)),
        ends_at: Some(in_hours(-1)),
        ..breakfast(10, false)
    };
    match events::create(&app.ctx, &host, past).await {
        Err(AppError::Validation(v)) => assert_eq!(v.field, "starts_at"),
        other => panic!("a past event was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_remote_join_is_decided_like_a_members_and_always_answered() {
    use crate::outbox;
    use interspace_core::delivery::OutboxKind;
    let app = TestApp::new().await;
    let host = app.member("hana", Role::Host).await;
    let (_, bob) = app.member("bob", Role::Member).await;
    let rita = app.remote("https://elsewhere.test/users/rita").await;
    let e = events::create(&app.ctx, &host, breakfast(1, false))
        .await
        .expect("event");
    events::join(&app.ctx, &bob, &EventId::from(&e.event.id), None)
        .await
        .expect("bob");
    let rejections = || async {
        outbox::pending_events(&app.ctx, 100)
            .await
            .expect("queue")
            .iter()
            .filter(|q| {
                q.kind == OutboxKind::EventReject && q.target_id.as_deref() == Some(&rita.id)
            })
            .count()
    };
    for (n, join) in [
        "https://elsewhere.test/joins/1",
        "https://elsewhere.test/joins/2",
    ]
    .into_iter()
    .enumerate()
    {
        events::receive_join(&app.ctx, &rita, join, &e.event.uri, None)
            .await
            .expect("answered, not an error");
        let mine = events::get(&app.ctx, &EventId::from(&e.event.id), Some(&rita))
            .await
            .expect("view")
            .mine
            .expect("rita's participation");
        assert_eq!(mine.state, ParticipationState::Rejected);
        assert_eq!(mine.reason_code.as_deref(), Some("capacity_reached"));
        assert_eq!(
            mine.join_uri.as_deref(),
            Some(join),
            "the answer goes to the new Join"
        );
        assert_eq!(rejections().await, n + 1, "every Join is answered");
    }
}

/// What the delivery worker and the housekeeping tasks do: use-cases run on spawned tasks.
#[tokio::test]
async fn use_cases_run_on_spawned_tasks() {
    let app = TestApp::new().await;
    let rita = app.remote("https://elsewhere.test/users/rita").await;
    let ctx = app.ctx.clone();
    let left = tokio::spawn(async move {
        events::receive_leave(&ctx, &rita, "https://coworking.test/events/none").await
    })
    .await
    .expect("task");
    assert!(matches!(left, Err(AppError::NotFound(_))));
}
