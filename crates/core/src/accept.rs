//! Content negotiation between ActivityStreams JSON and HTML.

/// True when an `Accept` header prefers ActivityStreams (or plain JSON) over HTML.
/// Wildcards alone mean HTML: browsers and people get pages, servers ask for JSON explicitly.
pub fn wants_activity_json(accept: &str) -> bool {
    let mut json_q: f32 = 0.0;
    let mut html_q: f32 = 0.0;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0;
        for param in parts {
            if let Some(v) = param.strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        match media.as_str() {
            "application/activity+json" | "application/ld+json" | "application/json" => {
                json_q = json_q.max(q)
            }
            "text/html" | "application/xhtml+xml" => html_q = html_q.max(q),
            _ => {}
        }
    }
    json_q > 0.0 && json_q >= html_q
}

#[cfg(test)]
mod tests {
    use super::wants_activity_json;

    #[test]
    fn negotiates() {
        assert!(wants_activity_json("application/activity+json"));
        assert!(wants_activity_json(
            r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#
        ));
        assert!(wants_activity_json("application/json"));
        assert!(!wants_activity_json(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!wants_activity_json("*/*"));
        assert!(!wants_activity_json(""));
        assert!(!wants_activity_json(
            "text/html, application/activity+json;q=0.5"
        ));
        assert!(!wants_activity_json("application/activity+json;q=0"));
    }
}
