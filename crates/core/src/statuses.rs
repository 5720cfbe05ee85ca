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
