//! iCalendar (RFC 5545, `text/calendar`) export of events, for calendar subscriptions.
//!
//! Strict clients (Thunderbird, Google, Python `icalendar`) want folded CRLF lines, escaped
//! TEXT and a VTIMEZONE for every TZID they meet, so each of those is handled here.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{OffsetName, Tz, TzOffset};
use std::collections::BTreeMap;

/// One event as the calendar shows it. Times are UTC (`NaiveDateTime` in UTC).
pub struct IcsEvent<'a> {
    /// Stable unique id (the ActivityPub URI).
    pub uid: &'a str,
    pub url: Option<&'a str>,
    pub title: &'a str,
    /// Plain text: the caller strips HTML.
    pub description: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// IANA name, e.g. "Europe/Paris"; an unknown name falls back to UTC times.
    pub timezone: &'a str,
    pub location: Option<&'a str>,
    /// STATUS:CANCELLED, else STATUS:CONFIRMED.
    pub cancelled: bool,
    /// (display name, URI), written as `ORGANIZER;CN=name:uri`.
    pub organizer: Option<(&'a str, &'a str)>,
    pub created_at: NaiveDateTime,
    /// Written as DTSTAMP and LAST-MODIFIED.
    pub updated_at: NaiveDateTime,
    pub sequence: i64,
    /// A whole day (or days): `starts_at`'s date to `ends_at`'s date, exclusive, as DATE values
    /// without a time zone (a visit day).
    pub all_day: bool,
}

/// RFC 5545 3.1: content lines are at most 75 octets, CRLF excluded.
const LINE_OCTETS: usize = 75;
const STAMP: &str = "%Y%m%dT%H%M%S";

/// A whole VCALENDAR: one VTIMEZONE per distinct valid time zone, then the events in order.
pub fn calendar(name: &str, prodid_version: &str, events: &[IcsEvent<'_>]) -> String {
    let mut out = String::new();
    let prodid = text(&format!("-//Interspace//Interspace {prodid_version}//EN"));
    for (prop, value) in [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", &prodid),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("X-WR-CALNAME", &text(name)),
    ] {
        put(&mut out, prop, value);
    }
    // Sorted by name so the output does not depend on a hash order.
    let mut zones: BTreeMap<&str, (Tz, NaiveDateTime, NaiveDateTime)> = BTreeMap::new();
    for (tz, e) in events
        .iter()
        .filter(|e| !e.all_day)
        .filter_map(|e| Some((zone(e.timezone)?, e)))
    {
        let span = zones
            .entry(tz.name())
            .or_insert((tz, e.starts_at, e.starts_at));
        (span.1, span.2) = (span.1.min(e.starts_at), span.2.max(e.ends_at));
    }
    for (tz, first, last) in zones.into_values() {
        vtimezone(&mut out, tz, first, last);
    }
    for e in events {
        vevent(&mut out, e);
    }
    put(&mut out, "END", "VCALENDAR");
    out
}

fn zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

fn vevent(out: &mut String, e: &IcsEvent<'_>) {
    put(out, "BEGIN", "VEVENT");
    put(out, "UID", &text(e.uid));
    put(out, "DTSTAMP", &utc(e.updated_at));
    put(out, "CREATED", &utc(e.created_at));
    put(out, "LAST-MODIFIED", &utc(e.updated_at));
    put(out, "SEQUENCE", &e.sequence.max(0).to_string());
    let tz = zone(e.timezone);
    let mut when = |prop: &str, at: NaiveDateTime| {
        let local = tz.map(|tz| (tz, tz.from_utc_datetime(&at).naive_local()));
        // A wall-clock time repeated when clocks go back is read as its first occurrence
        // (RFC 5545 3.3.5), so the second one is only exact in UTC.
        match local.filter(|(tz, l)| tz.from_local_datetime(l).single().is_some()) {
            Some((tz, l)) => put(
                out,
                &format!("{prop};TZID={}", tz.name()),
                &l.format(STAMP).to_string(),
            ),
            None => put(out, prop, &utc(at)),
        }
    };
    if e.all_day {
        let day = |at: NaiveDateTime| at.date().format("%Y%m%d").to_string();
        put(out, "DTSTART;VALUE=DATE", &day(e.starts_at));
        if e.ends_at.date() > e.starts_at.date() {
            put(out, "DTEND;VALUE=DATE", &day(e.ends_at));
        }
    } else {
        when("DTSTART", e.starts_at);
        // Strict parsers reject a DTEND that is not after DTSTART; without one it is an instant.
        if e.ends_at > e.starts_at {
            when("DTEND", e.ends_at);
        }
    }
    put(out, "SUMMARY", &text(e.title));
    if !e.description.trim().is_empty() {
        put(out, "DESCRIPTION", &text(e.description));
    }
    if let Some(location) = e.location.filter(|l| !l.trim().is_empty()) {
        put(out, "LOCATION", &text(location));
    }
    // An empty URI is not a URI: such properties are left out rather than left blank.
    if let Some(url) = Some(uri(e.url.unwrap_or_default())).filter(|u| !u.is_empty()) {
        put(out, "URL", &url);
    }
    if let Some((name, address)) = e.organizer {
        let address = uri(address);
        if !address.is_empty() {
            put(out, &format!("ORGANIZER{}", cn(name)), &address);
        }
    }
    let status = if e.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    put(out, "STATUS", status);
    put(out, "END", "VEVENT");
}

fn vtimezone(out: &mut String, tz: Tz, first: NaiveDateTime, last: NaiveDateTime) {
    let year_start = |y| NaiveDate::from_ymd_opt(y, 1, 1).map(|d| d.and_time(Default::default()));
    let span_start = year_start(first.year() - 1).unwrap_or(first);
    let found = transitions(tz, span_start, year_start(last.year() + 1).unwrap_or(last));
    put(out, "BEGIN", "VTIMEZONE");
    put(out, "TZID", tz.name());
    // The observances must cover every event: when no transition precedes the first one (or
    // there is none at all), the offset in force at the span's start is declared from 1970.
    if found.first().is_none_or(|(at, ..)| *at > first) {
        let base = tz.offset_from_utc_datetime(&span_start);
        let secs = base.fix().local_minus_utc();
        observance(out, "19700101T000000".into(), secs, &base);
    }
    for (at, from, new) in &found {
        // DTSTART is the wall-clock time just before the change, i.e. in the old offset.
        let local = *at + TimeDelta::seconds((*from).into());
        observance(out, local.format(STAMP).to_string(), *from, new);
    }
    put(out, "END", "VTIMEZONE");
}

/// DAYLIGHT when the offset grows, STANDARD otherwise.
fn observance(out: &mut String, start: String, from: i32, new: &TzOffset) {
    let to = new.fix().local_minus_utc();
    let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
    put(out, "BEGIN", kind);
    put(out, "DTSTART", &start);
    put(out, "TZOFFSETFROM", &offset(from));
    put(out, "TZOFFSETTO", &offset(to));
    // The tz database writes "+09" where a zone has no abbreviation; only real ones are kept.
    if let Some(name) = new
        .abbreviation()
        .filter(|n| n.len() >= 2 && n.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        put(out, "TZNAME", name);
    }
    put(out, "END", kind);
}

/// Offset changes as (UTC instant, previous offset, new offset). chrono-tz does not expose its
/// transitions, so the offset is probed once a day and bisected to the second where it changed.
fn transitions(
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Vec<(NaiveDateTime, i32, TzOffset)> {
    let secs = |t: NaiveDateTime| tz.offset_from_utc_datetime(&t).fix().local_minus_utc();
    let mut found = Vec::new();
    let (mut cur, mut off) = (from, secs(from));
    while cur < to {
        let next = (cur + TimeDelta::days(1)).min(to);
        if secs(next) == off {
            cur = next;
            continue;
        }
        let (mut lo, mut hi) = (cur, next);
        while hi - lo > TimeDelta::seconds(1) {
            let mid = lo + (hi - lo) / 2;
            if secs(mid) == off {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        found.push((hi, off, tz.offset_from_utc_datetime(&hi)));
        // Resume from the change itself, so two changes within one day are both found.
        (cur, off) = (hi, secs(hi));
    }
    found
}

/// UTC offset as `+hhmm`, with seconds only when there are some (RFC 5545 3.3.14).
fn offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn utc(at: NaiveDateTime) -> String {
    format!("{}Z", at.format(STAMP))
}

/// TEXT value (RFC 5545 3.3.11): escapes `\ ; ,` and newlines, drops other control characters.
fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// URI values have no escaping, so anything that could break the line is dropped.
fn uri(raw: &str) -> String {
    raw.trim().chars().filter(|c| !c.is_control()).collect()
}

/// The `;CN=` parameter, if any: DQUOTE cannot appear at all, and `: ; ,` need quoting.
fn cn(raw: &str) -> String {
    let clean: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    match clean.as_str() {
        "" => clean,
        c if c.contains([':', ';', ',']) => format!(";CN=\"{c}\""),
        c => format!(";CN={c}"),
    }
}

/// Appends `name:value` folded at 75 octets on character boundaries; continuation lines
/// start with one space, which counts towards their 75 octets.
fn put(out: &mut String, name: &str, value: &str) {
    let mut width = 0;
    for c in name.chars().chain([':']).chain(value.chars()) {
        if width + c.len_utf8() > LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(timezone: &'static str, starts: &str) -> IcsEvent<'static> {
        let at = |raw| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M").expect("test time");
        IcsEvent {
            uid: "https://example.org/events/1",
            url: Some("https://example.org/@space/events/1"),
            title: "Soirée, jeux; et \\ café",
            description: "Line one\nLine two",
            starts_at: at(starts),
            ends_at: at(starts) + TimeDelta::hours(2),
            timezone,
            location: Some("12 rue de la Paix, Paris"),
            cancelled: false,
            organizer: Some(("Café: Les Amis", "https://example.org/users/amis")),
            created_at: at("2026-01-02 03:04"),
            updated_at: at("2026-01-05 06:07"),
            sequence: 2,
            all_day: false,
        }
    }

    /// Checks the line shape, and returns the bodies of the `kind` blocks.
    fn blocks<'a>(ics: &'a str, kind: &str) -> Vec<&'a str> {
        assert!(ics.ends_with("\r\n"));
        for line in ics.split_terminator("\r\n") {
            let ok = !line.contains(['\r', '\n']) && line.len() <= LINE_OCTETS;
            assert!(ok, "{line:?}");
        }
        let (begin, end) = (format!("BEGIN:{kind}\r\n"), format!("END:{kind}\r\n"));
        let bodies = ics.split(begin.as_str()).skip(1);
        bodies.filter_map(|b| b.split(&end).next()).collect()
    }

    #[test]
    fn a_whole_day_is_written_as_dates_without_a_time_zone() {
        let mut e = event("Europe/Paris", "2026-12-08 00:00");
        e.all_day = true;
        e.ends_at = e.starts_at + TimeDelta::days(1);
        let ics = calendar("Visit", "0", &[e]);
        let vevent = blocks(&ics, "VEVENT")[0];
        assert!(vevent.contains("DTSTART;VALUE=DATE:20261208\r\n"));
        assert!(vevent.contains("DTEND;VALUE=DATE:20261209\r\n"));
        assert!(blocks(&ics, "VTIMEZONE").is_empty());
    }

    #[test]
    fn long_utf8_lines_fold_at_75_octets_on_char_boundaries() {
        let value = "é€😀".repeat(40);
        let mut out = String::new();
        put(&mut out, "DESCRIPTION", &value);
        blocks(&out, "none");
        let mut continued = out.split_terminator("\r\n").skip(1);
        assert!(continued.all(|l| l.starts_with(' ')));
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("DESCRIPTION:{value}"));
    }

    #[test]
    fn values_are_escaped() {
        // The bell is dropped; CRLF, CR and LF all become one `\n`.
        let escaped = text("a\\b;c,d\ne\r\nf\rg\u{7}h");
        assert_eq!(escaped, "a\\\\b\\;c\\,d\\ne\\nf\\ngh");
        assert_eq!(cn("Café: Les \"Amis\""), ";CN=\"Café: Les Amis\"");
        assert_eq!([cn("Ana"), cn(" ")], [";CN=Ana", ""]);
        let offsets = [3600, -12600, 20700, -3675].map(offset);
        assert_eq!(offsets, ["+0100", "-0330", "+0545", "-010115"]);
    }

    #[test]
    fn paris_gets_its_transitions_and_local_times() {
        let events = [
            event("Europe/Paris", "2026-06-01 16:00"),
            event("America/New_York", "2026-03-01 16:00"),
            event("Europe/Paris", "2027-01-10 16:00"),
        ];
        let ics = calendar("Space", "0.1.0", &events);
        assert_eq!(ics, calendar("Space", "0.1.0", &events), "deterministic");
        assert_eq!(blocks(&ics, "VEVENT").len(), 3);
        let tz = blocks(&ics, "VTIMEZONE");
        assert_eq!(tz.len(), 2, "one per zone, sorted by name");
        assert!(tz[1].starts_with("TZID:Europe/Paris\r\n"));
        let summer = "DTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n";
        let winter = "DTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n";
        assert!(blocks(tz[1], "DAYLIGHT").contains(&&*format!("{summer}TZNAME:CEST\r\n")));
        assert!(blocks(tz[1], "STANDARD").contains(&&*format!("{winter}TZNAME:CET\r\n")));
        // Two changes a year from 2025 to 2027, and nothing declared from 1970.
        assert_eq!(tz[1].matches("TZOFFSETTO:").count(), 6);
        assert!(!ics.contains("19700101"));
        for line in [
            "PRODID:-//Interspace//Interspace 0.1.0//EN",
            "DTSTART;TZID=Europe/Paris:20260601T180000",
            "DTEND;TZID=Europe/Paris:20260601T200000",
            "DTSTAMP:20260105T060700Z",
            "SUMMARY:Soirée\\, jeux\\; et \\\\ café",
            "DESCRIPTION:Line one\\nLine two",
            "ORGANIZER;CN=\"Café: Les Amis\":https://example.org/users/amis",
            "STATUS:CONFIRMED",
        ] {
            assert!(ics.contains(&format!("\r\n{line}\r\n")), "{line} in {ics}");
        }
    }

    #[test]
    fn tokyo_has_a_single_standard_block() {
        let ics = calendar("S", "1", &[event("Asia/Tokyo", "2026-06-01 09:00")]);
        let tz = blocks(&ics, "VTIMEZONE");
        assert!(blocks(tz[0], "DAYLIGHT").is_empty());
        let only = "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n";
        assert_eq!(blocks(tz[0], "STANDARD"), [format!("{only}TZNAME:JST\r\n")]);
        assert!(ics.contains("\r\nDTSTART;TZID=Asia/Tokyo:20260601T180000\r\n"));
    }

    #[test]
    fn unknown_zones_fall_back_to_utc() {
        let mut e = event("Mars/Olympus", "2026-06-01 16:00");
        e.cancelled = true;
        let ics = calendar("S", "1", &[e]);
        assert!(blocks(&ics, "VTIMEZONE").is_empty() && !ics.contains("TZID"));
        assert!(ics.contains("\r\nDTSTART:20260601T160000Z\r\nDTEND:20260601T180000Z\r\n"));
        assert!(ics.contains("\r\nSTATUS:CANCELLED\r\n"));
        // 02:30 happens twice in Paris that night; the second time is written in UTC.
        let ics = calendar("S", "1", &[event("Europe/Paris", "2026-10-25 01:30")]);
        assert!(ics.contains("\r\nDTSTART:20261025T013000Z\r\n"));
        assert!(ics.contains("\r\nDTEND;TZID=Europe/Paris:20261025T043000\r\n"));
    }
}
