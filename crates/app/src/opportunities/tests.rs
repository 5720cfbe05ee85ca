//! Applications as posters and applicants live them, through the use-cases alone. The space
//! relays, it never selects: only the poster decides.

use crate::opportunities::{
    self, ApplicationId, ApplicationInput, Decision, OpportunityId, OpportunityInput,
};
use crate::testing::TestApp;
use crate::AppError;
use interspace_core::opportunities::ApplicationState;
use interspace_core::roles::Role;

fn job() -> OpportunityInput {
    OpportunityInput {
        title: Some("Illustrator for a picture book".into()),
        description: Some("Twelve pages, watercolour.".into()),
        kind: Some("project".into()),
        skills: Some(vec!["illustration".into()]),
        mode: Some("remote".into()),
        visibility: Some("public".into()),
        ..OpportunityInput::default()
    }
}

fn note(text: &str) -> ApplicationInput {
    ApplicationInput {
        cover_note: Some(text.into()),
        ..ApplicationInput::default()
    }
}

#[tokio::test]
async fn the_poster_shortlists_then_accepts_and_nobody_else_decides() {
    let app = TestApp::new().await;
    let poster = app.member("paula", Role::Member).await;
    let (_, ines) = app.member("ines", Role::Member).await;
    let (_, operator) = app.member("olga", Role::Operator).await;
    let o = opportunities::create(&app.ctx, &poster, job())
        .await
        .expect("opportunity");
    let applied = opportunities::apply(
        &app.ctx,
        &ines,
        &OpportunityId::from(&o.opportunity.id),
        note("My portfolio"),
    )
    .await
    .expect("application");
    assert_eq!(applied.application.state, ApplicationState::Submitted);
    let id = ApplicationId::from(&applied.application.id);
    // Not even the space's operator selects for the poster.
    match opportunities::decide(&app.ctx, &operator, &id, Decision::Accept, None).await {
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {}
        other => panic!("an operator decided for the poster: {other:?}"),
    }
    let shortlisted =
        opportunities::decide(&app.ctx, &poster.1, &id, Decision::Shortlist, None).await;
    assert_eq!(
        shortlisted.expect("shortlist").application.state,
        ApplicationState::Shortlisted
    );
    match opportunities::decide(&app.ctx, &poster.1, &id, Decision::Shortlist, None).await {
        Err(AppError::Conflict(_)) => {}
        other => panic!("shortlisted twice: {other:?}"),
    }
    let accepted = opportunities::decide(
        &app.ctx,
        &poster.1,
        &id,
        Decision::Accept,
        Some("Welcome aboard".into()),
    )
    .await
    .expect("accept");
    assert_eq!(accepted.application.state, ApplicationState::Accepted);
    assert_eq!(
        accepted.application.message.as_deref(),
        Some("Welcome aboard")
    );
}

#[tokio::test]
async fn one_live_application_per_applicant_and_none_to_oneself() {
    let app = TestApp::new().await;
    let poster = app.member("paula", Role::Member).await;
    let (_, ines) = app.member("ines", Role::Member).await;
    let o = opportunities::create(&app.ctx, &poster, job())
        .await
        .expect("opportunity");
    let id = &OpportunityId::from(&o.opportunity.id);
    match opportunities::apply(&app.ctx, &poster.1, id, note("Me")).await {
        Err(AppError::Forbidden(_)) => {}
        other => panic!("the poster applied to their own post: {other:?}"),
    }
    let first = opportunities::apply(&app.ctx, &ines, id, note("First"))
        .await
        .expect("first");
    match opportunities::apply(&app.ctx, &ines, id, note("Again")).await {
        Err(AppError::Conflict(_)) => {}
        other => panic!("a second live application: {other:?}"),
    }
    let withdrawn =
        opportunities::withdraw(&app.ctx, &ines, &ApplicationId::from(&first.application.id))
            .await
            .expect("withdraw");
    assert_eq!(withdrawn.application.state, ApplicationState::Withdrawn);
    let again = opportunities::apply(&app.ctx, &ines, id, note("Again"))
        .await
        .expect("after withdrawing");
    assert_eq!(again.application.state, ApplicationState::Submitted);
}
