//! `/api/v1/markers`.

use super::entities::datetime;
use crate::extract::{Authed, Params};
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::markers::{self, Marker};
use interspace_app::AppContext;
use serde_json::{json, Map, Value};

fn render(list: &[Marker]) -> Value {
    let mut map = Map::new();
    for m in list {
        map.insert(
            m.timeline.clone(),
            json!({ "last_read_id": m.last_read_id, "version": m.version, "updated_at": datetime(m.updated_at) }),
        );
    }
    Value::Object(map)
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:statuses")?;
    let list = markers::get(&ctx, auth.0.account()?, &p.list("timeline")).await?;
    Ok(HttpResponse::Ok().json(render(&list)))
}

pub async fn save(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:statuses")?;
    let mut positions = Vec::new();
    for t in markers::TIMELINES {
        let id = p
            .map
            .get(*t)
            .and_then(|v| v.get("last_read_id"))
            .and_then(|v| {
                v.as_str()
                    .map(String::from)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            });
        if let Some(id) = id {
            positions.push((t.to_string(), id));
        }
    }
    let list = markers::save(&ctx, auth.0.account()?, &positions).await?;
    Ok(HttpResponse::Ok().json(render(&list)))
}
