//! `/report guardrails`: the KPI guardrails as they stand today (see [`crate::guardrails`]).

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::Reply;

pub(super) async fn handle(app: &App, _inv: &Invocation) -> Result<Reply, CommandError> {
    super::require_ledger(app).await?;
    crate::guardrails::status_reply(app).await.map_err(CommandError::Internal)
}
