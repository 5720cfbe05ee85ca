//! Opportunities (API.md "Opportunities"): the vocabularies, and the rules every posting and
//! application goes through. The space relays, it never selects: nothing here decides for a
//! poster, it only keeps the board's data well-formed.

use crate::ValidationError;
use chrono::NaiveDate;

vocabulary!(
    /// What is offered or sought.
    Kind, "kind", {
        Project => "project",
        Job => "job",
        Collaboration => "collaboration",
        Help => "help",
        Offer => "offer",
    }
);

vocabulary!(
    /// Where the work happens.
    WorkMode, "location.mode", {
        Remote => "remote",
        Onsite => "onsite",
        Hybrid => "hybrid",
    }
);

vocabulary!(
    /// What a budget's amount pays for.
    BudgetPeriod, "budget.period", {
        Fixed => "fixed",
        Hour => "hour",
        Day => "day",
        Month => "month",
    }
);

vocabulary!(
    /// Where an opportunity stands; only `open` ones take applications.
    Status, "status", {
        Open => "open",
        InReview => "in_review",
        Filled => "filled",
        Closed => "closed",
        Expired => "expired",
    }
);

vocabulary!(
    /// Who sees an opportunity: everyone, partner spaces' members, or the space's own members.
    Visibility, "visibility", {
        Public => "public",
        Partners => "partners",
        Space => "space",
    }
);

vocabulary!(
    /// An application's life; `AwaitingTeam` waits for every named teammate's consent.
    ApplicationState, "state", {
        AwaitingTeam => "awaiting_team",
        Submitted => "submitted",
        Shortlisted => "shortlisted",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
);

vocabulary!(
    /// A teammate's answer to a team invitation.
    TeamState, "team.state", {
        Invited => "invited",
        Accepted => "accepted",
        Declined => "declined",
    }
);

pub const MAX_SKILLS: usize = 20;
pub const MAX_TEAM: usize = 10;

/// Skill tags as the board stores them: lowercase, without `#`, letters, digits, `-` and `_`,
/// once each, at most [`MAX_SKILLS`].
pub fn skills(raw: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for s in raw {
        let tag = s.trim().trim_start_matches('#').to_lowercase();
        if tag.is_empty() {
            continue;
        }
        let ok = tag.chars().count() <= 40
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(ValidationError::new(
                "skills",
                format!("'{tag}' is not a tag (letters, digits, - and _, at most 40)"),
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_SKILLS {
        return Err(ValidationError::new(
            "skills",
            format!("at most {MAX_SKILLS} skills"),
        ));
    }
    Ok(out)
}

/// A deadline (`YYYY-MM-DD`) that is not already past.
pub fn deadline(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new("deadline", "must be a date, e.g. 2026-12-31"))?;
    if d < today {
        return Err(ValidationError::new("deadline", "must not be in the past"));
    }
    Ok(d)
}

/// How many people the poster wants: 1 to [`MAX_TEAM`].
pub fn team_size(n: i64) -> Result<i64, ValidationError> {
    if (1..=MAX_TEAM as i64).contains(&n) {
        Ok(n)
    } else {
        Err(ValidationError::new(
            "team_size",
            format!("must be from 1 to {MAX_TEAM}"),
        ))
    }
}

/// Whether an opportunity in `status`, with `deadline`, takes applications on `today`.
pub fn takes_applications(status: Status, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == Status::Open && deadline.is_none_or(|d| d >= today)
}

/// Why an opportunity takes no application (`closed`, `filled`, `expired`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOpen(pub &'static str);

/// The state an application starts in on the poster's side, decided once for an applicant
/// here and for one from another instance: none while the opportunity takes no applications
/// (an expired one says `expired`), waiting for the team until every named teammate agreed,
/// then submitted to the poster.
pub fn admission(
    status: Status,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
    teammates: usize,
    agreed: usize,
) -> Result<ApplicationState, NotOpen> {
    if !takes_applications(status, deadline, today) {
        return Err(NotOpen(if status == Status::Open {
            "expired"
        } else {
            status.as_str()
        }));
    }
    Ok(if agreed >= teammates {
        ApplicationState::Submitted
    } else {
        ApplicationState::AwaitingTeam
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn vocabularies_are_the_api_words() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Ok(*k));
        }
        for s in ApplicationState::ALL {
            assert_eq!(ApplicationState::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(Status::parse("in_review"), Ok(Status::InReview));
        assert_eq!(Kind::parse("gig").expect_err("no").field, "kind");
        assert_eq!(
            WorkMode::parse("moon").expect_err("no").field,
            "location.mode"
        );
    }

    #[test]
    fn skills_are_normalised_tags() {
        let raw = ["#Rust", "rust", " Design ", "", "data_viz"].map(String::from);
        assert_eq!(
            skills(&raw).expect("ok"),
            ["rust", "design", "data_viz"].map(String::from)
        );
        assert!(skills(&["two words".into()]).is_err());
        let many: Vec<String> = (0..=MAX_SKILLS).map(|i| format!("s{i}")).collect();
        assert!(skills(&many).is_err());
    }

    #[test]
    fn deadlines_team_sizes_and_openness() {
        let today = d("2026-12-01");
        assert_eq!(deadline("2026-12-24", today), Ok(d("2026-12-24")));
        assert_eq!(
            deadline("2026-11-30", today).expect_err("past").field,
            "deadline"
        );
        assert_eq!(deadline("soon", today).expect_err("bad").field, "deadline");
        assert!(team_size(0).is_err() && team_size(11).is_err());
        assert_eq!(team_size(3), Ok(3));
        assert!(takes_applications(Status::Open, None, today));
        assert!(takes_applications(Status::Open, Some(today), today));
        assert!(!takes_applications(
            Status::Open,
            Some(d("2026-11-30")),
            today
        ));
        assert!(!takes_applications(Status::Filled, None, today));
    }
    #[test]
    fn an_application_starts_submitted_once_its_whole_team_agreed() {
        let today = d("2026-12-07");
        let open = |team, agreed| admission(Status::Open, None, today, team, agreed);
        assert_eq!(open(0, 0), Ok(ApplicationState::Submitted));
        assert_eq!(open(2, 1), Ok(ApplicationState::AwaitingTeam));
        assert_eq!(open(2, 2), Ok(ApplicationState::Submitted));
        let past = Some(d("2026-12-06"));
        assert_eq!(
            admission(Status::Open, past, today, 0, 0),
            Err(NotOpen("expired"))
        );
        assert_eq!(
            admission(Status::InReview, None, today, 0, 0),
            Err(NotOpen("in_review"))
        );
    }
}
