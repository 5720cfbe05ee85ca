//! Property tests over hostile input: the HTML sanitiser, OAuth scopes, peers' links and the
//! outbound guard's URL check. `PROPTEST_CASES` sets how many cases each runs (256 by
//! default, as in CI; `PROPTEST_CASES=100000 cargo test -p interspace-core proptests` for a
//! long run).

use crate::html::sanitize;
use crate::net::{check_destination, is_special};
use crate::scopes::Scopes;
use crate::urls::http_url;
use proptest::prelude::*;

/// Pieces of hostile and ordinary HTML, glued in any order and number.
fn html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("<a href=\"https://ok.example/\">ok</a>".to_string()),
        Just("<a href='//evil.example'>".to_string()),
        Just("<a href=\"jav&#x09;ascript:alert(1)\">".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<svg onload=alert(1)><math>".to_string()),
        Just("<style>*{}</style><iframe src=https://x>".to_string()),
        Just("<p class=\"mention\" onclick=\"x()\">".to_string()),
        Just("</p></a><br/>".to_string()),
        Just("<!-- <script> -->".to_string()),
        Just("<<a>>\"'&".to_string()),
        "[a-z <>\"'=/:&;#]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// The tags of an HTML string, lowercased, without their text.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|t| t.split('>').next())
        .map(str::to_ascii_lowercase)
        .collect()
}

proptest! {
    #[test]
    fn sanitized_html_has_only_allowed_tags_and_safe_links(input in html()) {
        let out = sanitize(&input);
        for tag in tags(&out) {
            let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default().to_string();
            prop_assert!(
                ["p", "br", "a", "span", "b", "strong", "i", "em", "u", "s", "del", "code",
                 "pre", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"]
                    .contains(&name.as_str()),
                "tag {tag:?} in {out:?}"
            );
            prop_assert!(!tag.contains(" on") && !tag.contains("style="), "{tag:?}");
            if let Some(href) = tag.split("href=\"").nth(1) {
                prop_assert!(
                    href.starts_with("http://") || href.starts_with("https://"),
                    "href {href:?} in {out:?}"
                );
            }
        }
        // What is left sanitises to itself: nothing more to take out.
        prop_assert_eq!(sanitize(&out), out);
    }

    #[test]
    fn scopes_parse_or_refuse_and_round_trip(raw in "[a-z:+, \\t]{0,60}") {
        if let Ok(scopes) = Scopes::parse(&raw) {
            prop_assert_eq!(Scopes::parse(&scopes.as_string()), Ok(scopes));
        }
    }

    #[test]
    fn links_that_pass_are_http(raw in any::<String>(), scheme in "[a-zA-Z]{1,10}", rest in "[^ ]{0,40}") {
        for candidate in [raw, format!("{scheme}:{rest}"), format!("{scheme}://{rest}")] {
            if let Some(link) = http_url(&candidate) {
                let url = url::Url::parse(&link).expect("a link that passed parses");
                prop_assert!(matches!(url.scheme(), "http" | "https"), "{link}");
                prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()));
            }
        }
    }

    #[test]
    fn no_textual_host_reaches_a_special_address(host in prop_oneof![
        "[0-9]{1,12}",
        "0x[0-9a-fA-F]{1,8}",
        "0[0-7]{1,11}",
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        "(0x[0-9a-f]{1,2}|0[0-7]{1,3}|[0-9]{1,3})(\\.(0x[0-9a-f]{1,2}|0[0-7]{1,3}|[0-9]{1,3})){1,3}",
        "\\[[0-9a-fA-F:.]{2,39}\\]",
    ]) {
        if let Ok(url) = url::Url::parse(&format!("http://{host}/")) {
            let ip = match url.host() {
                Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
                Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
                _ => None,
            };
            if let Some(ip) = ip {
                prop_assert_eq!(check_destination(&url, &[], true).is_ok(), !is_special(ip), "{}", url);
            }
        }
    }
}
