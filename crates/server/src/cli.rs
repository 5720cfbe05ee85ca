//! The `interspace` command line. Every command takes the same configuration as `serve`.

use crate::config::Config;
use crate::startup::{self, Application, StartupError};
use clap::{Args, Parser, Subcommand};
use interspace_app::domains;
use interspace_app::members::{self, NewMember};
use interspace_app::partnerships::{self, PartnershipId};
use interspace_app::setup::FirstRun;
use interspace_app::spaces::{self, SpaceUpdate};
use interspace_app::visits::{self, VisitId};
use interspace_core::roles::Role;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "interspace",
    version,
    about = "A federated server for coworking spaces"
)]
pub struct Cli {
    /// TOML configuration file; INTERSPACE__SECTION__KEY variables override it.
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates and, on first start, creates the space and its operator).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Manage members.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Show or change the space.
    #[command(subcommand)]
    Space(SpaceCommand),
    /// Show the federation delivery queue: pending and failed deliveries.
    Queue,
    /// Block or unblock other servers.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Partnerships with other spaces (as the space's operator; the running server sends what
    /// they queue).
    #[command(subcommand)]
    Partnership(PartnershipCommand),
    /// Visits to this space: the front desk and the host's decisions.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// How federation is going.
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Write one archive with everything needed to rebuild this instance: the database's rows
    /// (keys included), the media files, the effective configuration without secrets.
    /// Consistent while the server runs.
    Backup {
        /// The archive to write (gzip-compressed tar, whatever its name); readable by its
        /// owner only.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Rebuild this instance from an archive, into the configured database (empty: a new
    /// PostgreSQL database or a SQLite file that does not exist yet) and media folder (empty),
    /// for the same domain.
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Database tools.
    #[command(subcommand)]
    Db(DbCommand),
    /// Uploaded files.
    #[command(subcommand)]
    Media(MediaCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every row from one database to another (SQLite to PostgreSQL or back) into an
    /// empty target, migrated first, in one transaction; counts checked per table.
    Copy {
        /// sqlite://PATH or postgres://...
        #[arg(long, value_name = "URL")]
        from: String,
        /// sqlite://PATH (created) or postgres://... (an empty database)
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Remove uploads never attached to a post nor used as an avatar or header, and files no
    /// upload refers to, older than DAYS.
    Prune {
        #[arg(long, value_name = "DAYS")]
        older_than: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Queue depth, the oldest pending delivery, failing and unavailable peers.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Parse the configuration, reach the database, warn about what would go wrong, and print
    /// the effective configuration (without secrets).
    Check,
}

#[derive(Debug, Subcommand)]
pub enum PartnershipCommand {
    /// List partnerships with their state and terms.
    List,
    /// Propose a partnership to a space (`handle@domain`).
    Propose(ProposeArgs),
    /// Accept a proposal, or the partner's new terms.
    Accept { id: PartnershipId },
    /// Reject a proposal, or the partner's new terms.
    Reject {
        id: PartnershipId,
        #[arg(long)]
        reason: Option<String>,
    },
    /// End a partnership (approved visits are honoured).
    End {
        id: PartnershipId,
        #[arg(long)]
        reason: Option<String>,
    },
    /// A month's visits both ways, as CSV.
    Ledger {
        id: PartnershipId,
        /// YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// The other space, `handle@domain`.
    pub space: String,
    /// Free desk-days per visiting member per month.
    #[arg(long, default_value_t = 3)]
    pub free_days: u32,
    /// No limit on free days (instead of --free-days).
    #[arg(long)]
    pub unlimited: bool,
    #[arg(long, default_value = "automatic", value_parser = ["automatic", "manual"])]
    pub approval: String,
    #[arg(long, default_value_t = 24)]
    pub notice_hours: u32,
    #[arg(long)]
    pub max_per_day: Option<u32>,
    /// Days open to visitors, comma-separated (mon..sun).
    #[arg(long, default_value = "mon,tue,wed,thu,fri")]
    pub days: String,
}

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// The visits of a day at this space (default: today in the space's time zone).
    FrontDesk {
        /// YYYY-MM-DD
        #[arg(long)]
        date: Option<String>,
    },
    /// Approve, reject, cancel, check in or check out a visit to this space.
    #[command(name = "act")]
    Act {
        id: VisitId,
        #[arg(value_parser = ["approve", "reject", "cancel", "check_in", "check_out"])]
        action: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Block a domain and its subdomains: their activities are dropped, nothing is sent to or
    /// fetched from them, and follows with their accounts end.
    Block {
        domain: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Lift a block.
    Unblock { domain: String },
    /// List blocked domains.
    List,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (prints a generated password when --password is not given).
    Add(MemberAdd),
    /// List members.
    List,
    /// Remove a member and their account.
    Remove { username: String },
    /// Print a single-use link for the member to choose a new password, or set it with
    /// --password (their sessions and app tokens end).
    PasswordReset {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Give a member a role: member, host or operator.
    Role { username: String, role: String },
    /// Suspend a member: they cannot sign in, and their sessions and app tokens end.
    Suspend { username: String },
    /// Lift a suspension.
    Unsuspend { username: String },
    /// Invite someone by e-mail: prints the sign-up link, and mails it to EMAIL when
    /// `mail.smtp_url` is set (the running server sends it). Valid for 7 days, once.
    Invite {
        email: String,
        #[arg(long, default_value = "member", value_parser = ["member", "host", "operator"])]
        role: String,
    },
}

#[derive(Debug, Args)]
pub struct MemberAdd {
    pub username: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub password: Option<String>,
    #[arg(long, default_value = "member", value_parser = ["member", "host", "operator"])]
    pub role: String,
    #[arg(long)]
    pub display_name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SpaceCommand {
    /// Show the space's profile.
    Show,
    /// Change the space's profile.
    Update(SpaceUpdateArgs),
}

#[derive(Debug, Args)]
pub struct SpaceUpdateArgs {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub summary: Option<String>,
    /// Street address.
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub postal_code: Option<String>,
    #[arg(long)]
    pub locality: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    /// Opening hours, free text.
    #[arg(long)]
    pub hours: Option<String>,
    /// IANA time zone, e.g. Europe/Paris.
    #[arg(long)]
    pub timezone: Option<String>,
}

/// The first-run message: printed exactly once, when the operator is created. The password
/// itself is printed only to a terminal; otherwise (a service manager, a pipe, a log) it goes
/// to a file only this user can read, and the message names the file.
pub fn first_run_message(
    first: &FirstRun,
    base: &str,
    config: &Config,
) -> Result<String, StartupError> {
    use std::io::IsTerminal;
    let password = if std::io::stdout().is_terminal() {
        first.password.clone()
    } else {
        let path = first_run_file(config);
        write_private(&path, &format!("{}\n", first.password)).map_err(|e| {
            StartupError::Config(format!(
                "cannot write the operator's one-time password to {}: {e}",
                path.display()
            ))
        })?;
        format!(
            "written to {} (readable by this user only; delete it once you signed in)",
            path.display()
        )
    };
    Ok(format!(
        "Interspace is set up. The space @{handle} and its operator were created.\n\
         Operator login: {user} (e-mail {email})\n\
         One-time password: {password}\n\
         This password is shown only once. Sign in at {base}login and change it under Settings.\n",
        handle = first.space_handle,
        user = first.operator_username,
        email = first.operator_email,
    ))
}

/// Where the first-run password goes when standard output is not a terminal: beside the
/// media folder (the instance's own data folder).
pub fn first_run_file(config: &Config) -> PathBuf {
    let media = std::path::Path::new(&config.media.path);
    media
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .join("first-run-password")
}

/// Writes `text` to `path`, readable by this user only (0600), creating its folder (0700).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    if let Some(parent) = path.parent().filter(|p| !p.exists()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An older file keeps its mode on open: make sure of it.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())
}

/// Connects for a one-shot command; on a fresh database the first-run message goes to `out`.
async fn prepared(
    config: &Config,
    out: &mut String,
) -> Result<interspace_app::AppContext, StartupError> {
    let (ctx, first) = startup::prepare(config, &config.server.domain).await?;
    if let Some(first) = &first {
        out.push_str(&first_run_message(
            first,
            ctx.urls().base().as_str(),
            config,
        )?);
    }
    Ok(ctx)
}

/// Draws where a long copy is on standard error: a bar on a terminal, a line per finished
/// table otherwise (a log, cron's mail).
fn progress_bar() -> impl FnMut(interspace_app::backup::Progress<'_>) {
    use std::io::{IsTerminal, Write};
    let terminal = std::io::stderr().is_terminal();
    move |p| {
        let finished = p.done >= p.total;
        if terminal {
            let width = 30;
            let filled = (p.done * width).checked_div(p.total).unwrap_or(width) as usize;
            eprint!(
                "\r{:<28} [{}{}] {}/{}",
                p.table,
                "#".repeat(filled),
                ".".repeat(width as usize - filled.min(width as usize)),
                p.done,
                p.total
            );
            if finished {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        } else if finished {
            eprintln!("{:<28} {} rows", p.table, p.total);
        }
    }
}

fn summary_line(s: &interspace_app::backup::Summary) -> String {
    format!(
        "{} tables, {} rows, {} media files",
        s.tables, s.rows, s.media_files
    )
}

/// Runs one command; returns what to print on stdout.
pub async fn run(cli: Cli, config: Config) -> Result<String, StartupError> {
    let mut out = String::new();
    match cli.command {
        Command::Serve => {
            if let Some(why) = config.public_bind_with_local_domain() {
                return Err(StartupError::Config(why));
            }
            let app = Application::build(config.clone(), true).await?;
            if let Some(first) = &app.first_run {
                print!(
                    "{}",
                    first_run_message(first, app.ctx.urls().base().as_str(), &config)?
                );
            }
            tracing::info!(url = %app.ctx.urls().base(), port = app.port, "serving");
            app.run_until_stopped()
                .await
                .map_err(|e| StartupError::Config(format!("server stopped: {e}")))?;
        }
        Command::Config(ConfigCommand::Check) => {
            let db = interspace_db::DbPool::connect(&config.database.url, 1).await?;
            let backend = match db.backend() {
                interspace_db::Backend::Sqlite => "SQLite",
                interspace_db::Backend::Postgres => "PostgreSQL",
            };
            let _ = writeln!(out, "configuration: parsed");
            let _ = writeln!(out, "database: reachable ({backend})");
            if let Some(why) = config.public_bind_with_local_domain() {
                let _ = writeln!(out, "warning: {why} (serve refuses to start)");
            }
            let domain = match config.server.domain.trim() {
                "" => "localhost",
                d => d,
            };
            let settings = startup::settings(&config, domain)?;
            let _ = writeln!(
                out,
                "mail: {}",
                if settings.mail.is_some() {
                    "sent through mail.smtp_url"
                } else {
                    "none sent (no mail.smtp_url)"
                }
            );
            let _ = writeln!(out, "{}", config.effective());
        }
        Command::Migrate => {
            let settings = startup::settings(&config, &config.server.domain)?;
            let db = interspace_db::DbPool::connect(&config.database.url, 2).await?;
            let n = db.migrate().await?;
            drop(settings);
            let _ = writeln!(out, "{n} migration(s) applied");
        }
        Command::Member(cmd) => {
            let ctx = prepared(&config, &mut out).await?;
            match cmd {
                MemberCommand::Add(a) => {
                    let role = Role::parse(&a.role).map_err(interspace_app::AppError::from)?;
                    let added = members::add(
                        &ctx,
                        NewMember {
                            username: a.username,
                            email: a.email,
                            password: a.password,
                            role,
                            display_name: a.display_name,
                            approved: true,
                        },
                    )
                    .await?;
                    let m = &added.member;
                    let _ = writeln!(
                        out,
                        "added {} ({}, {}) as {}",
                        m.account.username,
                        m.user.email,
                        m.role(),
                        ctx.urls().user(&m.account.username)
                    );
                    if let Some(p) = added.generated_password {
                        let _ = writeln!(out, "password: {p}");
                    }
                }
                MemberCommand::List => {
                    for m in members::list(&ctx).await? {
                        let _ = writeln!(
                            out,
                            "{}\t{}\t{}\t{}",
                            m.account.username,
                            m.user.email,
                            m.role(),
                            if m.user.disabled {
                                "disabled"
                            } else if m.user.approved {
                                "active"
                            } else {
                                "pending"
                            }
                        );
                    }
                }
                MemberCommand::Remove { username } => {
                    let m = members::remove(&ctx, &username).await?;
                    let _ = writeln!(out, "removed {}", m.account.username);
                }
                MemberCommand::PasswordReset { username, password } => {
                    match interspace_app::sessions::reset_from_console(
                        &ctx,
                        &username,
                        password.as_deref(),
                    )
                    .await?
                    {
                        Some(link) => {
                            let _ = writeln!(out, "{link}");
                        }
                        None => {
                            let _ = writeln!(out, "password of {username} set");
                        }
                    }
                }
                MemberCommand::Role { username, role } => {
                    let role = Role::parse(&role).map_err(interspace_app::AppError::from)?;
                    let m = members::act_from_console(
                        &ctx,
                        &username,
                        members::MemberAction::SetRole(role),
                    )
                    .await?;
                    let _ = writeln!(out, "{} is now {}", m.account.username, m.user.role);
                }
                MemberCommand::Suspend { username } => {
                    let m =
                        members::act_from_console(&ctx, &username, members::MemberAction::Suspend)
                            .await?;
                    let _ = writeln!(out, "suspended {}", m.account.username);
                }
                MemberCommand::Unsuspend { username } => {
                    let m = members::act_from_console(
                        &ctx,
                        &username,
                        members::MemberAction::Unsuspend,
                    )
                    .await?;
                    let _ = writeln!(out, "unsuspended {}", m.account.username);
                }
                MemberCommand::Invite { email, role } => {
                    let role = Role::parse(&role).map_err(interspace_app::AppError::from)?;
                    let invite = interspace_app::registrations::create_invite(
                        &ctx,
                        interspace_app::registrations::NewInvite {
                            created_by: None,
                            max_uses: Some(1),
                            expires_in_days: Some(7),
                            email: Some(&email),
                            role,
                        },
                    )
                    .await?;
                    let link = interspace_app::registrations::invite_url(&ctx, &invite);
                    let mailed = if interspace_app::mail::enabled(&ctx) {
                        "mailed to"
                    } else {
                        "not mailed (no mail.smtp_url): send it to"
                    };
                    let _ = writeln!(out, "{link}\n{mailed} {}", invite.email.unwrap_or_default());
                }
            }
            ctx.shutdown();
        }
        Command::Domain(cmd) => {
            let ctx = prepared(&config, &mut out).await?;
            match cmd {
                DomainCommand::Block { domain, reason } => {
                    let domain = domains::block(&ctx, &domain, reason.as_deref()).await?;
                    let _ = writeln!(out, "blocked {domain}");
                }
                DomainCommand::Unblock { domain } => {
                    if domains::unblock(&ctx, &domain).await? {
                        let _ = writeln!(out, "unblocked {}", domains::normalize(&domain)?);
                    } else {
                        let _ = writeln!(out, "{} was not blocked", domains::normalize(&domain)?);
                    }
                }
                DomainCommand::List => {
                    for d in domains::list_blocked(&ctx).await? {
                        let _ = writeln!(
                            out,
                            "{}\t{}\t{}",
                            d.domain,
                            d.blocked_at
                                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                                .unwrap_or_default(),
                            d.block_reason.unwrap_or_default()
                        );
                    }
                }
            }
            ctx.shutdown();
        }
        Command::Partnership(cmd) => {
            let ctx = prepared(&config, &mut out).await?;
            let _federation = interspace_federation::Federation::resolver_only(
                &ctx,
                &startup::federation_options(&config)?,
            )
            .await?;
            let op = members::get(&ctx, &config.space.operator).await?.user;
            let line = |v: &partnerships::PartnershipView| {
                let t = &v.terms;
                format!(
                    "{}\t{}@{}\t{}\tfree days {}\t{}\tnotice {}h\t{}",
                    v.partnership.id,
                    v.partner.account.username,
                    v.partner.account.domain.clone().unwrap_or_default(),
                    v.partnership.state,
                    t.free_days_per_member_per_month
                        .map_or("unlimited".into(), |n| n.to_string()),
                    t.approval,
                    t.advance_notice_hours,
                    t.days_open.join(","),
                )
            };
            match cmd {
                PartnershipCommand::List => {
                    for v in partnerships::list(&ctx, &op, None).await? {
                        let _ = writeln!(out, "{}", line(&v));
                    }
                }
                PartnershipCommand::Propose(p) => {
                    let terms = partnerships::Terms {
                        free_days_per_member_per_month: (!p.unlimited).then_some(p.free_days),
                        day_price: None,
                        approval: p.approval,
                        advance_notice_hours: p.notice_hours,
                        max_visitors_per_day: p.max_per_day,
                        days_open: p.days.split(',').map(String::from).collect(),
                    };
                    let v = partnerships::propose(&ctx, &op, &p.space, &terms).await?;
                    let _ = writeln!(out, "{}", line(&v));
                }
                PartnershipCommand::Accept { id } => {
                    let v = partnerships::accept(&ctx, &op, &id).await?;
                    let _ = writeln!(out, "{}", line(&v));
                }
                PartnershipCommand::Reject { id, reason } => {
                    let v = partnerships::reject(&ctx, &op, &id, reason).await?;
                    let _ = writeln!(out, "{}", line(&v));
                }
                PartnershipCommand::End { id, reason } => {
                    let v = partnerships::end(&ctx, &op, &id, reason).await?;
                    let _ = writeln!(out, "{}", line(&v));
                }
                PartnershipCommand::Ledger { id, month } => {
                    let member = members::get(&ctx, &config.space.operator).await?;
                    let l =
                        visits::ledger(&ctx, &(member.user, member.account), &id, month.as_deref())
                            .await?;
                    out.push_str(&visits::ledger_csv(&ctx, &l));
                }
            }
            ctx.shutdown();
        }
        Command::Visit(cmd) => {
            let ctx = prepared(&config, &mut out).await?;
            let member = members::get(&ctx, &config.space.operator).await?;
            let me = (member.user, member.account);
            let line = |v: &visits::VisitView| {
                format!(
                    "{}\t{}\t{}\t{}..{}\t{}\t{}",
                    v.visit.id,
                    interspace_app::accounts::acct_with_domain(&ctx, &v.visitor),
                    v.home.account.display_name,
                    v.visit.date_from,
                    v.visit.date_to,
                    v.visit.state,
                    v.visit.reason_code.clone().unwrap_or_default(),
                )
            };
            match cmd {
                VisitCommand::FrontDesk { date } => {
                    let date = date.map(|d| visits::parse_day(&d)).transpose()?;
                    let (day, list) = visits::front_desk(&ctx, &me, date).await?;
                    let _ = writeln!(out, "{day}: {} visit(s)", list.len());
                    for v in &list {
                        let _ = writeln!(out, "{}", line(v));
                    }
                }
                VisitCommand::Act { id, action, reason } => {
                    let v = visits::act_as_host(&ctx, &me, &id, &action, reason).await?;
                    let _ = writeln!(out, "{}", line(&v));
                }
            }
            ctx.shutdown();
        }
        Command::Federation(FederationCommand::Status) => {
            let ctx = prepared(&config, &mut out).await?;
            let (pending, failed, events) = interspace_app::outbox::depth(&ctx).await?;
            let oldest = interspace_app::outbox::oldest_pending(&ctx)
                .await?
                .map(|t| format!("{} UTC", t.format("%Y-%m-%d %H:%M:%S")))
                .unwrap_or_else(|| "none".into());
            let _ = writeln!(
                out,
                "pending deliveries: {pending}\nfailed deliveries: {failed}\nnot yet expanded: {events}\noldest pending delivery: {oldest}"
            );
            let overview = domains::overview(&ctx).await?;
            let failing: Vec<_> = overview
                .iter()
                .filter_map(|o| Some((o, o.state.as_ref()?)))
                .filter(|(_, s)| s.failures > 0 || s.unavailable_at.is_some())
                .collect();
            let blocked = overview
                .iter()
                .filter(|o| o.state.as_ref().is_some_and(|s| s.blocked_at.is_some()))
                .count();
            let _ = writeln!(out, "blocked domains: {blocked}");
            if failing.is_empty() {
                let _ = writeln!(out, "failing peers: none");
            }
            for (o, s) in failing {
                let last_failure = s
                    .last_failure_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into());
                let _ = writeln!(
                    out,
                    "failing\t{}\t{} failure(s)\tlast failure {}\t{}\t{} pending",
                    o.domain,
                    s.failures,
                    last_failure,
                    match s.unavailable_at {
                        Some(t) => format!("unavailable since {}", t.format("%Y-%m-%d %H:%M:%S")),
                        None => "retrying".into(),
                    },
                    o.pending_deliveries
                );
            }
            ctx.shutdown();
        }
        Command::Backup { output } => {
            let db = interspace_db::DbPool::connect(&config.database.url, 2).await?;
            let summary = interspace_app::backup::backup(
                &db,
                std::path::Path::new(&config.media.path),
                &config.server.domain,
                &config.effective(),
                &output,
                &mut progress_bar(),
            )
            .await?;
            let _ = writeln!(
                out,
                "backup written to {}: {}",
                output.display(),
                summary_line(&summary)
            );
        }
        Command::Restore { file } => {
            let new_sqlite_file = config
                .database
                .sqlite_path()
                .filter(|p| !std::path::Path::new(p).exists());
            let db = interspace_db::DbPool::connect(&config.database.url, 2).await?;
            let restored = interspace_app::backup::restore(
                &db,
                std::path::Path::new(&config.media.path),
                &config.server.domain,
                &file,
                &mut progress_bar(),
            )
            .await;
            db.close();
            if let (Err(_), Some(path)) = (&restored, new_sqlite_file) {
                // Leave no half-made database behind: the next attempt finds none.
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            let summary = restored?;
            let _ = writeln!(
                out,
                "restored from {}: {}; {} newer migration(s) applied",
                file.display(),
                summary_line(&summary),
                summary.migrated_after
            );
        }
        Command::Db(DbCommand::Copy { from, to }) => {
            if from.trim() == to.trim() {
                return Err(StartupError::Config(
                    "--from and --to name the same database".into(),
                ));
            }
            let source = interspace_db::DbPool::connect(&from, 2).await?;
            let target = interspace_db::DbPool::connect(&to, 2).await?;
            let summary =
                interspace_app::backup::copy(&source, &target, &mut progress_bar()).await?;
            let _ = writeln!(
                out,
                "copied {} ({} tables, counts checked); {} newer migration(s) applied",
                format_args!("{} rows", summary.rows),
                summary.tables,
                summary.migrated_after
            );
        }
        Command::Media(MediaCommand::Prune { older_than }) => {
            let ctx = prepared(&config, &mut out).await?;
            let pruned = interspace_app::media::prune(&ctx, older_than).await?;
            let _ = writeln!(
                out,
                "removed {} unattached upload(s) and {} orphan file(s), {} bytes",
                pruned.unattached, pruned.orphan_files, pruned.bytes
            );
            ctx.shutdown();
        }
        Command::Queue => {
            let ctx = prepared(&config, &mut out).await?;
            let (pending, failed, events) = interspace_app::outbox::depth(&ctx).await?;
            let _ = writeln!(
                out,
                "pending: {pending}\nfailed: {failed}\nnot yet expanded: {events}"
            );
            for d in interspace_app::outbox::undelivered(&ctx, 50).await? {
                let _ = writeln!(
                    out,
                    "{}\t{}\t{} attempt(s)\tnext {}\t{}\t{}",
                    d.state,
                    d.inbox,
                    d.attempts,
                    d.next_attempt_at.format("%Y-%m-%d %H:%M:%S"),
                    d.activity_id,
                    d.last_error.unwrap_or_default()
                );
            }
            ctx.shutdown();
        }
        Command::Space(cmd) => {
            let ctx = prepared(&config, &mut out).await?;
            let details = match cmd {
                SpaceCommand::Show => spaces::show(&ctx).await?,
                SpaceCommand::Update(u) => {
                    spaces::update(
                        &ctx,
                        SpaceUpdate {
                            name: u.name,
                            summary: u.summary,
                            address: u.address,
                            postal_code: u.postal_code,
                            locality: u.locality,
                            country: u.country,
                            hours: u.hours,
                            timezone: u.timezone,
                            ..Default::default()
                        },
                    )
                    .await?
                }
            };
            let a = &details.account;
            let _ = writeln!(out, "handle:   @{}@{}", a.username, ctx.urls().domain());
            let _ = writeln!(out, "id:       {}", a.uri);
            let _ = writeln!(out, "name:     {}", a.display_name);
            let _ = writeln!(out, "summary:  {}", a.note);
            let _ = writeln!(out, "address:  {}", details.location.one_line());
            let _ = writeln!(out, "hours:    {}", details.space.hours);
            let _ = writeln!(out, "timezone: {}", details.space.timezone);
            let _ = writeln!(out, "visits:   {}", details.visit_policy.mode);
            let _ = writeln!(out, "members:  {}", details.members_count);
            ctx.shutdown();
        }
    }
    Ok(out)
}
