//! Outgoing activities: the outbox events that ask for them, and their deliveries (one
//! activity to one inbox, retried until it is delivered or given up).

vocabulary!(
    /// Where a delivery stands: `Failed` ones were given up (or refused by our own guard).
    DeliveryState, "state", {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

vocabulary!(
    /// What an outbox event asks the federation layer to send: one outgoing activity kind
    /// each, built when the event is expanded into deliveries. Every builder matches on all of
    /// them, so a new kind does not compile until it says what goes out.
    OutboxKind, "kind", {
        Follow => "follow",
        UndoFollow => "undo.follow",
        AcceptFollow => "accept.follow",
        RejectFollow => "reject.follow",
        StatusCreate => "status.create",
        StatusUpdate => "status.update",
        StatusDelete => "status.delete",
        Like => "like",
        UndoLike => "undo.like",
        Announce => "announce",
        UndoAnnounce => "undo.announce",
        Block => "block",
        UndoBlock => "undo.block",
        Flag => "flag",
        ActorUpdate => "actor.update",
        ActorDelete => "actor.delete",
        RelayCreate => "relay.create",
        RelayAnnounce => "relay.announce",
        RelayUpdate => "relay.update",
        RelayDelete => "relay.delete",
        Pin => "pin",
        Unpin => "unpin",
        EventCreate => "event.create",
        EventUpdate => "event.update",
        EventDelete => "event.delete",
        RelayEvent => "relay.event",
        EventJoin => "event.join",
        EventLeave => "event.leave",
        EventAccept => "event.accept",
        EventReject => "event.reject",
        EventTentative => "event.tentative",
        PartnershipOffer => "partnership.offer",
        PartnershipAccept => "partnership.accept",
        PartnershipReject => "partnership.reject",
        PartnershipEnd => "partnership.end",
        VisitOffer => "visit.offer",
        VisitUndo => "visit.undo",
        VisitAccept => "visit.accept",
        VisitReject => "visit.reject",
        VisitTentative => "visit.tentative",
        VisitUpdate => "visit.update",
        OpportunityCreate => "opportunity.create",
        OpportunityUpdate => "opportunity.update",
        OpportunityDelete => "opportunity.delete",
        RelayOpportunity => "relay.opportunity",
        ApplicationOffer => "application.offer",
        ApplicationWithdraw => "application.withdraw",
        ApplicationAnswer => "application.answer",
        TeamInvite => "team.invite",
        TeamAccept => "team.accept",
        TeamReject => "team.reject",
    }
);

/// The shape in which a group's re-share of a post reaches a follower's server (FEP-1b12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayShape {
    /// `Announce` of the post's id: a boost, what microblogs (Mastodon and the rest) read.
    Boost,
    /// `Announce` of the whole `Create`, with `audience`: what group software reads. Lemmy
    /// refuses the plain boost (400, "missing field actor").
    Activity,
}

/// Group software (NodeInfo's `software.name`) that reads a group's `Announce` only when it
/// wraps an activity.
const GROUP_SOFTWARE: &[&str] = &["lemmy", "mbin", "kbin", "piefed"];

fn is_one_of(software: Option<&str>, names: &[&str]) -> bool {
    software.is_some_and(|s| names.contains(&s.to_ascii_lowercase().as_str()))
}

/// The one shape in which a server running `software` gets a relayed post: the activity for
/// group software and for Interspace, a boost for the rest (unknown software included, the
/// common shape).
pub fn relay_shape(software: Option<&str>) -> RelayShape {
    if is_one_of(software, GROUP_SOFTWARE) || is_one_of(software, &["interspace"]) {
        RelayShape::Activity
    } else {
        RelayShape::Boost
    }
}

/// Whether a server running `software` refuses a group's plain boost (Lemmy answers 400): it
/// gets none.
pub fn refuses_group_boosts(software: Option<&str>) -> bool {
    is_one_of(software, GROUP_SOFTWARE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_software_gets_the_activity_and_the_rest_a_boost() {
        for s in ["lemmy", "Lemmy", "mbin", "piefed", "interspace"] {
            assert_eq!(relay_shape(Some(s)), RelayShape::Activity, "{s}");
        }
        for s in [
            Some("mastodon"),
            Some("mitra"),
            Some("gotosocial"),
            Some("lemmyish"),
            None,
        ] {
            assert_eq!(relay_shape(s), RelayShape::Boost, "{s:?}");
            assert!(!refuses_group_boosts(s), "{s:?}");
        }
        assert!(refuses_group_boosts(Some("Lemmy")));
        assert!(
            !refuses_group_boosts(Some("interspace")),
            "Interspace reads both"
        );
    }

    #[test]
    fn a_column_reads_back_the_word_it_was_written_with() {
        for kind in OutboxKind::ALL {
            assert_eq!(OutboxKind::try_from(String::from(*kind)), Ok(*kind));
        }
        for state in DeliveryState::ALL {
            assert_eq!(DeliveryState::try_from(state.to_string()), Ok(*state));
        }
        let unknown = DeliveryState::try_from("sending".to_string()).expect_err("unknown word");
        assert_eq!(unknown.field, "state");
    }
}
