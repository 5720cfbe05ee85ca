//! A scripted ActivityPub peer on loopback: serves WebFinger and an actor document that the
//! test controls, and records every request it receives (method, path, headers).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path_and_query: String,
    /// Lowercase header names.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// The stored "content type" of a path that answers 302 to its body.
const REDIRECT: &str = "redirect";
/// The stored "content type" of a path that answers with a bare status: `status:503`.
const STATUS: &str = "status:";

#[derive(Clone, Default)]
struct State {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// path -> (content type, body)
    documents: Arc<Mutex<BTreeMap<String, (String, String)>>>,
}

pub struct FakePeer {
    pub domain: String,
    pub base: String,
    pub private_key_pem: String,
    pub public_key_pem: String,
    state: State,
    handle: actix_web::dev::ServerHandle,
}

async fn serve(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    if let Ok(mut r) = state.requests.lock() {
        r.push(Recorded {
            method: req.method().to_string(),
            path_and_query: path_and_query.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    // Documents are keyed by path and decoded query: `?resource=acct:a@host:1`.
    let decoded: Vec<String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let key = if decoded.is_empty() {
        req.path().to_string()
    } else {
        format!("{}?{}", req.path(), decoded.join("&"))
    };
    let doc = state
        .documents
        .lock()
        .ok()
        .and_then(|d| d.get(&key).cloned());
    match doc {
        Some((ct, location)) if ct == REDIRECT => HttpResponse::Found()
            .insert_header(("Location", location))
            .finish(),
        Some((ct, _)) if ct.starts_with(STATUS) => {
            let code = ct[STATUS.len()..].parse().unwrap_or(500);
            HttpResponse::build(
                actix_web::http::StatusCode::from_u16(code)
                    .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
            )
            .finish()
        }
        Some((ct, body)) => HttpResponse::Ok().content_type(ct).body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

impl FakePeer {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A peer on a given port (0: any), e.g. one that comes back where it was.
    pub async fn start_on(port: u16) -> Self {
        // SO_REUSEADDR: a peer that comes back binds its port despite connections in TIME_WAIT.
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .expect("bind");
        let listener: TcpListener = socket
            .listen(128)
            .expect("listen")
            .into_std()
            .expect("std listener");
        let port = listener.local_addr().expect("addr").port();
        let state = State::default();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(serve))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        let rsa = Rsa::generate(2048).expect("rsa");
        let key = PKey::from_rsa(rsa).expect("pkey");
        let private_key_pem =
            String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8");
        let public_key_pem =
            String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8");
        let domain = format!("localhost:{port}");
        Self {
            base: format!("http://{domain}"),
            domain,
            private_key_pem,
            public_key_pem,
            state,
            handle,
        }
    }

    /// Serves `body` at `path` with `content_type`.
    pub fn put(&self, path: &str, content_type: &str, body: &Value) {
        if let Ok(mut d) = self.state.documents.lock() {
            d.insert(
                path.to_string(),
                (content_type.to_string(), body.to_string()),
            );
        }
    }

    /// Answers `path` (any method) with a bare `status`, e.g. an inbox that is down (503),
    /// refuses (403) or accepts (202).
    pub fn answer(&self, path: &str, status: u16) {
        if let Ok(mut d) = self.state.documents.lock() {
            d.insert(
                path.to_string(),
                (format!("{STATUS}{status}"), String::new()),
            );
        }
    }

    /// Answers `path` with a 302 to `location`.
    pub fn redirect(&self, path: &str, location: &str) {
        if let Ok(mut d) = self.state.documents.lock() {
            d.insert(path.to_string(), (REDIRECT.into(), location.to_string()));
        }
    }

    /// A Person with this peer's key at `/users/{name}`, discoverable through WebFinger.
    pub fn add_person(&self, name: &str) -> Value {
        let id = format!("{}/users/{name}", self.base);
        let actor = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "type": "Person",
            "id": id,
            "preferredUsername": name,
            "name": format!("{name} <b>of the peer</b>"),
            "summary": "<p>hello <script>alert(1)</script></p>",
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base) },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": self.public_key_pem },
            "attachment": [{ "type": "PropertyValue", "name": "Site", "value": "<a href=\"https://e.org\">e.org</a>" }],
        });
        self.put(
            &format!("/users/{name}"),
            "application/activity+json",
            &actor,
        );
        let jrd = json!({
            "subject": format!("acct:{name}@{}", self.domain),
            "links": [{ "rel": "self", "type": "application/activity+json", "href": id }],
        });
        self.put(
            &format!(
                "/.well-known/webfinger?resource=acct:{name}@{}",
                self.domain
            ),
            "application/jrd+json",
            &jrd,
        );
        actor
    }

    /// POSTs `activity` to `path` on `to`, signed with this peer's key as `actor_id`, the way a
    /// server delivers; returns the answer's status.
    pub async fn deliver(
        &self,
        actor_id: &str,
        to: &crate::TestInstance,
        path: &str,
        activity: &Value,
    ) -> u16 {
        self.deliver_answered(actor_id, to, path, activity)
            .await
            .expect("deliver")
            .status()
            .as_u16()
    }

    /// [`Self::deliver`], with the whole answer (or the connection's error).
    pub async fn deliver_answered(
        &self,
        actor_id: &str,
        to: &crate::TestInstance,
        path: &str,
        activity: &Value,
    ) -> reqwest::Result<reqwest::Response> {
        let body = activity.to_string().into_bytes();
        let mut req = crate::http()
            .post(to.at(path))
            .header("Content-Type", "application/activity+json");
        for (k, v) in crate::signatures::sign(
            &format!("{actor_id}#main-key"),
            &self.private_key_pem,
            &to.domain,
            path,
            &body,
            &crate::signatures::http_date(0),
            "(request-target) host date digest",
        ) {
            req = req.header(k, v);
        }
        req.body(body).send().await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}
