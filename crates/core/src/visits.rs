//! Visits between spaces (API.md "Partnerships" and "Visits"): the vocabularies, a visit's
//! days, and the host's decision, which every request goes through in one transaction.

use crate::ValidationError;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

vocabulary!(
    /// How a host answers requests within the terms: at once, or by hand.
    Approval, "approval", {
        Automatic => "automatic",
        Manual => "manual",
    }
);

vocabulary!(
    /// Where a partnership stands, seen from this side.
    PartnershipState, "state", {
        Proposed => "proposed",
        Received => "received",
        Active => "active",
        Rejected => "rejected",
        Ended => "ended",
    }
);

vocabulary!(
    /// A visit's life: `Requested` waits for the host instance's first answer.
    VisitState, "state", {
        Requested => "requested",
        Pending => "pending",
        Waitlisted => "waitlisted",
        Approved => "approved",
        Rejected => "rejected",
        Cancelled => "cancelled",
        CheckedIn => "checked_in",
        Completed => "completed",
        NoShow => "no_show",
    }
);

vocabulary!(
    /// A space's policy for visitors, also those without a partnership.
    PolicyMode, "visit_policy.mode", {
        Closed => "closed",
        PartnersOnly => "partners_only",
        OnRequest => "on_request",
        Open => "open",
    }
);

impl VisitState {
    /// States whose days count against quotas and daily capacity.
    pub const COUNTED: [VisitState; 4] = [
        VisitState::Approved,
        VisitState::CheckedIn,
        VisitState::Completed,
        VisitState::NoShow,
    ];
}

/// A visit covers at most this many days.
pub const MAX_DAYS: i64 = 31;

/// The days of a visit, from `from` to `to` inclusive (`YYYY-MM-DD`).
pub fn days(from: &str, to: &str) -> Result<Vec<NaiveDate>, ValidationError> {
    let parse = |field: &'static str, raw: &str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| ValidationError::new(field, "must be a date, e.g. 2026-12-01"))
    };
    let (from, to) = (parse("date_from", from)?, parse("date_to", to)?);
    if to < from {
        return Err(ValidationError::new(
            "date_to",
            "must not be before date_from",
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ValidationError::new(
            "date_to",
            format!("a visit covers at most {MAX_DAYS} days"),
        ));
    }
    Ok(from.iter_days().take_while(|d| *d <= to).collect())
}

/// A UTC time as the wall clock of `timezone` shows it (UTC for an unknown zone).
pub fn local(utc: NaiveDateTime, timezone: &str) -> NaiveDateTime {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    utc.and_utc().with_timezone(&tz).naive_local()
}

/// `mon`..`sun` for a date.
pub fn weekday(d: NaiveDate) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d.weekday().num_days_from_monday() as usize]
}

/// The host's rules that apply to one request: its public policy, and the partnership's terms
/// when the visitor's home space has an active one.
#[derive(Debug, Clone)]
pub struct HostRules {
    pub mode: PolicyMode,
    pub days_open: Vec<String>,
    pub advance_notice_hours: u32,
    pub max_visitors_per_day: Option<u32>,
    pub terms: Option<TermsRules>,
}

/// A partnership's terms, as far as deciding goes.
#[derive(Debug, Clone)]
pub struct TermsRules {
    /// `None`: unlimited.
    pub free_days_per_member_per_month: Option<u32>,
    /// Days beyond the quota may be bought.
    pub paid_days_allowed: bool,
    pub approval: Approval,
    pub advance_notice_hours: u32,
    pub max_visitors_per_day: Option<u32>,
    pub days_open: Vec<String>,
}

/// What is already taken: visitors counted per day, and this member's counted days per month.
#[derive(Debug, Clone, Default)]
pub struct Load {
    pub visitors_per_day: BTreeMap<NaiveDate, u32>,
    pub member_days_per_month: BTreeMap<(i32, u32), u32>,
}

/// The host's answer, with the API's `reason_code` for refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitAnswer {
    Approved,
    Pending,
    /// A day is full: the request waits for a place.
    Waitlisted,
    Refused(&'static str, String),
}

/// Decides a request for `days` (host dates), made at `now` (host local time).
pub fn decide(
    rules: &HostRules,
    days: &[NaiveDate],
    now: NaiveDateTime,
    load: &Load,
) -> VisitAnswer {
    let refuse = |code, why: String| VisitAnswer::Refused(code, why);
    let Some(first) = days.first() else {
        return refuse("closed_that_day", "the visit has no days".into());
    };
    match (rules.mode, &rules.terms) {
        (PolicyMode::Closed, None) => {
            return refuse("policy_closed", "this space does not take visitors".into())
        }
        (PolicyMode::PartnersOnly, None) => {
            return refuse(
                "no_partnership",
                "this space takes visitors from partner spaces only".into(),
            )
        }
        _ => {}
    }
    for d in days {
        let open_here = rules.days_open.iter().any(|o| o == weekday(*d));
        let open_in_terms = rules
            .terms
            .as_ref()
            .is_none_or(|t| t.days_open.iter().any(|o| o == weekday(*d)));
        if !open_here || !open_in_terms {
            return refuse(
                "closed_that_day",
                format!("the space is not open to visitors on {d}"),
            );
        }
    }
    let notice = rules
        .terms
        .as_ref()
        .map_or(rules.advance_notice_hours, |t| t.advance_notice_hours);
    // With no notice required, today is fine; otherwise the first day's start must be far
    // enough ahead.
    let starts = first.and_hms_opt(0, 0, 0).unwrap_or(now);
    if *first < now.date() || (notice > 0 && (starts - now).num_hours() < i64::from(notice)) {
        return refuse(
            "notice_too_short",
            format!("this space needs {notice} hours' notice"),
        );
    }
    if let Some(t) = &rules.terms {
        if let Some(free) = t.free_days_per_member_per_month {
            let mut wanted: BTreeMap<(i32, u32), u32> = BTreeMap::new();
            for d in days {
                *wanted.entry((d.year(), d.month())).or_default() += 1;
            }
            for (month, n) in wanted {
                let used = load.member_days_per_month.get(&month).copied().unwrap_or(0);
                if used + n > free && !t.paid_days_allowed {
                    return refuse(
                        "quota_exceeded",
                        format!(
                            "{used} of {free} free days of {}-{:02} are used",
                            month.0, month.1
                        ),
                    );
                }
            }
        }
    }
    let cap = [
        rules.max_visitors_per_day,
        rules.terms.as_ref().and_then(|t| t.max_visitors_per_day),
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(cap) = cap {
        if days
            .iter()
            .any(|d| load.visitors_per_day.get(d).copied().unwrap_or(0) >= cap)
        {
            return VisitAnswer::Waitlisted;
        }
    }
    match (&rules.terms, rules.mode) {
        (Some(t), _) if t.approval == Approval::Manual => VisitAnswer::Pending,
        (Some(_), _) | (None, PolicyMode::Open) => VisitAnswer::Approved,
        (None, _) => VisitAnswer::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn now() -> NaiveDateTime {
        d("2026-12-01").and_hms_opt(9, 0, 0).expect("time")
    }

    fn partner(free: Option<u32>) -> HostRules {
        HostRules {
            mode: PolicyMode::PartnersOnly,
            days_open: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            advance_notice_hours: 24,
            max_visitors_per_day: Some(2),
            terms: Some(TermsRules {
                free_days_per_member_per_month: free,
                paid_days_allowed: false,
                approval: Approval::Automatic,
                advance_notice_hours: 12,
                max_visitors_per_day: None,
                days_open: ["mon", "tue", "wed", "thu", "fri"]
                    .map(String::from)
                    .to_vec(),
            }),
        }
    }

    #[test]
    fn days_are_an_inclusive_checked_range() {
        assert_eq!(days("2026-12-07", "2026-12-09").expect("ok").len(), 3);
        assert_eq!(days("2026-12-07", "2026-12-07").expect("ok").len(), 1);
        assert_eq!(
            days("2026-12-09", "2026-12-07").expect_err("bad").field,
            "date_to"
        );
        assert_eq!(
            days("07/12/2026", "2026-12-07").expect_err("bad").field,
            "date_from"
        );
        assert!(days("2026-12-01", "2027-01-15").is_err());
        assert_eq!(weekday(d("2026-12-07")), "mon");
    }

    #[test]
    fn quotas_count_per_member_and_month() {
        let rules = partner(Some(3));
        let mut load = Load::default();
        let wed = [d("2026-12-09")];
        assert_eq!(decide(&rules, &wed, now(), &load), VisitAnswer::Approved);
        load.member_days_per_month.insert((2026, 12), 3);
        assert!(matches!(
            decide(&rules, &wed, now(), &load),
            VisitAnswer::Refused("quota_exceeded", _)
        ));
        // Another month is another quota.
        assert_eq!(
            decide(&rules, &[d("2027-01-06")], now(), &load),
            VisitAnswer::Approved
        );
        let mut paying = partner(Some(3));
        if let Some(t) = paying.terms.as_mut() {
            t.paid_days_allowed = true;
        }
        assert_eq!(decide(&paying, &wed, now(), &load), VisitAnswer::Approved);
        assert_eq!(
            decide(&partner(None), &wed, now(), &load),
            VisitAnswer::Approved
        );
    }

    #[test]
    fn closed_days_notice_and_capacity() {
        let rules = partner(Some(3));
        let load = Load::default();
        assert!(matches!(
            decide(&rules, &[d("2026-12-12")], now(), &load),
            VisitAnswer::Refused("closed_that_day", _)
        ));
        // The partnership's 12 hours, not the policy's 24.
        assert_eq!(
            decide(&rules, &[d("2026-12-02")], now(), &load),
            VisitAnswer::Approved
        );
        assert!(matches!(
            decide(&rules, &[d("2026-12-01")], now(), &load),
            VisitAnswer::Refused("notice_too_short", _)
        ));
        let mut walk_in = partner(Some(3));
        if let Some(t) = walk_in.terms.as_mut() {
            t.advance_notice_hours = 0;
        }
        assert_eq!(
            decide(&walk_in, &[d("2026-12-01")], now(), &load),
            VisitAnswer::Approved
        );
        assert!(matches!(
            decide(&walk_in, &[d("2026-11-30")], now(), &load),
            VisitAnswer::Refused("notice_too_short", _)
        ));
        let mut full = Load::default();
        full.visitors_per_day.insert(d("2026-12-10"), 2);
        assert_eq!(
            decide(&rules, &[d("2026-12-09"), d("2026-12-10")], now(), &full),
            VisitAnswer::Waitlisted
        );
    }

    #[test]
    fn without_partnership_the_public_policy_answers() {
        let mut rules = partner(None);
        rules.terms = None;
        let wed = [d("2026-12-09")];
        let load = Load::default();
        let code = |r: &HostRules| match decide(r, &wed, now(), &load) {
            VisitAnswer::Refused(code, _) => code,
            other => panic!("refused, not {other:?}"),
        };
        assert_eq!(code(&rules), "no_partnership");
        rules.mode = PolicyMode::Closed;
        assert_eq!(code(&rules), "policy_closed");
        rules.mode = PolicyMode::OnRequest;
        assert_eq!(decide(&rules, &wed, now(), &load), VisitAnswer::Pending);
        rules.mode = PolicyMode::Open;
        assert_eq!(decide(&rules, &wed, now(), &load), VisitAnswer::Approved);
        let mut manual = partner(Some(3));
        if let Some(t) = manual.terms.as_mut() {
            t.approval = Approval::Manual;
        }
        assert_eq!(decide(&manual, &wed, now(), &load), VisitAnswer::Pending);
    }
}
