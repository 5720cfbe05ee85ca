//! Events' value objects and rules (API.md "Events"): the closed vocabularies, and the
//! schedule and capacity checks every create and update goes through.

use crate::ValidationError;
use chrono::{DateTime, NaiveDateTime, Utc};

vocabulary!(
    /// Who may take a seat: anyone, those the organiser approves, people sent to another site,
    /// or only those invited.
    JoinMode, "join_mode", {
        Free => "free",
        Restricted => "restricted",
        External => "external",
        Invite => "invite",
    }
);

vocabulary!(
    /// Where an event stands; `Postponed` keeps the previous start.
    EventStatus, "status", {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
        Postponed => "postponed",
        MovedOnline => "moved_online",
    }
);

vocabulary!(
    /// Who sees an event: everyone, members of the space, or also partner spaces' members.
    EventVisibility, "visibility", {
        Public => "public",
        Space => "space",
        Partners => "partners",
    }
);

vocabulary!(
    /// Where an event takes place.
    PlaceKind, "place.kind", {
        Space => "space",
        Address => "address",
        Online => "online",
    }
);

vocabulary!(
    /// A participant's state; `Requested` waits for a remote organiser's answer.
    ParticipationState, "state", {
        Requested => "requested",
        Accepted => "accepted",
        Pending => "pending",
        Waitlisted => "waitlisted",
        Rejected => "rejected",
        Left => "left",
    }
);

pub const MAX_CAPACITY: i64 = 100_000;
/// An event lasts at most this long (a festival, not a season).
pub const MAX_DAYS: i64 = 31;

/// A checked schedule: UTC start and end, and the IANA zone people read them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub timezone: String,
}

fn instant(field: &'static str, raw: &str) -> Result<NaiveDateTime, ValidationError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .map_err(|_| {
            ValidationError::new(field, "must be an RFC 3339 time, e.g. 2026-12-01T18:00:00Z")
        })
}

/// Start and end as RFC 3339 times, and an IANA time zone: the end comes after the start, and
/// an event lasts at most [`MAX_DAYS`].
pub fn schedule(
    starts_at: &str,
    ends_at: &str,
    timezone: &str,
) -> Result<Schedule, ValidationError> {
    let starts = instant("starts_at", starts_at)?;
    let ends = instant("ends_at", ends_at)?;
    let tz: chrono_tz::Tz = timezone.trim().parse().map_err(|_| {
        ValidationError::new(
            "timezone",
            format!("'{}' is not an IANA time zone", timezone.trim()),
        )
    })?;
    if ends <= starts {
        return Err(ValidationError::new("ends_at", "must be after starts_at"));
    }
    if ends - starts > chrono::Duration::days(MAX_DAYS) {
        return Err(ValidationError::new(
            "ends_at",
            format!("an event lasts at most {MAX_DAYS} days"),
        ));
    }
    Ok(Schedule {
        starts_at: starts,
        ends_at: ends,
        timezone: tz.name().to_string(),
    })
}

/// A wall-clock time as a form gives it (`2026-12-01T18:00`, no zone) read in `timezone`, as
/// RFC 3339 UTC. A time that does not exist there (skipped by a clock change) is refused; an
/// ambiguous one takes its first occurrence.
pub fn local_time(
    field: &'static str,
    raw: &str,
    timezone: &str,
) -> Result<String, ValidationError> {
    use chrono::TimeZone;
    let tz: chrono_tz::Tz = timezone.trim().parse().map_err(|_| {
        ValidationError::new(
            "timezone",
            format!("'{}' is not an IANA time zone", timezone.trim()),
        )
    })?;
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            ValidationError::new(field, "must be a date and time, e.g. 2026-12-01T18:00")
        })?;
    let at = tz.from_local_datetime(&naive).earliest().ok_or_else(|| {
        ValidationError::new(field, "does not exist in that time zone (clock change)")
    })?;
    Ok(at
        .with_timezone(&Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Whether `name` is an IANA time zone.
pub fn known_timezone(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

/// `None` is unlimited; otherwise at least one seat.
pub fn capacity(raw: Option<i64>) -> Result<Option<i64>, ValidationError> {
    match raw {
        None => Ok(None),
        Some(n) if (1..=MAX_CAPACITY).contains(&n) => Ok(Some(n)),
        Some(_) => Err(ValidationError::new(
            "capacity",
            format!("must be from 1 to {MAX_CAPACITY}, or empty for no limit"),
        )),
    }
}

/// Seats still free (`None`: unlimited).
pub fn seats_left(capacity: Option<i64>, accepted: i64) -> Option<i64> {
    capacity.map(|c| (c - accepted).max(0))
}

/// What a join request gets, decided from the event's state and seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinAnswer {
    Accepted,
    /// The organiser decides (restricted mode).
    Pending,
    Waitlisted,
    /// Refused, with the API's `error_code` (`not_open`, `capacity_reached`) and a reason.
    Refused(&'static str, String),
}

/// The state of the event a join is decided against.
#[derive(Debug, Clone)]
pub struct Seats {
    pub join_mode: JoinMode,
    pub status: EventStatus,
    pub ended: bool,
    pub capacity: Option<i64>,
    pub accepted: i64,
    pub waitlist: bool,
}

/// Decides a join: closed events refuse; restricted ones wait for the organiser; free ones
/// take a seat, else the waitlist, else refuse with `capacity_reached`. `approving` is the
/// organiser's approval of a pending request (it needs a seat like a free join).
pub fn decide_join(s: &Seats, approving: bool) -> JoinAnswer {
    let not_open = |why: String| JoinAnswer::Refused("not_open", why);
    if s.status == EventStatus::Cancelled {
        return not_open("the event is cancelled".into());
    }
    if s.ended {
        return not_open("the event is over".into());
    }
    match s.join_mode {
        JoinMode::External => return not_open("people join this event on another site".into()),
        JoinMode::Invite => return not_open("this event is by invitation only".into()),
        JoinMode::Restricted if !approving => return JoinAnswer::Pending,
        JoinMode::Restricted | JoinMode::Free => {}
    }
    match seats_left(s.capacity, s.accepted) {
        Some(0) if s.waitlist => JoinAnswer::Waitlisted,
        Some(0) => JoinAnswer::Refused("capacity_reached", "the event is full".into()),
        _ => JoinAnswer::Accepted,
    }
}

/// When an event takes place, in its own time zone, for people and for Mastodon:
/// "Tue 1 Dec 2026, 18:00–20:00 (Europe/Paris)".
pub fn when_text(starts_at: NaiveDateTime, ends_at: NaiveDateTime, timezone: &str) -> String {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let (s, e) = (
        starts_at.and_utc().with_timezone(&tz),
        ends_at.and_utc().with_timezone(&tz),
    );
    let end = if s.date_naive() == e.date_naive() {
        e.format("%H:%M").to_string()
    } else {
        e.format("%a %-d %b %Y, %H:%M").to_string()
    };
    format!(
        "{}\u{2013}{end} ({})",
        s.format("%a %-d %b %Y, %H:%M"),
        tz.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_exactly_the_api_words() {
        for m in JoinMode::ALL {
            assert_eq!(JoinMode::parse(m.as_str()), Ok(*m));
        }
        for s in EventStatus::ALL {
            assert_eq!(EventStatus::parse(s.as_str()), Ok(*s));
        }
        for s in ParticipationState::ALL {
            assert_eq!(ParticipationState::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(
            EventVisibility::parse("partners"),
            Ok(EventVisibility::Partners)
        );
        assert_eq!(PlaceKind::parse("online"), Ok(PlaceKind::Online));
        let e = JoinMode::parse("Free").expect_err("case matters");
        assert_eq!(e.field, "join_mode");
        assert!(
            e.reason.contains("free, restricted, external, invite"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn schedules_need_an_end_after_the_start_and_a_real_time_zone() {
        let s = schedule(
            "2026-12-01T18:00:00+01:00",
            "2026-12-01T20:00:00+01:00",
            "Europe/Paris",
        )
        .expect("valid");
        assert_eq!(
            s.starts_at.to_string(),
            "2026-12-01 17:00:00",
            "stored in UTC"
        );
        assert_eq!(s.timezone, "Europe/Paris");
        let at = |a: &str, b: &str, tz: &str| schedule(a, b, tz).expect_err("invalid").field;
        assert_eq!(
            at("2026-12-01T20:00:00Z", "2026-12-01T18:00:00Z", "UTC"),
            "ends_at"
        );
        assert_eq!(
            at("2026-12-01T20:00:00Z", "2026-12-01T20:00:00Z", "UTC"),
            "ends_at"
        );
        assert_eq!(
            at("2026-12-01T18:00:00Z", "2027-02-01T18:00:00Z", "UTC"),
            "ends_at"
        );
        assert_eq!(at("tomorrow", "2026-12-01T18:00:00Z", "UTC"), "starts_at");
        assert_eq!(
            at(
                "2026-12-01T18:00:00Z",
                "2026-12-01T19:00:00Z",
                "Mars/Olympus"
            ),
            "timezone"
        );
    }

    #[test]
    fn capacity_is_positive_or_unlimited() {
        assert_eq!(capacity(None), Ok(None));
        assert_eq!(capacity(Some(12)), Ok(Some(12)));
        assert!(capacity(Some(0)).is_err());
        assert!(capacity(Some(-3)).is_err());
        assert!(capacity(Some(MAX_CAPACITY + 1)).is_err());
        assert_eq!(seats_left(Some(10), 4), Some(6));
        assert_eq!(seats_left(Some(10), 12), Some(0));
        assert_eq!(seats_left(None, 500), None);
    }

    #[test]
    fn joins_are_always_answered() {
        let open = Seats {
            join_mode: JoinMode::Free,
            status: EventStatus::Scheduled,
            ended: false,
            capacity: Some(2),
            accepted: 1,
            waitlist: true,
        };
        assert_eq!(decide_join(&open, false), JoinAnswer::Accepted);
        let full = Seats {
            accepted: 2,
            ..open.clone()
        };
        assert_eq!(decide_join(&full, false), JoinAnswer::Waitlisted);
        let strict = Seats {
            waitlist: false,
            ..full.clone()
        };
        assert!(matches!(
            decide_join(&strict, false),
            JoinAnswer::Refused("capacity_reached", _)
        ));
        let restricted = Seats {
            join_mode: JoinMode::Restricted,
            ..full.clone()
        };
        assert_eq!(decide_join(&restricted, false), JoinAnswer::Pending);
        assert_eq!(decide_join(&restricted, true), JoinAnswer::Waitlisted);
        for closed in [
            Seats {
                status: EventStatus::Cancelled,
                ..open.clone()
            },
            Seats {
                ended: true,
                ..open.clone()
            },
            Seats {
                join_mode: JoinMode::Invite,
                ..open.clone()
            },
        ] {
            assert!(matches!(
                decide_join(&closed, false),
                JoinAnswer::Refused("not_open", _)
            ));
        }
    }

    #[test]
    fn form_times_are_read_in_the_chosen_zone() {
        assert_eq!(
            local_time("starts_at", "2026-07-01T18:00", "Europe/Paris"),
            Ok("2026-07-01T16:00:00Z".into())
        );
        assert_eq!(
            local_time("starts_at", "2026-12-01T18:00", "Europe/Paris"),
            Ok("2026-12-01T17:00:00Z".into())
        );
        let skipped = local_time("starts_at", "2026-03-29T02:30", "Europe/Paris");
        assert_eq!(skipped.expect_err("no such time").field, "starts_at");
        assert_eq!(
            local_time("ends_at", "tomorrow", "UTC")
                .expect_err("bad")
                .field,
            "ends_at"
        );
        assert_eq!(
            local_time("ends_at", "2026-12-01T18:00", "Nowhere/City")
                .expect_err("bad")
                .field,
            "timezone"
        );
    }

    #[test]
    fn times_read_in_the_event_zone() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").naive_utc();
        assert_eq!(
            when_text(
                at("2026-12-01T17:00:00Z"),
                at("2026-12-01T19:00:00Z"),
                "Europe/Paris"
            ),
            "Tue 1 Dec 2026, 18:00\u{2013}20:00 (Europe/Paris)"
        );
        assert_eq!(
            when_text(
                at("2026-12-01T17:00:00Z"),
                at("2026-12-02T19:00:00Z"),
                "UTC"
            ),
            "Tue 1 Dec 2026, 17:00\u{2013}Wed 2 Dec 2026, 19:00 (UTC)"
        );
    }
}
