//! The space: its profile, location, hours, prices and visit policy.

use crate::{AppContext, AppError, AppResult};
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

    let mut tx = ctx.db.begin().await?;
    db_accounts::update_account_profile(
        &mut tx,
        &current.account.id,
        &AccountProfileChanges {
            display_name: name,
            note: change.summary.as_deref().map(text_to_html),
            ..Default::default()
        },
    )
    .await?;
    db_spaces::update_space(
        &mut tx,
        &current.space.id,
        &SpaceChanges {
            timezone: timezone.map(|tz| tz.name().to_string()),
            hours: change.hours.map(|h| h.trim().to_string()),
            location: Some(
                serde_json::to_string(&location).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    show(ctx).await
}
