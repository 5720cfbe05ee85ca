//! The space: its profile, location, hours, prices and visit policy.

use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::html::text_to_html;
use interspace_core::names::{parse_timezone, validate_display_name};
use interspace_core::roles::Role;
use interspace_core::ValidationError;
use interspace_db::accounts::{self as db_accounts, Account, AccountProfileChanges};
use interspace_db::spaces::{self as db_spaces, Space, SpaceChanges};
use interspace_db::users as db_users;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Location {
    /// One line for people: "street, postal_code locality, region, country".
    pub fn one_line(&self) -> String {
        let city = [self.postal_code.as_deref(), self.locality.as_deref()]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.street.as_deref(),
            Some(city.as_str()),
            self.region.as_deref(),
            self.country.as_deref(),
        ]
        .iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VisitPolicy {
    pub mode: String,
    pub advance_notice_hours: u32,
    pub max_visitors_per_day: Option<u32>,
    pub days_open: Vec<String>,
    pub day_price: Option<Money>,
}

pub fn default_visit_policy() -> VisitPolicy {
    VisitPolicy {
        mode: "partners_only".into(),
        advance_notice_hours: 24,
        max_visitors_per_day: None,
        days_open: ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec(),
        day_price: None,
    }
}

/// The local space with what its pages and actor show.
#[derive(Debug, Clone)]
pub struct SpaceDetails {
    pub space: Space,
    pub account: Account,
    pub location: Location,
    pub day_price: Option<Money>,
    pub visit_policy: VisitPolicy,
    /// Hosts and operators, shown as the Group's `attributedTo`.
    pub staff: Vec<Account>,
    pub members_count: i64,
}

fn details(
    space: Space,
    account: Account,
    staff: Vec<Account>,
    members_count: i64,
) -> SpaceDetails {
    SpaceDetails {
        location: serde_json::from_str(&space.location).unwrap_or_default(),
        day_price: space
            .day_price
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        visit_policy: serde_json::from_str(&space.visit_policy)
            .unwrap_or_else(|_| default_visit_policy()),
        space,
        account,
        staff,
        members_count,
    }
}

/// The name of the instance's own space (what mails and pages call the instance).
pub async fn name_in(ctx: &AppContext, conn: &mut interspace_db::DbConn) -> AppResult<String> {
    Ok(db_spaces::find_local_space(conn)
        .await?
        .map(|(_, account)| account.display_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| ctx.settings.space_name.clone()))
}

/// The instance's own space.
pub async fn show(ctx: &AppContext) -> AppResult<SpaceDetails> {
    let mut conn = ctx.db.get().await?;
    let (space, account) = db_spaces::find_local_space(&mut conn)
        .await?
        .ok_or(AppError::NotFound("space"))?;
    let staff = db_users::list_accounts_with_roles(
        &mut conn,
        &[Role::Host.as_str(), Role::Operator.as_str()],
    )
    .await?;
    let members_count = db_users::count_active_users(&mut conn).await?;
    Ok(details(space, account, staff, members_count))
}

/// Changes to the space's profile; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct SpaceUpdate {
    pub name: Option<String>,
    /// Plain text; stored as HTML paragraphs.
    pub summary: Option<String>,
    /// Street address, one line.
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub country: Option<String>,
    pub hours: Option<String>,
    pub timezone: Option<String>,
    pub location_name: Option<String>,
    pub region: Option<String>,
    /// Both or neither; `Some(None)` clears them.
    pub coordinates: Option<Option<(f64, f64)>>,
    /// `Some(None)` clears the day price.
    pub day_price: Option<Option<Money>>,
    pub visit_policy: Option<VisitPolicy>,
    /// The hashtag that makes the space relay a post mentioning it as an opportunity;
    /// `Some(None)` turns relaying off.
    pub opportunity_hashtag: Option<Option<String>>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const VISIT_MODES: [&str; 4] = ["closed", "partners_only", "on_request", "open"];

/// `{"amount": "25.00", "currency": "EUR"}`: a decimal string with at most two decimals, and an
/// ISO 4217 code.
pub fn validate_money(field: &'static str, m: &Money) -> Result<Money, ValidationError> {
    let amount = m.amount.trim();
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 9
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(ValidationError::new(
            field,
            format!("'{amount}' is not an amount such as 25.00"),
        ));
    }
    let currency = m.currency.trim().to_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ValidationError::new(
            field,
            format!("'{}' is not a currency code such as EUR", m.currency),
        ));
    }
    let whole: u64 = whole.parse().unwrap_or(0);
    Ok(Money {
        amount: format!("{whole}.{frac:0<2}"),
        currency,
    })
}

pub fn validate_visit_policy(p: &VisitPolicy) -> Result<VisitPolicy, ValidationError> {
    if !VISIT_MODES.contains(&p.mode.as_str()) {
        return Err(ValidationError::new(
            "visit_policy",
            format!("mode '{}' is not one of {}", p.mode, VISIT_MODES.join(", ")),
        ));
    }
    if p.advance_notice_hours > 24 * 365 {
        return Err(ValidationError::new(
            "visit_policy",
            "advance_notice_hours is at most a year",
        ));
    }
    if p.max_visitors_per_day == Some(0) {
        return Err(ValidationError::new(
            "visit_policy",
            "max_visitors_per_day must be at least 1 (or null)",
        ));
    }
    let mut days: Vec<String> = Vec::new();
    for d in &p.days_open {
        let d = d.trim().to_lowercase();
        if !DAYS.contains(&d.as_str()) {
            return Err(ValidationError::new(
                "visit_policy",
                format!("'{d}' is not a day (mon..sun)"),
            ));
        }
        if !days.contains(&d) {
            days.push(d);
        }
    }
    days.sort_by_key(|d| DAYS.iter().position(|x| x == d));
    Ok(VisitPolicy {
        mode: p.mode.clone(),
        advance_notice_hours: p.advance_notice_hours,
        max_visitors_per_day: p.max_visitors_per_day,
        days_open: days,
        day_price: p
            .day_price
            .as_ref()
            .map(|m| validate_money("visit_policy", m))
            .transpose()?,
    })
}

pub async fn update(ctx: &AppContext, change: SpaceUpdate) -> AppResult<SpaceDetails> {
    let name = change
        .name
        .as_deref()
        .map(validate_display_name)
        .transpose()?;
    if name.as_deref() == Some("") {
        return Err(ValidationError::new("name", "must not be empty").into());
    }
    let timezone = change.timezone.as_deref().map(parse_timezone).transpose()?;
    if let Some(hours) = &change.hours {
        if hours.chars().count() > 500 {
            return Err(
                ValidationError::new("hours", "must be at most 500 characters long").into(),
            );
        }
    }
    if let Some(summary) = &change.summary {
        if summary.chars().count() > 5000 {
            return Err(
                ValidationError::new("summary", "must be at most 5000 characters long").into(),
            );
        }
    }
    let current = show(ctx).await?;
    let mut location = current.location.clone();
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if let Some(v) = v {
            let v = v.trim();
            *slot = (!v.is_empty()).then(|| v.to_string());
        }
    };
    set(&mut location.street, &change.address);
    set(&mut location.postal_code, &change.postal_code);
    set(&mut location.locality, &change.locality);
    set(&mut location.country, &change.country);
    set(&mut location.name, &change.location_name);
    set(&mut location.region, &change.region);
    if let Some(coords) = change.coordinates {
        if let Some((lat, lon)) = coords {
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(
                    ValidationError::new("location", "latitude or longitude out of range").into(),
                );
            }
        }
        location.latitude = coords.map(|c| c.0);
        location.longitude = coords.map(|c| c.1);
    }
    let day_price = change
        .day_price
        .map(|p| p.map(|m| validate_money("day_price", &m)).transpose())
        .transpose()?;
    let visit_policy = change
        .visit_policy
        .as_ref()
        .map(validate_visit_policy)
        .transpose()?;
    let opportunity_hashtag = match &change.opportunity_hashtag {
        None => None,
        Some(None) => Some(None),
        Some(Some(tag)) => Some(
            interspace_core::opportunities::skills(std::slice::from_ref(tag))
                .map_err(|e| ValidationError::new("opportunity_hashtag", e.reason))?
                .into_iter()
                .next(),
        ),
    };

    ctx.write(async |tx, _| {
        db_accounts::update_account_profile(
            tx,
            &current.account.id,
            &AccountProfileChanges {
                display_name: name,
                note: change.summary.as_deref().map(text_to_html),
                ..Default::default()
            },
        )
        .await?;
        db_spaces::update_space(
            tx,
            &current.space.id,
            &SpaceChanges {
                timezone: timezone.map(|tz| tz.name().to_string()),
                hours: change.hours.map(|h| h.trim().to_string()),
                location: Some(
                    serde_json::to_string(&location)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                ),
                day_price: day_price.map(|p| p.and_then(|m| serde_json::to_string(&m).ok())),
                visit_policy: visit_policy.and_then(|v| serde_json::to_string(&v).ok()),
                opportunity_hashtag,
                ..Default::default()
            },
        )
        .await?;
        crate::outbox::enqueue(
            tx,
            OutboxKind::ActorUpdate,
            &current.account.id,
            &current.account.id,
            None,
        )
        .await?;
        Ok(())
    })
    .await?;
    show(ctx).await
}

async fn with_details(ctx: &AppContext, space: Space, account: Account) -> AppResult<SpaceDetails> {
    if space.is_local {
        return show(ctx).await;
    }
    Ok(details(space, account, vec![], 0))
}

/// The local space and the remote ones this instance knows.
pub async fn list(ctx: &AppContext, local: Option<bool>) -> AppResult<Vec<SpaceDetails>> {
    let rows = {
        let mut conn = ctx.db.get().await?;
        db_spaces::list_spaces(&mut conn, local).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (space, account) in rows {
        out.push(with_details(ctx, space, account).await?);
    }
    Ok(out)
}

pub async fn get(ctx: &AppContext, id: &str) -> AppResult<SpaceDetails> {
    let (space, account) = {
        let mut conn = ctx.db.get().await?;
        db_spaces::find_space(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("space"))?
    };
    with_details(ctx, space, account).await
}

/// A space by `handle@domain`: the local one, a known one, or, when `resolve` (a signed-in
/// caller: anonymous lookups store nothing), a remote Group found through WebFinger (recorded
/// as a space from then on).
pub async fn lookup(ctx: &AppContext, acct: &str, resolve: bool) -> AppResult<SpaceDetails> {
    let account = crate::accounts::lookup(ctx, acct, resolve)
        .await
        .map_err(|e| match e {
            AppError::Remote(_) | AppError::Validation(_) => AppError::NotFound("space"),
            other => other,
        })?;
    if account.actor_type != "Group" {
        return Err(AppError::NotFound("space"));
    }
    if account.is_local() {
        return show(ctx).await;
    }
    of_remote_group(ctx, account).await
}

/// The space of a remote Group account, recorded as a space the first time.
pub async fn of_remote_group(ctx: &AppContext, account: Account) -> AppResult<SpaceDetails> {
    if account.actor_type != "Group" || account.is_local() {
        return Err(AppError::NotFound("space"));
    }
    let ts = interspace_db::now();
    let space = {
        let mut conn = ctx.db.get().await?;
        db_spaces::ensure_remote_space(
            &mut conn,
            &Space {
                id: interspace_core::ids::new_id(),
                account_id: account.id.clone(),
                is_local: false,
                timezone: "UTC".into(),
                hours: String::new(),
                location: "{}".into(),
                day_price: None,
                visit_policy: serde_json::to_string(&default_visit_policy())
                    .unwrap_or_else(|_| "{}".into()),
                created_at: ts,
                updated_at: ts,
                opportunity_hashtag: None,
            },
        )
        .await?
    };
    Ok(details(space, account, vec![], 0))
}

/// An operator changes the local space.
pub async fn update_by(
    ctx: &AppContext,
    operator: &interspace_db::users::User,
    id: &str,
    change: SpaceUpdate,
) -> AppResult<SpaceDetails> {
    crate::members::require_operator(operator)?;
    let current = show(ctx).await?;
    if current.space.id != id {
        return Err(AppError::Forbidden(
            "Operators change their own space only".into(),
        ));
    }
    update(ctx, change).await
}

/// The space an account belongs to: its own when it is a space's Group, else its home space
/// when that Group is known here.
pub async fn space_id_of(
    conn: &mut interspace_db::DbConn,
    account: &Account,
) -> AppResult<Option<String>> {
    if let Some(s) = db_spaces::find_space_by_account(conn, &account.id).await? {
        return Ok(Some(s.id));
    }
    let Some(home) = &account.home_space_uri else {
        return Ok(None);
    };
    let Some(group) = db_accounts::find_account_by_uri(conn, home).await? else {
        return Ok(None);
    };
    Ok(db_spaces::find_space_by_account(conn, &group.id)
        .await?
        .map(|s| s.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(a: &str, c: &str) -> Money {
        Money {
            amount: a.into(),
            currency: c.into(),
        }
    }

    #[test]
    fn money_is_normalised_or_refused() {
        assert_eq!(
            validate_money("p", &money("25", "eur")),
            Ok(money("25.00", "EUR"))
        );
        assert_eq!(
            validate_money("p", &money("007.5", "CHF")),
            Ok(money("7.50", "CHF"))
        );
        for (a, c) in [
            ("-1", "EUR"),
            ("1.234", "EUR"),
            ("ten", "EUR"),
            ("", "EUR"),
            ("1", "EURO"),
            ("1", "E1R"),
        ] {
            assert!(validate_money("p", &money(a, c)).is_err(), "{a} {c}");
        }
    }

    #[test]
    fn visit_policies() {
        let mut p = default_visit_policy();
        p.days_open = vec!["FRI".into(), "mon".into(), "mon".into()];
        assert_eq!(
            validate_visit_policy(&p).map(|v| v.days_open),
            Ok(vec!["mon".to_string(), "fri".to_string()])
        );
        p.days_open = vec!["someday".into()];
        assert!(validate_visit_policy(&p).is_err());
        let mut p = default_visit_policy();
        p.mode = "sometimes".into();
        assert!(validate_visit_policy(&p).is_err());
        let mut p = default_visit_policy();
        p.max_visitors_per_day = Some(0);
        assert!(validate_visit_policy(&p).is_err());
    }
}
