//! `/events`: the `Event` and `Participation` entities, RSVPs, and one event as iCalendar.

use super::input::{lenient, Input, Lookup, Note, Paging, StateFilter};
use super::render::{Page, SpaceEntity};
use super::InterspaceError;
use crate::calendar::calendar_response;
use crate::extract::{Authed, MaybeAuthed};
use crate::mastodon::entities::{datetime, AccountEntity, Renderer};
use crate::paging::paged_response;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::events::{
    self, EventFilter, EventId, EventInput, EventView, Participation, ParticipationId, Place,
};
use interspace_app::oauth::Auth;
use interspace_app::{Account, AppContext, AppError};
use interspace_core::events::ParticipationState;
use interspace_core::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::json;

fn invalid(field: &'static str, reason: &str) -> InterspaceError {
    AppError::Validation(ValidationError::new(field, reason)).into()
}

/// Reading needs `read:events` when a token is given; anyone may read public events.
fn reader(auth: &MaybeAuthed) -> Result<Option<&Account>, InterspaceError> {
    match &auth.0 {
        None => Ok(None),
        Some(a) => {
            a.require("read:events")?;
            Ok(a.account().ok())
        }
    }
}

fn writer(auth: &Authed) -> Result<&Auth, InterspaceError> {
    auth.0.require("write:events")?;
    Ok(&auth.0)
}

/// The Interspace API's Participation.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipationEntity {
    pub id: String,
    pub event_id: String,
    pub account: AccountEntity,
    pub state: ParticipationState,
    pub message: Option<String>,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn participation_json(
    r: &mut Renderer<'_>,
    p: &Participation,
    account: &Account,
) -> Result<ParticipationEntity, InterspaceError> {
    Ok(ParticipationEntity {
        id: p.id.clone(),
        event_id: p.event_id.clone(),
        account: r.account(account).await?,
        state: p.state,
        message: p.message.clone(),
        reason: p.reason.clone(),
        reason_code: p.reason_code.clone(),
        created_at: datetime(p.created_at),
        updated_at: datetime(p.updated_at),
    })
}

/// Where an event takes place, by `kind`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PlaceEntity {
    Space {
        space: Option<Box<SpaceEntity>>,
        room: Option<String>,
    },
    Online {
        url: Option<String>,
        name: Option<String>,
    },
    Address {
        name: Option<String>,
        room: Option<String>,
        street: Option<String>,
        postal_code: Option<String>,
        locality: Option<String>,
        region: Option<String>,
        country: Option<String>,
    },
}

/// The Interspace API's Event.
#[derive(Debug, Clone, Serialize)]
pub struct EventEntity {
    pub id: String,
    pub uri: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    pub timezone: String,
    pub place: PlaceEntity,
    pub organizer: AccountEntity,
    pub space: Option<SpaceEntity>,
    pub category: Option<String>,
    pub capacity: Option<i64>,
    pub join_mode: String,
    pub external_url: Option<String>,
    pub waitlist: bool,
    pub status: String,
    pub previous_starts_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub visibility: String,
    pub participants_count: i64,
    pub waitlist_count: i64,
    pub seats_left: Option<i64>,
    pub my_participation: Option<ParticipationEntity>,
    pub local: bool,
    pub ics_url: String,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn event_json(
    page: &mut Page<'_>,
    v: &EventView,
    me: Option<&Account>,
) -> Result<EventEntity, InterspaceError> {
    let ctx = page.ctx;
    let e = &v.event;
    let space = match &v.space {
        Some(s) => Some(page.space(s).await?),
        None => None,
    };
    let p = &v.place;
    let place = match p.kind.as_str() {
        "space" => PlaceEntity::Space {
            space: space.clone().map(Box::new),
            room: p.room.clone(),
        },
        "online" => PlaceEntity::Online {
            url: p.url.clone(),
            name: p.name.clone(),
        },
        _ => PlaceEntity::Address {
            name: p.name.clone(),
            room: p.room.clone(),
            street: p.street.clone(),
            postal_code: p.postal_code.clone(),
            locality: p.locality.clone(),
            region: p.region.clone(),
            country: p.country.clone(),
        },
    };
    let my_participation = match (&v.mine, me) {
        (Some(m), Some(a)) => Some(participation_json(&mut page.accounts, m, a).await?),
        _ => None,
    };
    Ok(EventEntity {
        id: e.id.clone(),
        uri: e.uri.clone(),
        url: e.url.clone().unwrap_or_else(|| e.uri.clone()),
        title: e.title.clone(),
        description: e.description.clone(),
        starts_at: datetime(e.starts_at),
        ends_at: datetime(e.ends_at),
        timezone: e.timezone.clone(),
        place,
        organizer: page.account(&v.organizer).await?,
        space,
        category: e.category.clone(),
        capacity: e.capacity,
        join_mode: e.join_mode.clone(),
        external_url: e.external_url.clone(),
        waitlist: e.waitlist,
        status: e.status.clone(),
        previous_starts_at: e.previous_starts_at.map(datetime),
        cancel_reason: e.cancel_reason.clone(),
        visibility: e.visibility.clone(),
        participants_count: e.participants_count,
        waitlist_count: e.waitlist_count,
        seats_left: v.seats_left,
        my_participation,
        local: e.is_local,
        ics_url: ctx
            .urls()
            .path(&format!("/api/interspace/v1/events/{}/ics", e.id))
            .to_string(),
        created_at: datetime(e.created_at),
        updated_at: datetime(e.updated_at),
    })
}

/// The writable fields of an event, from a JSON or form body.
#[derive(Debug, Deserialize)]
pub struct EventForm {
    #[serde(default, deserialize_with = "lenient::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    starts_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    ends_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    timezone: Option<String>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    place: Option<Option<Place>>,
    #[serde(default, deserialize_with = "lenient::text")]
    category: Option<String>,
    #[serde(default, deserialize_with = "lenient::clearable_whole")]
    capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "lenient::text")]
    join_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    external_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    waitlist: Option<bool>,
    #[serde(default, deserialize_with = "lenient::text")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    status: Option<String>,
    /// Organise as this instance's space (when creating).
    #[serde(default, deserialize_with = "lenient::id")]
    space_id: Option<String>,
}

impl EventForm {
    async fn into_input(
        self,
        ctx: &AppContext,
        creating: bool,
    ) -> Result<EventInput, InterspaceError> {
        let as_space = match self.space_id.filter(|_| creating) {
            None => false,
            Some(id) if id == interspace_app::spaces::show(ctx).await?.space.id => true,
            Some(_) => {
                return Err(invalid(
                    "space_id",
                    "events are organised as this instance's own space only",
                ))
            }
        };
        Ok(EventInput {
            title: self.title,
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            timezone: self.timezone,
            place: self.place.flatten(),
            category: self.category,
            capacity: self.capacity,
            join_mode: self.join_mode,
            external_url: self.external_url,
            waitlist: self.waitlist,
            visibility: self.visibility,
            status: self.status,
            as_space,
        })
    }
}

/// `GET /events`
#[derive(Debug, Deserialize)]
pub struct EventQuery {
    #[serde(flatten)]
    paging: Paging,
    #[serde(default, deserialize_with = "lenient::id")]
    when: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    space_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    organizer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    local: Option<bool>,
}

pub async fn list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    Input(q): Input<EventQuery>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let paging = q.paging.page(20, 80);
    let upcoming = match q.when.as_deref() {
        None | Some("upcoming") => true,
        Some("past") => false,
        Some(_) => return Err(invalid("when", "is upcoming or past")),
    };
    let after = match &paging.max_id {
        Some(id) => {
            let last = events::get(&ctx, &EventId::from(id), me).await?;
            Some((last.event.starts_at, last.event.id))
        }
        None => None,
    };
    let filter = EventFilter {
        upcoming,
        space_id: q.space_id,
        organizer_id: q.organizer_id,
        local: q.local,
        after,
        limit: paging.limit,
        ..EventFilter::default()
    };
    let list = events::list(&ctx, me, filter).await?;
    let mut page = Page::new(&ctx);
    page.preload(list.iter().map(|v| &v.organizer)).await?;
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(event_json(&mut page, v, me).await?);
    }
    let ids: Vec<String> = list.iter().map(|v| v.event.id.clone()).collect();
    Ok(paged_response(&req, ctx.urls().base(), out, &ids))
}

pub async fn lookup(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    Input(q): Input<Lookup>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let v = events::lookup(&ctx, &q.uri()?, me).await?;
    Ok(HttpResponse::Ok().json(event_json(&mut Page::new(&ctx), &v, me).await?))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<EventId>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let v = events::get(&ctx, &id, me).await?;
    Ok(HttpResponse::Ok().json(event_json(&mut Page::new(&ctx), &v, me).await?))
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<EventForm>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let me = auth.user()?;
    let v = events::create(&ctx, me, form.into_input(&ctx, true).await?).await?;
    Ok(HttpResponse::Ok().json(event_json(&mut Page::new(&ctx), &v, Some(&me.1)).await?))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<EventId>,
    Input(form): Input<EventForm>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let me = auth.user()?;
    let v = events::update(&ctx, me, &id, form.into_input(&ctx, false).await?).await?;
    Ok(HttpResponse::Ok().json(event_json(&mut Page::new(&ctx), &v, Some(&me.1)).await?))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<EventId>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    events::delete(&ctx, auth.user()?, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn cancel(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<EventId>,
    Input(note): Input<Note>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let me = auth.user()?;
    let v = events::cancel(&ctx, me, &id, note.reason).await?;
    Ok(HttpResponse::Ok().json(event_json(&mut Page::new(&ctx), &v, Some(&me.1)).await?))
}

pub async fn join(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<EventId>,
    Input(note): Input<Note>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let me = auth.account()?;
    let part = events::join(&ctx, me, &id, note.message).await?;
    let mut r = Renderer::new(&ctx);
    Ok(HttpResponse::Ok().json(participation_json(&mut r, &part, me).await?))
}

pub async fn leave(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<EventId>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let me = auth.account()?;
    let part = events::leave(&ctx, me, &id).await?;
    let mut r = Renderer::new(&ctx);
    Ok(HttpResponse::Ok().json(participation_json(&mut r, &part, me).await?))
}

pub async fn participants(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<EventId>,
    Input(q): Input<StateFilter>,
) -> Result<HttpResponse, InterspaceError> {
    reader(&auth)?;
    let me = auth
        .0
        .as_ref()
        .and_then(|a| a.user().ok())
        .map(|(u, a)| (u, a));
    let list = events::participants(&ctx, me, &id, q.state.as_deref()).await?;
    let mut r = Renderer::new(&ctx);
    let mut out = Vec::with_capacity(list.len());
    for (part, account) in &list {
        out.push(participation_json(&mut r, part, account).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `POST /events/:id/participants/:participation_id/{approve|reject}`
pub async fn decide(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(EventId, ParticipationId, String)>,
    Input(note): Input<Note>,
) -> Result<HttpResponse, InterspaceError> {
    let auth = writer(&auth)?;
    let (event_id, participation_id, action) = path.into_inner();
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(InterspaceError(crate::ApiError::NotFound)),
    };
    let me = auth.user()?;
    let part = events::decide(&ctx, me, &event_id, &participation_id, approve, note.reason).await?;
    let account = interspace_app::accounts::get_any(&ctx, &part.account_id).await?;
    let mut r = Renderer::new(&ctx);
    Ok(HttpResponse::Ok().json(participation_json(&mut r, &part, &account).await?))
}

pub async fn ics(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<EventId>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let body = events::event_ics(&ctx, &id, me).await?;
    Ok(calendar_response(body, "event"))
}
