//! `/spaces`: spaces, and the operator's changes to ours (the `Space` entity is rendered in
//! `render`).

use super::input::{self, lenient, Input};
use super::render::Page;
use super::InterspaceError;
use crate::extract::{Authed, MaybeAuthed};
use actix_web::{web, HttpResponse};
use interspace_app::spaces::{self, Money, SpaceUpdate, VisitPolicy};
use interspace_app::{AppContext, AppError};
use serde::Deserialize;
use serde_json::{Map, Value};

/// `GET /spaces?local=`
#[derive(Debug, Deserialize)]
pub struct SpaceQuery {
    #[serde(default, deserialize_with = "lenient::flag")]
    local: Option<bool>,
}

pub async fn list(
    ctx: web::Data<AppContext>,
    Input(q): Input<SpaceQuery>,
) -> Result<HttpResponse, InterspaceError> {
    let list = spaces::list(&ctx, q.local).await?;
    let mut page = Page::new(&ctx);
    page.preload(list.iter().map(|d| &d.account)).await?;
    let mut out = Vec::with_capacity(list.len());
    for d in &list {
        out.push(page.space(d).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let d = spaces::get(&ctx, &id).await?;
    Ok(HttpResponse::Ok().json(Page::new(&ctx).space(&d).await?))
}

/// `GET /spaces/lookup?acct=`
#[derive(Debug, Deserialize)]
pub struct AcctQuery {
    #[serde(default, deserialize_with = "lenient::id")]
    acct: Option<String>,
}

pub async fn lookup(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    Input(q): Input<AcctQuery>,
) -> Result<HttpResponse, InterspaceError> {
    let acct = q.acct.ok_or_else(|| {
        AppError::Validation(interspace_core::ValidationError::new("acct", "is required"))
    })?;
    let signed_in = auth.0.as_ref().is_some_and(|a| a.account().is_ok());
    let d = spaces::lookup(&ctx, &acct, signed_in).await?;
    Ok(HttpResponse::Ok().json(Page::new(&ctx).space(&d).await?))
}

/// `PATCH /spaces/:id`: what the operator changes; absent fields stay as they are.
#[derive(Debug, Deserialize)]
pub struct SpaceForm {
    #[serde(default, deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    summary: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    hours: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    timezone: Option<String>,
    #[serde(default)]
    location: Option<LocationForm>,
    /// `null` removes the price.
    #[serde(default, deserialize_with = "lenient::clearable")]
    day_price: Option<Option<Money>>,
    /// A partial policy changes only what it names.
    #[serde(default)]
    visit_policy: Option<Map<String, Value>>,
    /// `null` or empty removes the hashtag.
    #[serde(default, deserialize_with = "lenient::clearable")]
    opportunity_hashtag: Option<Option<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LocationForm {
    #[serde(default, deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    street: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    postal_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    locality: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    region: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    country: Option<String>,
    /// `null` (either of the two) removes the coordinates.
    #[serde(default, deserialize_with = "lenient::clearable")]
    latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    longitude: Option<Option<f64>>,
}

/// `PATCH /spaces/:id` (operator): profile, location, hours, prices, visit policy.
pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    Input(form): Input<SpaceForm>,
) -> Result<HttpResponse, InterspaceError> {
    if !(auth.0.scopes.allows("write:spaces") || auth.0.scopes.allows("admin:space")) {
        return Err(
            AppError::Forbidden("This action is outside the authorized scopes".into()).into(),
        );
    }
    let (user, _) = auth.0.user()?;
    let location = form.location.unwrap_or_default();
    let coordinates = match (location.latitude, location.longitude) {
        (Some(None), _) | (_, Some(None)) => Some(None),
        (Some(Some(lat)), Some(Some(lon))) => Some(Some((lat, lon))),
        _ => None,
    };
    let visit_policy = match form.visit_policy {
        None => None,
        Some(new) => {
            let mut current =
                serde_json::to_value(spaces::show(&ctx).await?.visit_policy).unwrap_or(Value::Null);
            if let Value::Object(cur) = &mut current {
                cur.extend(new);
            }
            Some(input::parse::<VisitPolicy>(current).map_err(|e| rename(e, "visit_policy"))?)
        }
    };
    let change = SpaceUpdate {
        name: form.name,
        summary: form.summary,
        address: location.street,
        postal_code: location.postal_code,
        locality: location.locality,
        country: location.country,
        location_name: location.name,
        region: location.region,
        coordinates,
        hours: form.hours,
        timezone: form.timezone,
        day_price: form.day_price,
        visit_policy,
        opportunity_hashtag: form
            .opportunity_hashtag
            .map(|t| t.filter(|t| !t.trim().is_empty())),
    };
    let d = spaces::update_by(&ctx, user, &id, change).await?;
    Ok(HttpResponse::Ok().json(Page::new(&ctx).space(&d).await?))
}

/// An error of a structure read on its own, placed under the field that held it.
fn rename(e: InterspaceError, field: &str) -> InterspaceError {
    match e.0 {
        crate::ApiError::App(AppError::Validation(v)) => {
            let path = if v.field == "body" {
                field.to_string()
            } else {
                format!("{field}.{}", v.field)
            };
            AppError::Validation(interspace_core::ValidationError::new(path, v.reason)).into()
        }
        other => InterspaceError(other),
    }
}
