//! `POST /api/v1/reports`: members report accounts and posts from their apps.

use super::entities::{datetime, Renderer};
use crate::extract::{Authed, Params};
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::reports::{self, NewReport};
use interspace_app::AppContext;
use serde_json::json;

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:reports")?;
    let me = auth.0.account()?;
    let report = reports::file(
        &ctx,
        me,
        NewReport {
            target_account_id: p
                .string("account_id")?
                .ok_or_else(|| ApiError::BadRequest("account_id is required".into()))?,
            status_ids: p.list("status_ids"),
            comment: p.string("comment")?.unwrap_or_default(),
            category: p.string("category")?,
            forward: p.bool("forward")?.unwrap_or(false),
        },
    )
    .await?;
    let target = interspace_app::accounts::get(&ctx, &report.target_account_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "id": report.id,
        "action_taken": false,
        "action_taken_at": null,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": datetime(report.created_at),
        "status_ids": report.status_ids.split_whitespace().collect::<Vec<_>>(),
        "rule_ids": [],
        "target_account": Renderer::new(&ctx).account(&target).await?,
    })))
}
