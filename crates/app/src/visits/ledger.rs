//! The ledger of a partnership: visits both ways in a month, as both sides record them.

use super::*;

/// A month's visits between our space and a partner, both ways: (visits, days) and per member.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub month: String,
    pub ours_there: (i64, i64),
    pub theirs_here: (i64, i64),
    /// (member, `ours_there` or `theirs_here`, days)
    pub by_member: Vec<(Account, &'static str, i64)>,
}

/// The ledger as CSV (RFC 4180: CRLF, quoted handles): one line per member and direction.
pub fn ledger_csv(ctx: &AppContext, l: &Ledger) -> String {
    let mut csv = String::from("month,direction,member,days\r\n");
    for (a, direction, days) in &l.by_member {
        let who = crate::accounts::acct_with_domain(ctx, a).replace('"', "\"\"");
        csv.push_str(&format!("{},{direction},\"{who}\",{days}\r\n", l.month));
    }
    csv
}

/// The ledger of a partnership for `month` (`YYYY-MM`; this month by default), as our
/// records show it.
pub async fn ledger(
    ctx: &AppContext,
    member: &(User, Account),
    partnership_id: &PartnershipId,
    month: Option<&str>,
) -> AppResult<Ledger> {
    let p = partnerships::get(ctx, &member.0, partnership_id)
        .await?
        .partnership;
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| ValidationError::new("month", "must be a month, e.g. 2026-12"))?,
        None => {
            let today = now().date();
            today.with_day(1).unwrap_or(today)
        }
    };
    let last = last_of_month(first);
    let mut conn = ctx.db.get().await?;
    let mut by_member = Vec::new();
    let mut totals = [(0i64, 0i64); 2];
    for (i, (host, home, direction)) in [
        (&p.partner_space_id, &p.space_id, "ours_there"),
        (&p.space_id, &p.partner_space_id, "theirs_here"),
    ]
    .into_iter()
    .enumerate()
    {
        for (visitor, days) in db_visits::ledger_days(&mut conn, host, home, first, last).await? {
            if let Some(a) = db_accounts::find_account_by_id(&mut conn, &visitor).await? {
                by_member.push((a, direction, days));
            }
            totals[i].1 += days;
        }
        totals[i].0 = db_visits::count_visits_in(&mut conn, host, home, first, last).await?;
    }
    Ok(Ledger {
        month: first.format("%Y-%m").to_string(),
        ours_there: totals[0],
        theirs_here: totals[1],
        by_member,
    })
}
