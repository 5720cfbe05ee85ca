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

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(spaces -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(accounts, users, spaces, follows);
