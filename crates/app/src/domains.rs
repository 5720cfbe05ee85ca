//! Other servers: the operator's domain blocks, and which domains are unavailable (a delivery to
//! them gave up) until they answer again.

use crate::{AppContext, AppResult};
use interspace_core::ValidationError;
pub use interspace_db::domains::Domain;
use interspace_db::{
    accounts as db_accounts, domains as db_domains, follows as db_follows, now, outbox as db_outbox,
};

/// A domain as people type it (`example.org`, `https://Example.org/`, `host:8080`,
/// `bücher.example`, `example.org.`), normalised to lowercase ASCII (IDNA) `host[:port]` without
/// the root's trailing dot.
pub fn normalize(input: &str) -> AppResult<String> {
    let raw = input.trim();
    let candidate = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&candidate)
        .ok()
        .filter(|u| u.username().is_empty() && u.query().is_none())
        .filter(|u| u.path() == "/" || u.path().is_empty())
        .ok_or_else(|| ValidationError::new("domain", format!("'{raw}' is not a domain")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ValidationError::new("domain", format!("'{raw}' is not a domain")))?
        .to_lowercase();
    // `example.org.` is `example.org` (the root's dot): a block cannot be dodged with it.
    let host = host.trim_end_matches('.').to_string();
    if host.is_empty() {
        return Err(ValidationError::new("domain", format!("'{raw}' is not a domain")).into());
    }
    Ok(match url.port() {
        Some(p) if !raw.contains("://") || url.port_or_known_default() != Some(p) => {
            format!("{host}:{p}")
        }
        _ => host,
    })
}

/// Whether `domain` (`host[:port]`) is `rule` or under it. A rule with a port names exactly
/// that server; a rule without covers every port and every subdomain.
pub fn covers(rule: &str, domain: &str) -> bool {
    if rule == domain {
        return true;
    }
    if rule.contains(':') {
        return false;
    }
    let host = domain.rsplit_once(':').map_or(domain, |(h, _)| h);
    host == rule || host.ends_with(&format!(".{rule}"))
}

/// The blocked and unavailable domains, read once for a batch of decisions.
#[derive(Debug, Default, Clone)]
pub struct Restrictions {
    pub blocked: Vec<String>,
    pub unavailable: Vec<String>,
}

impl Restrictions {
    pub fn is_blocked(&self, domain: &str) -> bool {
        self.blocked.iter().any(|r| covers(r, domain))
    }

    /// Whether we should send anything to `domain` now.
    pub fn may_deliver(&self, domain: &str) -> bool {
        !self.is_blocked(domain) && !self.unavailable.iter().any(|r| r == domain)
    }
}

pub async fn restrictions(ctx: &AppContext) -> AppResult<Restrictions> {
    let mut conn = ctx.db.get().await?;
    let mut out = Restrictions::default();
    for d in db_domains::list_restricted(&mut conn).await? {
        if d.blocked_at.is_some() {
            out.blocked.push(d.domain.clone());
        }
        if d.unavailable_at.is_some() {
            out.unavailable.push(d.domain);
        }
    }
    Ok(out)
}

pub async fn is_blocked(ctx: &AppContext, domain: &str) -> AppResult<bool> {
    Ok(restrictions(ctx).await?.is_blocked(domain))
}

/// Blocks a domain and its subdomains: its activities are dropped, nothing is sent to it or
/// fetched from it, and follows with its accounts end. Returns the normalised domain.
pub async fn block(ctx: &AppContext, domain: &str, reason: Option<&str>) -> AppResult<String> {
    let domain = normalize(domain)?;
    if covers(&domain, ctx.urls().domain()) {
        return Err(ValidationError::new("domain", "this is our own domain").into());
    }
    let ts = now();
    let covered = |all: Vec<String>| -> Vec<String> {
        all.into_iter().filter(|d| covers(&domain, d)).collect()
    };
    ctx.write(async |tx, _| {
        db_domains::set_blocked(tx, &domain, Some(ts), reason).await?;
        let queued = covered(db_outbox::list_pending_domains(tx).await?);
        db_outbox::fail_pending_for_domains(tx, &queued, "domain blocked", ts).await?;
        let known = covered(db_accounts::list_remote_domains(tx).await?);
        db_follows::delete_with_domains(tx, &known).await?;
        Ok(domain.clone())
    })
    .await
}

/// Lifts a block; returns whether there was one.
pub async fn unblock(ctx: &AppContext, domain: &str) -> AppResult<bool> {
    let domain = normalize(domain)?;
    let mut conn = ctx.db.get().await?;
    let was = db_domains::find(&mut conn, &domain)
        .await?
        .is_some_and(|d| d.blocked_at.is_some());
    if was {
        db_domains::set_blocked(&mut conn, &domain, None, None).await?;
    }
    Ok(was)
}

pub async fn list_blocked(ctx: &AppContext) -> AppResult<Vec<Domain>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_domains::list_blocked(&mut conn).await?)
}

pub async fn get(ctx: &AppContext, domain: &str) -> AppResult<Option<Domain>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_domains::find(&mut conn, domain).await?)
}

/// A delivery to `domain` failed; `gave_up` when it was its last attempt, which marks the
/// domain unavailable and gives up everything else queued for it.
pub async fn delivery_failed(ctx: &AppContext, domain: &str, gave_up: bool) -> AppResult<()> {
    let ts = now();
    ctx.write(async |tx, _| {
        db_domains::record_failure(tx, domain, ts).await?;
        if gave_up {
            db_domains::mark_unavailable(tx, domain, ts).await?;
            let n = db_outbox::fail_pending_for_domains(
                tx,
                &[domain.to_string()],
                "domain unavailable",
                ts,
            )
            .await?;
            tracing::warn!(domain, given_up = n, "domain marked unavailable");
        }
        Ok(())
    })
    .await
}

/// The domain answered (a delivery went through, or it sent us a signed activity): it is
/// available again.
pub async fn answered(ctx: &AppContext, domain: &str) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if db_domains::record_success(&mut conn, domain, now()).await? {
        tracing::info!(domain, "domain available again");
    }
    Ok(())
}

/// How long what a server's NodeInfo said holds before it is asked again.
const SOFTWARE_TTL_DAYS: i64 = 7;
/// NodeInfo documents asked at once.
const SOFTWARE_FETCHES_AT_ONCE: usize = 8;

/// The software (NodeInfo's `software.name`, lowercase) that each of `domains` runs: what we
/// learned, asking the NodeInfo of those never asked or not for a week. A server that does
/// not answer counts as unknown until it is asked again.
pub async fn software_of(
    ctx: &AppContext,
    domains: &[String],
) -> AppResult<std::collections::HashMap<String, Option<String>>> {
    let ts = now();
    let known = {
        let mut conn = ctx.db.get().await?;
        db_domains::find_many(&mut conn, domains).await?
    };
    let mut out = std::collections::HashMap::new();
    let mut ask = Vec::new();
    for d in domains {
        match known.iter().find(|k| &k.domain == d) {
            Some(k)
                if k.software_checked_at
                    .is_some_and(|at| ts - at < chrono::Duration::days(SOFTWARE_TTL_DAYS)) =>
            {
                out.insert(d.clone(), k.software.clone());
            }
            _ => ask.push(d.clone()),
        }
    }
    if ask.is_empty() {
        return Ok(out);
    }
    let resolver = ctx.resolver()?;
    for chunk in ask.chunks(SOFTWARE_FETCHES_AT_ONCE) {
        let mut asked = tokio::task::JoinSet::new();
        for d in chunk {
            let (resolver, d) = (resolver.clone(), d.clone());
            asked.spawn(async move {
                let answer = resolver.software(&d).await;
                (d, answer)
            });
        }
        while let Some(Ok((domain, answer))) = asked.join_next().await {
            let software = answer.unwrap_or_else(|e| {
                tracing::info!(domain, error = %e, "no readable NodeInfo");
                None
            });
            let software = software.map(|(name, version)| (name.to_ascii_lowercase(), version));
            let mut conn = ctx.db.get().await?;
            db_domains::set_software(
                &mut conn,
                &domain,
                software.as_ref().map(|(n, v)| (n.as_str(), v.as_deref())),
                ts,
            )
            .await?;
            out.insert(domain, software.map(|(name, _)| name));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_operators_type() {
        assert_eq!(normalize("Example.ORG").expect("valid"), "example.org");
        assert_eq!(
            normalize("https://example.org/").expect("valid"),
            "example.org"
        );
        assert_eq!(
            normalize("localhost:8080").expect("valid"),
            "localhost:8080"
        );
        assert_eq!(
            normalize("https://example.org:443").expect("valid"),
            "example.org"
        );
        // Case, the root's trailing dot and IDNA all give one form.
        for same in [
            "bad.example",
            "BAD.Example.",
            "https://bad.example./",
            "bad.example.",
        ] {
            assert_eq!(normalize(same).expect("valid"), "bad.example", "{same}");
        }
        assert_eq!(
            normalize("Bücher.Example").expect("valid"),
            "xn--bcher-kva.example"
        );
        assert!(covers(
            &normalize("bücher.example").expect("valid"),
            &normalize("sub.BÜCHER.example.").expect("valid")
        ));
        assert!(normalize(".").is_err());
        assert!(normalize("").is_err());
        assert!(normalize("https://example.org/path").is_err());
        assert!(normalize("a b").is_err());
    }

    #[test]
    fn rules_cover_subdomains_and_ports() {
        assert!(covers("example.org", "example.org"));
        assert!(covers("example.org", "social.example.org"));
        assert!(covers("example.org", "example.org:8443"));
        assert!(!covers("example.org", "badexample.org"));
        assert!(!covers("example.org", "example.org.evil"));
        assert!(covers("localhost:3000", "localhost:3000"));
        assert!(!covers("localhost:3000", "localhost:3001"));
    }
}

/// One known server, for the operators' federation page.
#[derive(Debug, Clone)]
pub struct DomainOverview {
    pub domain: String,
    pub accounts: i64,
    pub pending_deliveries: i64,
    /// Blocks and delivery health, when anything was recorded.
    pub state: Option<Domain>,
}

/// Every server we know accounts of or have a record for, failing and blocked ones first.
pub async fn overview(ctx: &AppContext) -> AppResult<Vec<DomainOverview>> {
    use std::collections::BTreeMap;
    let mut conn = ctx.db.get().await?;
    let mut map: BTreeMap<String, DomainOverview> = BTreeMap::new();
    fn slot<'a>(map: &'a mut BTreeMap<String, DomainOverview>, d: &str) -> &'a mut DomainOverview {
        map.entry(d.to_string()).or_insert_with(|| DomainOverview {
            domain: d.to_string(),
            accounts: 0,
            pending_deliveries: 0,
            state: None,
        })
    }
    for (d, n) in db_accounts::count_remote_by_domain(&mut conn).await? {
        if let Some(d) = d {
            slot(&mut map, &d).accounts = n;
        }
    }
    for (d, n) in db_outbox::count_pending_by_domain(&mut conn).await? {
        slot(&mut map, &d).pending_deliveries = n;
    }
    for row in db_domains::list_all(&mut conn).await? {
        let d = row.domain.clone();
        slot(&mut map, &d).state = Some(row);
    }
    let mut list: Vec<DomainOverview> = map.into_values().collect();
    let trouble = |o: &DomainOverview| {
        o.state
            .as_ref()
            .is_some_and(|s| s.blocked_at.is_some() || s.unavailable_at.is_some() || s.failures > 0)
    };
    list.sort_by_key(|o| !trouble(o));
    Ok(list)
}
