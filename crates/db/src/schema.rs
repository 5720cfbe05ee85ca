//! Diesel schema shared by both backends (portable column types only).

diesel::table! {
    accounts (id) {
        id -> Text,
        username -> Text,
        domain -> Nullable<Text>,
        actor_type -> Text,
        display_name -> Text,
        note -> Text,
        uri -> Text,
        url -> Nullable<Text>,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        outbox_url -> Nullable<Text>,
        followers_url -> Nullable<Text>,
        following_url -> Nullable<Text>,
        public_key_pem -> Text,
        private_key_pem -> Nullable<Text>,
        locked -> Bool,
        discoverable -> Bool,
        fields -> Text,
        skills -> Text,
        home_space_uri -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        header_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        fetched_at -> Nullable<Timestamp>,
        suspended_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        bot -> Bool,
        silenced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        account_id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        approved -> Bool,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reason -> Nullable<Text>,
        locale -> Nullable<Text>,
        default_privacy -> Text,
        default_sensitive -> Bool,
        default_language -> Nullable<Text>,
        calendar_token -> Nullable<Text>,
        directory_opt_in -> Bool,
        hide_collections -> Bool,
    }
}

diesel::table! {
    pins (account_id, status_id) {
        account_id -> Text,
        status_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    spaces (id) {
        id -> Text,
        account_id -> Text,
        is_local -> Bool,
        timezone -> Text,
        hours -> Text,
        location -> Text,
        day_price -> Nullable<Text>,
        visit_policy -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        opportunity_hashtag -> Nullable<Text>,
    }
}

diesel::table! {
    follows (id) {
        id -> Text,
        account_id -> Text,
        target_account_id -> Text,
        uri -> Nullable<Text>,
        accepted -> Bool,
        show_reblogs -> Bool,
        notify -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> Text,
        name -> Text,
        website -> Nullable<Text>,
        redirect_uris -> Text,
        scopes -> Text,
        client_id -> Text,
        client_secret_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_codes (id) {
        id -> Text,
        code_hash -> Text,
        app_id -> Text,
        user_id -> Text,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> Text,
        token_hash -> Text,
        refresh_token_hash -> Nullable<Text>,
        app_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    statuses (id) {
        id -> Text,
        uri -> Text,
        url -> Nullable<Text>,
        account_id -> Text,
        in_reply_to_id -> Nullable<Text>,
        in_reply_to_account_id -> Nullable<Text>,
        reblog_of_id -> Nullable<Text>,
        content -> Text,
        source_text -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        visibility -> Text,
        language -> Nullable<Text>,
        is_local -> Bool,
        replies_count -> BigInt,
        reblogs_count -> BigInt,
        favourites_count -> BigInt,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mentions (id) {
        id -> Text,
        status_id -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    status_tags (status_id, name) {
        status_id -> Text,
        name -> Text,
    }
}

diesel::table! {
    favourites (id) {
        id -> Text,
        account_id -> Text,
        status_id -> Text,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> Text,
        account_id -> Text,
        status_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        account_id -> Text,
        from_account_id -> Text,
        kind -> Text,
        status_id -> Nullable<Text>,
        created_at -> Timestamp,
        group_key -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        status_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        code -> Text,
        created_by -> Nullable<Text>,
        max_uses -> Nullable<Integer>,
        uses -> Integer,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        email -> Nullable<Text>,
        role -> Text,
    }
}

diesel::table! {
    blocks (id) {
        id -> Text,
        account_id -> Text,
        target_account_id -> Text,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mutes (id) {
        id -> Text,
        account_id -> Text,
        target_account_id -> Text,
        hide_notifications -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media_attachments (id) {
        id -> Text,
        account_id -> Text,
        status_id -> Nullable<Text>,
        kind -> Text,
        content_type -> Text,
        file_path -> Nullable<Text>,
        remote_url -> Nullable<Text>,
        description -> Nullable<Text>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        blurhash -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_edits (id) {
        id -> Text,
        status_id -> Text,
        content -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    markers (account_id, timeline) {
        account_id -> Text,
        timeline -> Text,
        last_read_id -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        kind -> Text,
        actor_id -> Text,
        subject_id -> Text,
        target_id -> Nullable<Text>,
        created_at -> Timestamp,
        object_uri -> Nullable<Text>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        activity_id -> Text,
        actor_id -> Text,
        inbox -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        domain -> Text,
        ordering_key -> Nullable<Text>,
    }
}

diesel::table! {
    received_activities (id) {
        id -> Text,
        received_at -> Timestamp,
        processed -> Bool,
    }
}

diesel::table! {
    tombstones (uri) {
        uri -> Text,
        actor_uri -> Text,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    domains (domain) {
        domain -> Text,
        blocked_at -> Nullable<Timestamp>,
        block_reason -> Nullable<Text>,
        failures -> Integer,
        unavailable_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        software -> Nullable<Text>,
        software_version -> Nullable<Text>,
        software_checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    instance_keys (name) {
        name -> Text,
        private_key_pem -> Text,
        public_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Text,
        token_id -> Text,
        user_id -> Text,
        access_token -> Text,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        alerts -> Text,
        policy -> Text,
        standard -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    push_messages (id) {
        id -> Text,
        subscription_id -> Text,
        notification_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mails (id) {
        id -> Text,
        category -> Text,
        user_id -> Nullable<Text>,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
        unsubscribe_url -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_settings (user_id) {
        user_id -> Text,
        token -> Text,
        categories -> Text,
        digest_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_changes (id) {
        id -> Text,
        user_id -> Text,
        email -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_by -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        account_id -> Text,
        target_account_id -> Text,
        status_ids -> Text,
        comment -> Text,
        category -> Text,
        forwarded -> Bool,
        uri -> Nullable<Text>,
        action_taken_at -> Nullable<Timestamp>,
        action_taken_by -> Nullable<Text>,
        resolution -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        uri -> Text,
        url -> Nullable<Text>,
        organizer_id -> Text,
        space_id -> Nullable<Text>,
        status_id -> Nullable<Text>,
        title -> Text,
        description -> Text,
        source_text -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        timezone -> Text,
        place -> Text,
        category -> Nullable<Text>,
        capacity -> Nullable<BigInt>,
        join_mode -> Text,
        external_url -> Nullable<Text>,
        waitlist -> Bool,
        status -> Text,
        previous_starts_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        visibility -> Text,
        participants_count -> BigInt,
        waitlist_count -> BigInt,
        is_local -> Bool,
        sequence -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_participations (id) {
        id -> Text,
        event_id -> Text,
        account_id -> Text,
        state -> Text,
        message -> Nullable<Text>,
        reason -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        join_uri -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partnerships (id) {
        id -> Text,
        uri -> Text,
        space_id -> Text,
        partner_space_id -> Text,
        state -> Text,
        terms -> Text,
        pending_terms -> Nullable<Text>,
        pending_from_us -> Bool,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        uri -> Text,
        visitor_id -> Text,
        home_space_id -> Text,
        host_space_id -> Text,
        partnership_id -> Nullable<Text>,
        date_from -> Date,
        date_to -> Date,
        note -> Text,
        state -> Text,
        reason -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        cancelled_by -> Nullable<Text>,
        checked_in_at -> Nullable<Timestamp>,
        checked_out_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    visit_days (visit_id, day) {
        visit_id -> Text,
        host_space_id -> Text,
        visitor_id -> Text,
        day -> Date,
    }
}

diesel::table! {
    opportunities (id) {
        id -> Text,
        uri -> Text,
        url -> Nullable<Text>,
        author_id -> Text,
        space_id -> Nullable<Text>,
        status_id -> Nullable<Text>,
        title -> Text,
        description -> Text,
        source_text -> Text,
        kind -> Text,
        location_mode -> Text,
        location_city -> Nullable<Text>,
        location_space_id -> Nullable<Text>,
        budget_amount -> Nullable<Text>,
        budget_currency -> Nullable<Text>,
        budget_period -> Nullable<Text>,
        deadline -> Nullable<Date>,
        team_size -> BigInt,
        status -> Text,
        visibility -> Text,
        applications_count -> BigInt,
        is_local -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        budget_minor -> Nullable<BigInt>,
    }
}

diesel::table! {
    opportunity_skills (opportunity_id, skill) {
        opportunity_id -> Text,
        skill -> Text,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        uri -> Text,
        opportunity_id -> Text,
        applicant_id -> Text,
        state -> Text,
        cover_note -> Text,
        proposed_budget -> Nullable<Text>,
        links -> Text,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        source -> Text,
    }
}

diesel::table! {
    application_members (application_id, account_id) {
        application_id -> Text,
        account_id -> Text,
        state -> Text,
        invite_uri -> Nullable<Text>,
        consent_uri -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    skill_follows (account_id, skill) {
        account_id -> Text,
        skill -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    team_consents (application_uri, account_id) {
        application_uri -> Text,
        account_id -> Text,
        consent_uri -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(opportunity_skills -> opportunities (opportunity_id));
diesel::joinable!(applications -> opportunities (opportunity_id));
diesel::joinable!(application_members -> applications (application_id));
diesel::joinable!(visit_days -> visits (visit_id));
diesel::joinable!(events -> accounts (organizer_id));
diesel::joinable!(event_participations -> events (event_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(oauth_tokens -> users (user_id));
diesel::joinable!(push_subscriptions -> users (user_id));
diesel::joinable!(push_subscriptions -> oauth_tokens (token_id));
diesel::joinable!(statuses -> accounts (account_id));
diesel::joinable!(mentions -> statuses (status_id));
diesel::joinable!(status_tags -> statuses (status_id));
diesel::joinable!(pins -> statuses (status_id));
diesel::joinable!(spaces -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    users,
    spaces,
    follows,
    oauth_apps,
    oauth_codes,
    oauth_tokens,
    statuses,
    mentions,
    status_tags,
    favourites,
    bookmarks,
    pins,
    notifications,
    idempotency_keys,
    invites,
    blocks,
    mutes,
    media_attachments,
    status_edits,
    markers,
    outbox_events,
    deliveries,
    received_activities,
    domains,
    web_sessions,
    password_resets,
    mails,
    mail_settings,
    instance_keys,
    push_subscriptions,
    push_messages,
    email_changes,
    reports,
    events,
    event_participations,
    partnerships,
    visits,
    visit_days,
    opportunities,
    opportunity_skills,
    applications,
    application_members,
    skill_follows,
    team_consents,
    tombstones,
);
