//! Posts: who sees them.

vocabulary!(
    /// Who sees a post, as Mastodon names it.
    Visibility, "visibility", {
        Public => "public",
        Unlisted => "unlisted",
        Private => "private",
        Direct => "direct",
    }
);

/// How many posts an account may pin (`max_pinned_statuses` in the instance's configuration).
pub const MAX_PINS: usize = 5;

/// Why a post cannot be pinned, as Mastodon says it (422), or `None` when it can: only one's
/// own post, not a boost, not a direct message, at most [`MAX_PINS`].
pub fn pin_refusal(
    own: bool,
    boost: bool,
    visibility: Visibility,
    pinned: usize,
) -> Option<&'static str> {
    if !own {
        Some("Validation failed: You can only pin your own posts")
    } else if boost {
        Some("Validation failed: Boosts cannot be pinned")
    } else if visibility == Visibility::Direct {
        Some("Validation failed: Direct messages cannot be pinned")
    } else if pinned >= MAX_PINS {
        Some("Validation failed: You have already pinned the maximum number of posts")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ones_own_posts_up_to_five_and_no_direct_message_or_boost_are_pinned() {
        assert_eq!(pin_refusal(true, false, Visibility::Private, 4), None);
        assert!(pin_refusal(false, false, Visibility::Public, 0)
            .is_some_and(|m| m.contains("your own")));
        assert!(
            pin_refusal(true, true, Visibility::Public, 0).is_some_and(|m| m.contains("Boosts"))
        );
        assert!(
            pin_refusal(true, false, Visibility::Direct, 0).is_some_and(|m| m.contains("Direct"))
        );
        assert!(pin_refusal(true, false, Visibility::Public, MAX_PINS)
            .is_some_and(|m| m.contains("maximum")));
    }
}
