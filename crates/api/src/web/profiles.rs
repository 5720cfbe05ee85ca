//! Public profile pages of members and of the space.

use super::layout::page;
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::actors::{self, LocalActorView};
use interspace_app::{accounts, spaces, statuses, AppContext};
use interspace_core::html::{escape, sanitize};
use interspace_core::urls::LocalActor;

fn fields_html(fields: &[(String, String)]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let rows: String = fields
        .iter()
        .map(|(n, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(n), sanitize(v)))
        .collect();
    format!("<dl>{rows}</dl>")
}

pub async fn user(
    ctx: web::Data<AppContext>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = actors::get_local(&ctx, &LocalActor::User(path.into_inner())).await?;
    let LocalActorView::Person {
        account,
        home_space,
    } = view
    else {
        return Err(ApiError::NotFound);
    };
    let name = if account.display_name.is_empty() {
        &account.username
    } else {
        &account.display_name
    };
    let handle = format!("@{}@{}", account.username, ctx.urls().domain());
    let main = format!(
        "<article class=\"h-card\"><h1 class=\"p-name\">{}</h1><p>{}</p>\
<div class=\"p-note\">{}</div>{}<p>Member of <a href=\"{}\">{}</a></p></article>",
        escape(name),
        escape(&handle),
        sanitize(&account.note),
        fields_html(&accounts::fields(&account)),
        escape(&home_space.account.uri),
        escape(&home_space.account.display_name),
    );
    Ok(page(&format!("{name} ({handle})"), &main))
}

fn space_page(ctx: &AppContext, space: &spaces::SpaceDetails) -> HttpResponse {
    let account = &space.account;
    let handle = format!("@{}@{}", account.username, ctx.urls().domain());
    let mut facts = Vec::new();
    let address = space.location.one_line();
    if !address.is_empty() {
        facts.push(("Address".to_string(), escape(&address)));
    }
    if !space.space.hours.is_empty() {
        facts.push(("Hours".to_string(), escape(&space.space.hours)));
    }
    if let Some(price) = &space.day_price {
        facts.push((
            "Day price".to_string(),
            escape(&format!("{} {}", price.amount, price.currency)),
        ));
    }
    facts.push((
        "Visit policy".to_string(),
        escape(&space.visit_policy.mode.replace('_', " ")),
    ));
    facts.push(("Members".to_string(), space.members_count.to_string()));
    let main = format!(
        "<h1>{}</h1><p>{}</p><div>{}</div>{}",
        escape(&account.display_name),
        escape(&handle),
        sanitize(&account.note),
        fields_html(&facts),
    );
    page(&account.display_name, &main)
}

pub async fn space(
    ctx: web::Data<AppContext>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = actors::get_local(&ctx, &LocalActor::Space(path.into_inner())).await?;
    let LocalActorView::Group(space) = view else {
        return Err(ApiError::NotFound);
    };
    Ok(space_page(&ctx, &space))
}

/// The instance's home page is its space's page.
pub async fn home(ctx: web::Data<AppContext>) -> Result<HttpResponse, ApiError> {
    let space = spaces::show(&ctx).await?;
    Ok(space_page(&ctx, &space))
}

/// A public post with its author.
pub async fn status(
    ctx: web::Data<AppContext>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, id) = path.into_inner();
    let view = statuses::get(&ctx, &id, None).await?;
    if view.account.username != name || !view.account.is_local() {
        return Err(ApiError::NotFound);
    }
    let a = &view.account;
    let display = if a.display_name.is_empty() {
        &a.username
    } else {
        &a.display_name
    };
    let spoiler = if view.status.spoiler_text.is_empty() {
        String::new()
    } else {
        format!(
            "<p><strong>{}</strong></p>",
            escape(&view.status.spoiler_text)
        )
    };
    let main = format!(
        "<article><header><a href=\"{}\">{}</a> <span>@{}</span></header>{}<div>{}</div><footer><time datetime=\"{}\">{}</time></footer></article>",
        escape(a.url.as_deref().unwrap_or(&a.uri)),
        escape(display),
        escape(&a.username),
        spoiler,
        sanitize(&view.status.content),
        view.status.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
        view.status.created_at.format("%Y-%m-%d %H:%M UTC"),
    );
    Ok(page(&format!("{display}: post"), &main))
}
