//! E-mail as the domain sees it: the categories a member chooses from, and a message written
//! once and rendered as both the plain-text and the HTML part (so the two always say the same).

use crate::html::escape;

vocabulary!(
    /// What a mail is about. `Account` (password resets, invitations, confirming a new
    /// address) is always sent and carries no unsubscribe link; members choose the others.
    MailCategory, "category", {
        Account => "account",
        Visits => "visits",
        Events => "events",
        Opportunities => "opportunities",
        Reports => "reports",
        Digest => "digest",
    }
);

impl MailCategory {
    /// The categories a member may turn on and off.
    pub const CHOOSABLE: [MailCategory; 5] = [
        MailCategory::Visits,
        MailCategory::Events,
        MailCategory::Opportunities,
        MailCategory::Reports,
        MailCategory::Digest,
    ];

    /// Whether a member who never chose receives it: all but the weekly digest.
    pub fn on_by_default(self) -> bool {
        self != MailCategory::Digest
    }

    /// What the settings page calls it.
    pub fn label(self) -> &'static str {
        match self {
            MailCategory::Account => "Your account (password resets, invitations, new address)",
            MailCategory::Visits => "Visits: requests to host, and answers to your requests",
            MailCategory::Events => "Events: reminders, waitlist places and answers to your RSVPs",
            MailCategory::Opportunities => "Opportunities: applications received, team invitations",
            MailCategory::Reports => "Reports to moderate (operators)",
            MailCategory::Digest => "A weekly digest of new events and opportunities",
        }
    }

    /// The categories a member receives, from what is stored (space-separated words; unknown
    /// words are ignored) or the defaults when nothing is.
    pub fn chosen(stored: Option<&str>) -> Vec<MailCategory> {
        match stored {
            Some(words) => words
                .split_whitespace()
                .filter_map(|w| MailCategory::parse(w).ok())
                .filter(|c| *c != MailCategory::Account)
                .collect(),
            None => MailCategory::CHOOSABLE
                .into_iter()
                .filter(|c| c.on_by_default())
                .collect(),
        }
    }

    /// How a choice is stored.
    pub fn store(chosen: &[MailCategory]) -> String {
        MailCategory::CHOOSABLE
            .iter()
            .filter(|c| chosen.contains(c))
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A message before rendering: a greeting-free text of paragraphs and labelled facts, and at
/// most one link to act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub blocks: Vec<Block>,
    /// (label, URL) of the one thing to do.
    pub action: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    /// A label and its value ("When", "Tuesday 8 December 2026, 09:00 (Europe/Paris)").
    Fact(String, String),
}

impl Message {
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            ..Self::default()
        }
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn fact(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.blocks.push(Block::Fact(label.into(), value));
        }
        self
    }

    pub fn action(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.action = Some((label.into(), url.into()));
        self
    }

    /// The plain-text part. `footer` says who sends it and, for a chosen category, how to
    /// stop (with the unsubscribe link).
    pub fn text(&self, instance: &str, footer: &[String]) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(p) => {
                    out.push_str(p);
                    out.push_str("\n\n");
                }
                Block::Fact(label, value) => out.push_str(&format!("{label}: {value}\n")),
            }
        }
        if self
            .blocks
            .last()
            .is_some_and(|b| matches!(b, Block::Fact(..)))
        {
            out.push('\n');
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        out.push_str("-- \n");
        out.push_str(instance);
        out.push('\n');
        for line in footer {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The HTML part: the same content, every text escaped.
    pub fn html(&self, instance: &str, footer: &[String]) -> String {
        let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
        out.push_str(&escape(&self.subject));
        out.push_str("</title></head><body style=\"font-family: sans-serif; line-height: 1.5\">\n");
        let mut facts = false;
        for block in &self.blocks {
            match block {
                Block::Paragraph(p) => {
                    if facts {
                        out.push_str("</dl>\n");
                        facts = false;
                    }
                    out.push_str(&format!("<p>{}</p>\n", escape(p)));
                }
                Block::Fact(label, value) => {
                    if !facts {
                        out.push_str("<dl>\n");
                        facts = true;
                    }
                    out.push_str(&format!(
                        "<dt><strong>{}</strong></dt><dd>{}</dd>\n",
                        escape(label),
                        escape(value)
                    ));
                }
            }
        }
        if facts {
            out.push_str("</dl>\n");
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>\n",
                escape(url),
                escape(label)
            ));
        }
        out.push_str(&format!(
            "<hr><p style=\"color: #555; font-size: 0.9em\">{}",
            escape(instance)
        ));
        for line in footer {
            out.push_str("<br>");
            out.push_str(&link_urls(line));
        }
        out.push_str("</p>\n</body></html>\n");
        out
    }
}

/// A UTC time in a zone, labelled with it: "Tuesday 8 December 2026, 09:00 (Europe/Paris)";
/// in UTC when the zone is not known.
pub fn local_time(at: chrono::NaiveDateTime, timezone: &str) -> String {
    const FORMAT: &str = "%A %-d %B %Y, %H:%M";
    match timezone.trim().parse::<chrono_tz::Tz>() {
        Ok(tz) => format!(
            "{} ({})",
            at.and_utc().with_timezone(&tz).format(FORMAT),
            tz.name()
        ),
        Err(_) => format!("{} (UTC)", at.format(FORMAT)),
    }
}

/// Escapes a footer line, turning its URLs into links.
fn link_urls(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            if word.starts_with("https://") || word.starts_with("http://") {
                format!("<a href=\"{0}\">{0}</a>", escape(word))
            } else {
                escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_say_the_same_and_html_is_escaped() {
        let m = Message::new("Visit <approved>")
            .paragraph("Your visit to A & B is approved.")
            .fact("When", "Tuesday")
            .fact("Empty", " ")
            .action("See it", "https://a.example/visits/1?x=1&y=2");
        let footer = vec!["Stop these: https://a.example/mail/unsubscribe/t".to_string()];
        let text = m.text("Space A", &footer);
        assert!(text.contains("Your visit to A & B is approved.\n\nWhen: Tuesday\n"));
        assert!(!text.contains("Empty"));
        assert!(text.contains("See it:\nhttps://a.example/visits/1?x=1&y=2\n"));
        assert!(text.ends_with("-- \nSpace A\nStop these: https://a.example/mail/unsubscribe/t\n"));
        let html = m.html("Space A", &footer);
        assert!(html.contains("<title>Visit &lt;approved&gt;</title>"));
        assert!(html.contains("<p>Your visit to A &amp; B is approved.</p>"));
        assert!(html.contains("<dl>\n<dt><strong>When</strong></dt><dd>Tuesday</dd>\n</dl>"));
        assert!(html.contains("href=\"https://a.example/visits/1?x=1&amp;y=2\""));
        assert!(html.contains(
            "<a href=\"https://a.example/mail/unsubscribe/t\">https://a.example/mail/unsubscribe/t</a>"
        ));
    }

    #[test]
    fn times_are_shown_in_their_zone_and_labelled() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("a time");
        assert_eq!(
            local_time(at, "Europe/Paris"),
            "Tuesday 8 December 2026, 09:00 (Europe/Paris)"
        );
        assert_eq!(
            local_time(at, "Nowhere/Else"),
            "Tuesday 8 December 2026, 08:00 (UTC)"
        );
    }

    #[test]
    fn choices_default_store_and_read_back() {
        let defaults = MailCategory::chosen(None);
        assert!(defaults.contains(&MailCategory::Visits));
        assert!(!defaults.contains(&MailCategory::Digest));
        assert!(!defaults.contains(&MailCategory::Account));
        let stored = MailCategory::store(&[MailCategory::Digest, MailCategory::Events]);
        assert_eq!(stored, "events digest");
        assert_eq!(
            MailCategory::chosen(Some(&stored)),
            vec![MailCategory::Events, MailCategory::Digest]
        );
        // Nothing chosen is a choice too; unknown words and `account` are ignored.
        assert!(MailCategory::chosen(Some("")).is_empty());
        assert_eq!(
            MailCategory::chosen(Some("account bogus visits")),
            vec![MailCategory::Visits]
        );
    }
}
