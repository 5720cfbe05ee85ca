//! NodeInfo 2.0 and 2.1 and their discovery document.

use crate::{Data, FederationError};
use actix_web::{web, HttpResponse};
use interspace_app::{instance, SOFTWARE_NAME, SOFTWARE_VERSION};
use serde_json::json;

pub async fn discovery(data: Data) -> HttpResponse {
    let urls = data.app_data().urls();
    let link = |v: &str| {
        json!({
            "rel": format!("http://nodeinfo.diaspora.software/ns/schema/{v}"),
            "href": urls.path(&format!("/nodeinfo/{v}")),
        })
    };
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json!({ "links": [link("2.0"), link("2.1")] }).to_string())
}

pub async fn nodeinfo(
    data: Data,
    version: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    let version = version.into_inner();
    let version = version.trim_end_matches(".json");
    if version != "2.0" && version != "2.1" {
        return Err(FederationError::NotFound);
    }
    let stats = instance::stats(data.app_data()).await?;
    let software = json!({ "name": SOFTWARE_NAME, "version": SOFTWARE_VERSION });
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": stats.open_registrations,
        "usage": {
            "users": {
                "total": stats.users_total,
                "activeMonth": stats.active_month,
                "activeHalfyear": stats.active_halfyear,
            },
            "localPosts": stats.local_posts,
        },
        "metadata": {
            "nodeName": stats.space_name,
            "space": { "name": stats.space_name, "handle": stats.space_handle },
        },
    });
    Ok(HttpResponse::Ok()
        .content_type(format!(
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
        ))
        .body(body.to_string()))
}
