//! The integration suite: one binary, run on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (the test command does both).

mod actors;
mod backup;
mod browser;
mod chaos;
mod cli;
mod clients;
mod delivery;
mod discovery;
mod events;
mod federation;
mod groups;
mod hostile;
mod inbox;
mod interspace_api;
mod mail;
mod mastodon;
mod oauth;
mod opportunities;
mod ops;
mod profiles;
mod push;
mod relations;
mod resolve;
mod streaming;
mod upgrade;
mod visits;
mod vocabulary;
mod web;
