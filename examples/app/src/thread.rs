//! The message thread: `send_message` (the seeds' `send`, shown with an optimistic append).

use actum::{ActionError, action};
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db::messages;

/// The longest message, in characters.
pub(crate) const MESSAGE_MAX_CHARS: usize = 500;

/// The message form.
#[derive(Debug, Deserialize, garde::Validate)]
pub(crate) struct NewMessage {
    /// 1 to 500 characters once trimmed.
    #[garde(custom(message_rule))]
    message: String,
}

/// Adds a message to the thread, signed by the signed-in user.
#[action]
pub(crate) async fn send_message(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: NewMessage,
) -> Result<(), ActionError> {
    messages::insert(&st.db, user.id, input.message.trim()).await?;
    actum::revalidate_path("/thread");
    Ok(())
}

/// A message has 1 to 500 characters once trimmed.
fn message_rule(message: &str, _: &()) -> garde::Result {
    let message = message.trim();
    if message.is_empty() {
        return Err(garde::Error::new("write a message first"));
    }
    if message.chars().count() > MESSAGE_MAX_CHARS {
        let limit = format!("a message must have at most {MESSAGE_MAX_CHARS} characters");
        return Err(garde::Error::new(limit));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_length() {
        assert!(message_rule(" hi ", &()).is_ok());
        assert!(message_rule("   ", &()).is_err());
        assert!(message_rule(&"x".repeat(MESSAGE_MAX_CHARS + 1), &()).is_err());
    }
}
