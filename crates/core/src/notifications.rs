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

#[cfg(test)]
mod tests {
    use super::NotificationKind;

    #[test]
    fn every_kind_reads_back_as_itself() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Ok(*kind));
        }
        assert!(NotificationKind::parse("pleroma:emoji_reaction").is_err());
    }
}
