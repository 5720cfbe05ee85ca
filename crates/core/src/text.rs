//! Post text: finds mentions and hashtags, and renders plain text to HTML with links.

use crate::html::escape;
use std::collections::HashMap;

/// Free text a person typed (a note, a reason): trimmed and cut to `max` characters; nothing
/// when it is empty.
pub fn optional_text(raw: Option<String>, max: usize) -> Option<String> {
    raw.map(|t| t.trim().chars().take(max).collect::<String>())
        .filter(|t| !t.is_empty())
}

/// A stable code from the wire (`quota_exceeded`, `rejected`...): kept only when it is at most
/// 40 lowercase ASCII letters and `_`.
pub fn code_word(raw: Option<String>) -> Option<String> {
    raw.filter(|c| c.len() <= 40 && c.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// A mention as written: `@user` (local) or `@user@domain`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MentionRef {
    pub username: String,
    pub domain: Option<String>,
}

impl MentionRef {
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(d) => format!("{}@{d}", self.username),
            None => self.username.clone(),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':'
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

enum Token {
    Text(String),
    Mention(MentionRef, String),
    Tag(String),
    Link(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut i = 0;
    let boundary = |i: usize| {
        i == 0 || !(is_name_char(chars[i - 1]) || chars[i - 1] == '@' || chars[i - 1] == '/')
    };
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        if (rest.starts_with("http://") || rest.starts_with("https://")) && boundary(i) {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '<' | '>' | '"')
            {
                i += 1;
            }
            // Trailing punctuation belongs to the sentence, not the link.
            while i > start
                && matches!(chars[i - 1], '.' | ',' | ')' | '!' | '?' | ';' | ':' | '\'')
            {
                i -= 1;
            }
            if !buf.is_empty() {
                out.push(Token::Text(std::mem::take(&mut buf)));
            }
            out.push(Token::Link(chars[start..i].iter().collect()));
            continue;
        }
        if c == '@' && boundary(i) && i + 1 < chars.len() && is_name_char(chars[i + 1]) {
            let start = i;
            let mut j = i + 1;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            let username: String = chars[i + 1..j].iter().collect();
            let mut domain = None;
            if j + 1 < chars.len() && chars[j] == '@' && chars[j + 1].is_ascii_alphanumeric() {
                let mut k = j + 1;
                while k < chars.len() && is_domain_char(chars[k]) {
                    k += 1;
                }
                while k > j + 1 && matches!(chars[k - 1], '.' | ':' | '-') {
                    k -= 1;
                }
                let d: String = chars[j + 1..k].iter().collect();
                if d.contains('.') || d.contains(':') || d == "localhost" {
                    domain = Some(d.to_lowercase());
                    j = k;
                }
            }
            if !buf.is_empty() {
                out.push(Token::Text(std::mem::take(&mut buf)));
            }
            out.push(Token::Mention(
                MentionRef { username, domain },
                chars[start..j].iter().collect(),
            ));
            i = j;
            continue;
        }
        if c == '#' && boundary(i) && i + 1 < chars.len() && is_tag_char(chars[i + 1]) {
            let mut j = i + 1;
            while j < chars.len() && is_tag_char(chars[j]) {
                j += 1;
            }
            let tag: String = chars[i + 1..j].iter().collect();
            if tag.chars().any(|c| !c.is_ascii_digit()) {
                if !buf.is_empty() {
                    out.push(Token::Text(std::mem::take(&mut buf)));
                }
                out.push(Token::Tag(tag));
                i = j;
                continue;
            }
        }
        buf.push(c);
        i += 1;
    }
    if !buf.is_empty() {
        out.push(Token::Text(buf));
    }
    out
}

/// Mentions in order of appearance, without duplicates.
pub fn mentions(text: &str) -> Vec<MentionRef> {
    let mut out: Vec<MentionRef> = Vec::new();
    for t in tokenize(text) {
        if let Token::Mention(m, _) = t {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// Hashtags, lowercased, without duplicates.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokenize(text) {
        if let Token::Tag(tag) = t {
            let tag = tag.to_lowercase();
            if !out.contains(&tag) {
                out.push(tag);
            }
        }
    }
    out
}

/// Plain text to HTML: paragraphs and line breaks, links, mentions (`resolved` maps a mention
/// to its profile URL; unresolved mentions stay text) and hashtags (`tag_url` gives the URL).
pub fn render(
    text: &str,
    resolved: &HashMap<MentionRef, String>,
    tag_url: &dyn Fn(&str) -> String,
) -> String {
    let text = text.replace("\r\n", "\n");
    let mut html = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        for token in tokenize(para) {
            match token {
                Token::Text(t) => html.push_str(&escape(&t).replace('\n', "<br>")),
                Token::Link(url) => html.push_str(&format!(
                    "<a href=\"{u}\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">{u}</a>",
                    u = escape(&url)
                )),
                Token::Mention(m, raw) => match resolved.get(&m) {
                    Some(url) => html.push_str(&format!(
                        "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                        escape(url),
                        escape(&m.username)
                    )),
                    None => html.push_str(&escape(&raw)),
                },
                Token::Tag(tag) => html.push_str(&format!(
                    "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                    escape(&tag_url(&tag.to_lowercase())),
                    escape(&tag)
                )),
            }
        }
        html.push_str("</p>");
    }
    html
}

/// Markdown to sanitised HTML, with the same mentions, hashtags and links as [`render`].
pub fn render_markdown(
    text: &str,
    resolved: &HashMap<MentionRef, String>,
    tag_url: &dyn Fn(&str) -> String,
) -> String {
    let mut source = String::with_capacity(text.len());
    for token in tokenize(&text.replace("\r\n", "\n")) {
        match token {
            Token::Text(t) => source.push_str(&t),
            Token::Link(url) => source.push_str(&format!("<{url}>")),
            Token::Mention(m, raw) => match resolved.get(&m) {
                Some(url) => source.push_str(&format!(
                    "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                    escape(url),
                    escape(&m.username)
                )),
                None => source.push_str(&raw),
            },
            Token::Tag(tag) => source.push_str(&format!(
                "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape(&tag_url(&tag.to_lowercase())),
                escape(&tag)
            )),
        }
    }
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(&source, options);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    crate::html::sanitize(html.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_and_wire_codes() {
        assert_eq!(optional_text(Some("  hi  ".into()), 10), Some("hi".into()));
        assert_eq!(optional_text(Some("   ".into()), 10), None);
        assert_eq!(optional_text(Some("éééé".into()), 2), Some("éé".into()));
        assert_eq!(optional_text(None, 10), None);
        assert_eq!(
            code_word(Some("quota_exceeded".into())),
            Some("quota_exceeded".into())
        );
        assert_eq!(code_word(Some("Quota".into())), None);
        assert_eq!(code_word(Some("a".repeat(41))), None);
    }

    #[test]
    fn finds_mentions_and_tags() {
        let t = "hi @bob and @carol@example.org: #Rust #rust #123 mail@example.org x#no https://e.org/#frag";
        let m = mentions(t);
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0],
            MentionRef {
                username: "bob".into(),
                domain: None
            }
        );
        assert_eq!(m[1].acct(), "carol@example.org");
        assert_eq!(hashtags(t), vec!["rust"]);
        assert_eq!(
            mentions("@alice@localhost:8080 hi")[0].acct(),
            "alice@localhost:8080"
        );
    }

    #[test]
    fn renders_markdown_safely() {
        let mut r = HashMap::new();
        r.insert(
            MentionRef {
                username: "bob".into(),
                domain: None,
            },
            "https://x.org/@bob".to_string(),
        );
        let html = render_markdown(
            "**bold** and _it_ @bob #Rust https://e.org\n\n<script>alert(1)</script><img src=x onerror=y>",
            &r,
            &|t| format!("https://x.org/tags/{t}"),
        );
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<em>it</em>"));
        assert!(html.contains("class=\"u-url mention\""), "{html}");
        assert!(html.contains("class=\"mention hashtag\""), "{html}");
        assert!(html.contains("href=\"https://e.org\""), "{html}");
        assert!(
            !html.contains("script") && !html.contains("img") && !html.contains("onerror"),
            "{html}"
        );
    }

    #[test]
    fn renders_safely() {
        let mut r = HashMap::new();
        r.insert(
            MentionRef {
                username: "bob".into(),
                domain: None,
            },
            "https://x.org/users/bob".to_string(),
        );
        let html = render(
            "<b>hi</b> @bob @nobody #Tag\nsee https://e.org/a.\n\nbye",
            &r,
            &|t| format!("https://x.org/tags/{t}"),
        );
        assert!(html.starts_with(
            "<p>&lt;b&gt;hi&lt;/b&gt; <span class=\"h-card\"><a href=\"https://x.org/users/bob\""
        ));
        assert!(html.contains("@nobody"));
        assert!(html.contains("href=\"https://x.org/tags/tag\""));
        assert!(html.contains("<br>see <a href=\"https://e.org/a\""));
        assert!(html.contains("</a>.</p><p>bye</p>"));
    }
}
