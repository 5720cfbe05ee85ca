//! WebFinger (RFC 7033) and host-meta.

use crate::{Data, FederationError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use interspace_app::accounts::acct;
use interspace_app::actors::{self, LocalActorView};
use interspace_core::names::Username;
use interspace_core::urls::{LocalActor, UrlScheme};
use serde_json::json;
use std::collections::HashMap;
use url::Url;

/// What a `resource` names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Local(LocalActor),
    /// Well formed, but not an account of this instance.
    Elsewhere,
}

/// Parses `acct:user@domain`, `user@domain` or an actor URL. Errors are 400s.
pub fn parse_resource(resource: &str, urls: &UrlScheme) -> Result<Target, String> {
    let resource = resource.trim();
    if resource.is_empty() {
        return Err("resource is empty".into());
    }
    if resource.starts_with("http://") || resource.starts_with("https://") {
        let url = Url::parse(resource).map_err(|e| format!("resource is not a valid URL: {e}"))?;
        return Ok(urls
            .local_actor(&url)
            .map(Target::Local)
            .unwrap_or(Target::Elsewhere));
    }
    let handle = resource.strip_prefix("acct:").unwrap_or(resource);
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    let (user, domain) = handle
        .split_once('@')
        .ok_or_else(|| format!("'{resource}' is not acct:user@domain"))?;
    if user.is_empty() || domain.is_empty() || domain.contains('@') {
        return Err(format!("'{resource}' is not acct:user@domain"));
    }
    if !domain
        .trim_end_matches('.')
        .eq_ignore_ascii_case(urls.domain())
    {
        return Ok(Target::Elsewhere);
    }
    // Names are stored lowercase; people type them in any case.
    let user = user.to_lowercase();
    Username::parse_syntax(&user).map_err(|e| e.to_string())?;
    // Members and the space share one namespace: which it is comes from the database.
    Ok(Target::Local(LocalActor::User(user)))
}

pub async fn webfinger(
    data: Data,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, FederationError> {
    let ctx = data.app_data();
    let resource = query
        .get("resource")
        .ok_or_else(|| FederationError::BadRequest("the resource parameter is required".into()))?;
    let target = parse_resource(resource, ctx.urls()).map_err(FederationError::BadRequest)?;
    let Target::Local(which) = target else {
        return Err(FederationError::NotFound);
    };
    // `acct:` names a member or the space; find which by the account's type.
    let which = match which {
        LocalActor::User(name) => {
            let account = interspace_app::accounts::get_local_by_username(ctx, &name).await?;
            match account.actor_type.as_str() {
                "Group" => LocalActor::Space(name),
                "Person" => LocalActor::User(name),
                _ => return Err(FederationError::NotFound),
            }
        }
        other => other,
    };
    let view = actors::get_local(ctx, &which).await?;
    let account = view.account();
    let subject = format!("acct:{}@{}", acct(account), ctx.urls().domain());
    let mut self_link = json!({
        "rel": "self",
        "type": "application/activity+json",
        "href": account.uri,
    });
    if matches!(view, LocalActorView::Group(_)) {
        self_link["properties"] = json!({ "https://www.w3.org/ns/activitystreams#type": "Group" });
    }
    let profile = account.url.clone().unwrap_or_else(|| account.uri.clone());
    let mut aliases = vec![account.uri.clone()];
    if profile != account.uri {
        aliases.push(profile.clone());
    }
    let body = json!({
        "subject": subject,
        "aliases": aliases,
        "links": [
            self_link,
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
            { "rel": crate::resolve::SUBSCRIBE_REL, "template": format!("{}authorize_interaction?uri={{uri}}", ctx.urls().base()) },
        ],
    });
    Ok(HttpResponse::Ok()
        .content_type("application/jrd+json; charset=utf-8")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body.to_string()))
}

pub async fn host_meta(data: Data) -> HttpResponse {
    let template = format!(
        "{}.well-known/webfinger?resource={{uri}}",
        data.app_data().urls().base()
    );
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        interspace_core::html::escape(&template)
    );
    HttpResponse::Ok()
        .content_type("application/xrd+xml; charset=utf-8")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        let urls = UrlScheme::new("localhost:8080", false).expect("urls");
        let alice = Target::Local(LocalActor::User("alice".into()));
        assert_eq!(
            parse_resource("acct:alice@localhost:8080", &urls),
            Ok(alice)
        );
        assert_eq!(
            parse_resource("acct:Alice@LOCALHOST:8080", &urls),
            Ok(Target::Local(LocalActor::User("alice".into())))
        );
        assert_eq!(
            parse_resource("http://localhost:8080/spaces/hub", &urls),
            Ok(Target::Local(LocalActor::Space("hub".into())))
        );
        assert_eq!(
            parse_resource("acct:alice@elsewhere.org", &urls),
            Ok(Target::Elsewhere)
        );
        assert_eq!(
            parse_resource("https://elsewhere.org/users/a", &urls),
            Ok(Target::Elsewhere)
        );
        for bad in [
            "",
            "acct:",
            "acct:alice",
            "acct:@localhost:8080",
            "acct:alice@",
            "acct:a@b@c",
            "http://[::1",
        ] {
            assert!(parse_resource(bad, &urls).is_err(), "{bad}");
        }
        assert!(parse_resource("acct:al ice@localhost:8080", &urls).is_err());
    }
}
