//! What a notification is about: the word stored in `notifications.kind` and sent to clients
//! as Mastodon's `type`. Mastodon's own words, Pleroma's for events (clients that know events
//! read those), and `interspace:` ones for coworking.

vocabulary!(
    /// The kinds of notification. `ParticipationAnswer`: a participation refused or
    /// waitlisted; `Opportunity`: a new one matching skills the member follows.
    NotificationKind, "type", {
        Mention => "mention",
        Status => "status",
        Reblog => "reblog",
        Follow => "follow",
        FollowRequest => "follow_request",
        Favourite => "favourite",
        Poll => "poll",
        Update => "update",
        ParticipationRequest => "pleroma:participation_request",
        ParticipationAccepted => "pleroma:participation_accepted",
        EventUpdate => "pleroma:event_update",
        EventReminder => "pleroma:event_reminder",
        ParticipationAnswer => "interspace:participation_update",
        Visit => "interspace:visit",
        Partnership => "interspace:partnership",
        Application => "interspace:application",
        ApplicationUpdate => "interspace:application_update",
        TeamInvitation => "interspace:team_invitation",
        Opportunity => "interspace:opportunity",
    }
);

/// The kinds that Mastodon 4.3 groups (`grouped_types[]`' default): favourites and boosts of
/// one post, and follows.
pub const GROUPABLE: [NotificationKind; 3] = [
    NotificationKind::Favourite,
    NotificationKind::Reblog,
    NotificationKind::Follow,
];

/// A group takes notifications for this long after its first one; the next starts a new group.
pub const MAX_GROUP_SPAN_HOURS: i64 = 12;

/// Samples of a group's accounts sent with it.
pub const GROUP_SAMPLE_ACCOUNTS: usize = 8;

/// What the keys of a kind's groups start with (`favourite-STATUS`, `follow`); `None` for kinds
/// that are not grouped.
pub fn group_prefix(kind: NotificationKind, status_id: Option<&str>) -> Option<String> {
    match kind {
        NotificationKind::Favourite | NotificationKind::Reblog => {
            Some(format!("{}-{}", kind.as_str(), status_id?))
        }
        NotificationKind::Follow => Some(kind.as_str().to_string()),
        _ => None,
    }
}

/// The key of a new notification's group: `PREFIX-HOUR` (hours since the epoch), the hour of
/// the group it joins when the last group of that prefix began less than
/// [`MAX_GROUP_SPAN_HOURS`] before.
pub fn group_key(prefix: &str, epoch_seconds: i64, last_key: Option<&str>) -> String {
    let hour = epoch_seconds.div_euclid(3600);
    let previous = last_key
        .and_then(|k| k.strip_prefix(prefix))
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|h| h.parse::<i64>().ok());
    let bucket = match previous {
        Some(p) if hour >= p && hour < p + MAX_GROUP_SPAN_HOURS => p,
        _ => hour,
    };
    format!("{prefix}-{bucket}")
}

/// The key a client sees for a notification: its group's, or `ungrouped-ID` when it is not
/// grouped (or its kind is not among those the client wants grouped).
pub fn client_group_key(id: &str, kind: &str, stored: Option<&str>, grouped: &[String]) -> String {
    match stored {
        Some(key) if grouped.iter().any(|g| g == kind) => key.to_string(),
        _ => format!("ungrouped-{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_span_twelve_hours_from_their_first_notification() {
        let prefix = group_prefix(NotificationKind::Favourite, Some("S1")).expect("grouped");
        assert_eq!(prefix, "favourite-S1");
        assert_eq!(group_prefix(NotificationKind::Mention, Some("S1")), None);
        assert_eq!(group_prefix(NotificationKind::Reblog, None), None);
        let first = group_key(&prefix, 100 * 3600 + 5, None);
        assert_eq!(first, "favourite-S1-100");
        assert_eq!(group_key(&prefix, 111 * 3600, Some(&first)), first);
        assert_eq!(
            group_key(&prefix, 112 * 3600, Some(&first)),
            "favourite-S1-112"
        );
        // Another post's group is another prefix.
        assert_eq!(
            group_key("favourite-S2", 101 * 3600, Some(&first)),
            "favourite-S2-101"
        );
        assert_eq!(
            client_group_key("N1", "favourite", Some(&first), &["favourite".into()]),
            first
        );
        assert_eq!(
            client_group_key("N1", "favourite", Some(&first), &["follow".into()]),
            "ungrouped-N1"
        );
    }

    #[test]
    fn every_kind_reads_back_as_itself() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Ok(*kind));
        }
        assert!(NotificationKind::parse("pleroma:emoji_reaction").is_err());
    }
}
