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

#[cfg(test)]
mod tests {
    use super::*;

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
