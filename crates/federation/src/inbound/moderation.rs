//! Reports (`Flag`) and blocks (`Block`, and its Undo by the blocker only).

use super::{required, Received};
use crate::protocol::inbound::{Embedded, Flag, Reference};
use crate::FederationError;
use interspace_app::{blocks, reports};

pub(super) async fn flag(r: &Received<'_>, f: &Flag) -> Result<(), FederationError> {
    let content = f.content.get().unwrap_or_default();
    Ok(reports::receive_flag(r.ctx(), r.actor, r.id, &f.object.0, content).await?)
}

pub(super) async fn block(r: &Received<'_>, object: &Reference) -> Result<(), FederationError> {
    let target = required(object.id(), "Block without object")?;
    Ok(blocks::receive_block(r.ctx(), r.actor, target, r.id, false).await?)
}

pub(super) async fn unblock(r: &Received<'_>, block: &Embedded) -> Result<(), FederationError> {
    if block.actor.id() != Some(r.actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "only the blocker lifts a block".into(),
        ));
    }
    let target = block.object.id().unwrap_or_default();
    Ok(blocks::receive_block(r.ctx(), r.actor, target, r.id, true).await?)
}
