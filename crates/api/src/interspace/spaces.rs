//! `/spaces`: spaces, and the operator's changes to ours (the `Space` entity is rendered in
//! `render`).

use super::render::Page;
use super::InterspaceError;
use crate::extract::{Authed, MaybeAuthed, Params};
use actix_web::{web, HttpResponse};
use interspace_app::spaces::{self, Money, SpaceUpdate, VisitPolicy};
use interspace_app::{AppContext, AppError};
use serde_json::Value;

pub async fn list(ctx: web::Data<AppContext>, p: Params) -> Result<HttpResponse, InterspaceError> {
    let local = p.bool("local")?;
    let list = spaces::list(&ctx, local).await?;
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

pub async fn lookup(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let acct = p.str("acct").ok_or_else(|| {
        AppError::Validation(interspace_core::ValidationError::new("acct", "is required"))
    })?;
    let signed_in = auth.0.as_ref().is_some_and(|a| a.account().is_ok());
    let d = spaces::lookup(&ctx, &acct, signed_in).await?;
    Ok(HttpResponse::Ok().json(Page::new(&ctx).space(&d).await?))
}

fn parse<T: serde::de::DeserializeOwned>(
    field: &'static str,
    v: &Value,
) -> Result<T, InterspaceError> {
    serde_json::from_value(v.clone()).map_err(|e| {
        AppError::Validation(interspace_core::ValidationError::new(field, e.to_string())).into()
    })
}

/// `PATCH /spaces/:id` (operator): profile, location, hours, prices, visit policy.
pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    if !(auth.0.scopes.allows("write:spaces") || auth.0.scopes.allows("admin:space")) {
        return Err(
            AppError::Forbidden("This action is outside the authorized scopes".into()).into(),
        );
    }
    let (user, _) = auth.0.user()?;
    let location = p.map.get("location").cloned().unwrap_or(Value::Null);
    let loc = |k: &str| location.get(k).and_then(Value::as_str).map(String::from);
    let coordinates = match (location.get("latitude"), location.get("longitude")) {
        (Some(Value::Null), _) | (_, Some(Value::Null)) => Some(None),
        (Some(lat), Some(lon)) => match (lat.as_f64(), lon.as_f64()) {
            (Some(lat), Some(lon)) => Some(Some((lat, lon))),
            _ => {
                return Err(AppError::Validation(interspace_core::ValidationError::new(
                    "location",
                    "latitude and longitude are numbers",
                ))
                .into())
            }
        },
        _ => None,
    };
    let day_price = match p.map.get("day_price") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(Some(parse::<Money>("day_price", v)?)),
    };
    let visit_policy = match p.map.get("visit_policy") {
        None | Some(Value::Null) => None,
        Some(v) => {
            // A partial policy changes only what it names.
            let mut current =
                serde_json::to_value(spaces::show(&ctx).await?.visit_policy).unwrap_or(Value::Null);
            if let (Value::Object(cur), Value::Object(new)) = (&mut current, v) {
                cur.extend(new.clone());
            }
            Some(parse::<VisitPolicy>("visit_policy", &current)?)
        }
    };
    let change = SpaceUpdate {
        name: p.string("name")?,
        summary: p.string("summary")?,
        address: loc("street"),
        postal_code: loc("postal_code"),
        locality: loc("locality"),
        country: loc("country"),
        location_name: loc("name"),
        region: loc("region"),
        coordinates,
        hours: p.string("hours")?,
        timezone: p.string("timezone")?,
        day_price,
        visit_policy,
        opportunity_hashtag: match p.map.get("opportunity_hashtag") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(
                p.string("opportunity_hashtag")?
                    .filter(|t| !t.trim().is_empty()),
            ),
        },
    };
    let d = spaces::update_by(&ctx, user, &id, change).await?;
    Ok(HttpResponse::Ok().json(Page::new(&ctx).space(&d).await?))
}
