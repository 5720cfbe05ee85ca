//! The mail sender: drains the queue `app::mail` fills, through one SMTP server (lettre), with
//! retries. A mail is claimed before it is sent and recorded after, so a restart loses none,
//! and a second process never sends one another holds; every attempt of one mail carries the
//! same `Message-ID`, so a mail handed over just before a crash is recognisable if sent again.

use crate::config::MailConfig;
use interspace_app::mail::{self, Mail, Outcome};
use interspace_app::AppContext;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How often the sender looks for mail when idle.
const POLL: Duration = Duration::from_millis(250);

/// The SMTP server and the `From` of every mail.
#[derive(Clone)]
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("from", &self.from).finish()
    }
}

impl Sender {
    /// From `mail.smtp_url`: `smtp://[user:pass@]host[:port]` (port 25; STARTTLS when the
    /// server offers it, required with `?tls=required`) or `smtps://[user:pass@]host[:port]`
    /// (TLS from the start, port 465). `mail.smtp_username` and `mail.smtp_password` (or their
    /// environment overrides) win over credentials in the URL. `None` when no URL is set.
    pub fn from_config(config: &MailConfig, domain: &str) -> Result<Option<Self>, String> {
        let raw = config.smtp_url.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let url = url::Url::parse(raw).map_err(|e| format!("mail.smtp_url: {e}"))?;
        let host = url
            .host_str()
            .ok_or("mail.smtp_url: no host")?
            .trim_matches(['[', ']'])
            .to_string();
        let params =
            TlsParameters::new(host.clone()).map_err(|e| format!("mail.smtp_url: TLS: {e}"))?;
        let required = url
            .query_pairs()
            .any(|(k, v)| k == "tls" && v == "required");
        let (tls, port) = match url.scheme() {
            "smtp" if required => (Tls::Required(params), url.port().unwrap_or(25)),
            "smtp" => (Tls::Opportunistic(params), url.port().unwrap_or(25)),
            "smtps" => (Tls::Wrapper(params), url.port().unwrap_or(465)),
            other => {
                return Err(format!(
                    "mail.smtp_url: the scheme is smtp or smtps, not {other}"
                ))
            }
        };
        let (username, password) = credentials(config, &url);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = username {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let domain = domain.split(':').next().unwrap_or(domain).to_string();
        let from = match config.from.trim() {
            "" => format!("noreply@{domain}"),
            from => from.to_string(),
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("mail.from '{from}': {e}"))?;
        Ok(Some(Self {
            transport: builder.build(),
            from,
            domain,
        }))
    }

    /// The message as it goes out: text and HTML alternatives (and the attachment, if any),
    /// `List-Unsubscribe` with one-click unsubscription (RFC 8058) for a chosen category.
    fn message(&self, m: &Mail) -> Result<lettre::Message, String> {
        let to: Mailbox = m.recipient.parse().map_err(|e| format!("recipient: {e}"))?;
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@{}>", m.id, self.domain)));
        if let Some(url) = &m.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let body = MultiPart::alternative_plain_html(m.text_body.clone(), m.html_body.clone());
        let message = match (&m.attachment_name, &m.attachment_type, &m.attachment_body) {
            (Some(name), Some(kind), Some(content)) => {
                let kind = ContentType::parse(kind).map_err(|e| format!("attachment: {e}"))?;
                let file: SinglePart =
                    Attachment::new(name.clone()).body(content.clone().into_bytes(), kind);
                builder.multipart(MultiPart::mixed().multipart(body).singlepart(file))
            }
            _ => builder.multipart(body),
        };
        message.map_err(|e| e.to_string())
    }

    /// One attempt.
    async fn send(&self, m: &Mail) -> Outcome {
        let message = match self.message(m) {
            Ok(message) => message,
            Err(e) => return Outcome::Refused(e),
        };
        match self.transport.send(message).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Refused(e.to_string()),
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The SMTP user and password: `mail.smtp_username` and `mail.smtp_password` when set, else
/// those of the URL, percent-decoded (a `+` stays a `+`). No user: no authentication.
fn credentials(config: &MailConfig, url: &url::Url) -> (Option<String>, String) {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let username = Some(config.smtp_username.trim().to_string())
        .filter(|u| !u.is_empty())
        .or_else(|| Some(decode(url.username())).filter(|u| !u.is_empty()));
    let password = Some(config.smtp_password.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| url.password().map(decode))
        .unwrap_or_default();
    (username, password)
}

/// The sender's loop, until the instance stops.
pub fn spawn(ctx: AppContext, sender: Sender) -> tokio::task::JoinHandle<()> {
    ctx.spawn_worker(POLL, "mail sender", move |ctx| {
        let sender = sender.clone();
        async move { tick(&ctx, &sender).await }
    })
}

async fn tick(ctx: &AppContext, sender: &Sender) -> interspace_app::AppResult<()> {
    for m in mail::due(ctx, 50).await? {
        if !mail::claim(ctx, &m).await? {
            continue;
        }
        let outcome = sender.send(&m).await;
        if let Outcome::Retry(e) | Outcome::Refused(e) = &outcome {
            tracing::warn!(mail = %m.id, category = %m.category, error = %e, "mail not sent");
        }
        mail::record(ctx, &m, outcome).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_percent_decoded_from_the_url_unless_configured() {
        let url = url::Url::parse("smtps://desk%40space.example:p%2Bss+w%3Ard@mail.example:465")
            .expect("url");
        let mut config = MailConfig::default();
        assert_eq!(
            credentials(&config, &url),
            (Some("desk@space.example".into()), "p+ss+w:rd".into())
        );
        config.smtp_username = "other".into();
        config.smtp_password = "secret".into();
        assert_eq!(
            credentials(&config, &url),
            (Some("other".into()), "secret".into())
        );
        let anonymous = url::Url::parse("smtp://127.0.0.1:25").expect("url");
        assert_eq!(
            credentials(&MailConfig::default(), &anonymous),
            (None, String::new())
        );
    }
}
