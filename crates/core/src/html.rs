//! Escaping and plain-text-to-HTML for content that we generate ourselves.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text of stored HTML (the `source.note` of a profile, a Flag's comment).
pub fn to_text(html: &str) -> String {
    let with_breaks = html.replace("<br>", "\n").replace("</p><p>", "\n\n");
    let mut out = String::new();
    let mut in_tag = false;
    for c in with_breaks.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Plain text to HTML: blank lines separate paragraphs, single newlines become `<br>`.
pub fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(escape).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_formats() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            text_to_html("one\ntwo\n\n<three>"),
            "<p>one<br>two</p><p>&lt;three&gt;</p>"
        );
        assert_eq!(text_to_html("  \n\n "), "");
    }
}

/// Sanitises HTML from anywhere (remote content on the way in, local on the way out): a small
/// allow-list of formatting tags, http(s) links only, with `rel="nofollow noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    use std::collections::HashSet;
    let tags: HashSet<&str> = [
        "p",
        "br",
        "a",
        "span",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    ]
    .into_iter()
    .collect();
    let schemes: HashSet<&str> = ["http", "https"].into_iter().collect();
    let mut tag_attributes = std::collections::HashMap::new();
    tag_attributes.insert("a", ["href"].into_iter().collect::<HashSet<&str>>());
    // The classes Mastodon-style clients style mentions and hashtags with; no others.
    let mut classes = std::collections::HashMap::new();
    classes.insert(
        "a",
        ["mention", "hashtag", "u-url"]
            .into_iter()
            .collect::<HashSet<&str>>(),
    );
    classes.insert(
        "span",
        ["h-card", "invisible", "ellipsis"]
            .into_iter()
            .collect::<HashSet<&str>>(),
    );
    ammonia::Builder::new()
        .tags(tags)
        .tag_attributes(tag_attributes)
        .allowed_classes(classes)
        .generic_attributes(HashSet::new())
        .url_schemes(schemes)
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod sanitize_tests {
    use super::sanitize;

    #[test]
    fn strips_what_is_not_allowed() {
        let dirty = r#"<p onclick="x()">hi <script>alert(1)</script><a href="javascript:alert(1)">x</a> <a href="https://e.org/">ok</a><svg><circle/></svg><iframe src="https://e.org"></iframe><style>p{}</style></p>"#;
        let clean = sanitize(dirty);
        assert!(!clean.contains("script") && !clean.contains("onclick"));
        assert!(!clean.contains("javascript") && !clean.contains("svg"));
        assert!(!clean.contains("iframe") && !clean.contains("style"));
        assert!(
            clean.contains(r#"<a href="https://e.org/" rel="nofollow noopener noreferrer">ok</a>"#)
        );
    }
}
