//! The message thread.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, SqlitePool};

/// How many of the latest messages the thread shows.
const SHOWN: i64 = 100;

/// A message with its author's name.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Message {
    /// The row id.
    pub(crate) id: i64,
    /// The author's display name.
    pub(crate) author_name: String,
    /// The text.
    pub(crate) body: String,
    /// When it was sent (UTC).
    pub(crate) created_at: String,
}

/// Adds a message to the thread.
pub(crate) async fn insert(db: &SqlitePool, author_id: i64, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO messages (author_id, body) VALUES (?, ?)")
        .bind(author_id)
        .bind(body)
        .execute(db)
        .await?;
    Ok(())
}

/// The latest messages, oldest first.
pub(crate) async fn latest(db: &SqlitePool) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM (SELECT messages.id, users.name AS author_name, messages.body, \
         messages.created_at FROM messages JOIN users ON users.id = messages.author_id \
         ORDER BY messages.id DESC LIMIT ?) ORDER BY id",
    )
    .bind(SHOWN)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{memory_db, user_by_name};

    #[tokio::test]
    async fn the_thread_reads_oldest_first() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        insert(&db, alice.id, "first").await.unwrap();
        insert(&db, alice.id, "second").await.unwrap();
        let bodies: Vec<String> = latest(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(bodies, ["first", "second"]);
    }
}
