//! The SQLite database: opening it (with the embedded migrations) and every query the app runs.
//!
//! Queries are checked at run time (`sqlx::query_as` with `FromRow`), not by the compile-time
//! macros, so that building the example needs no `DATABASE_URL`. One module per table group.

pub(crate) mod attachments;
pub(crate) mod invoices;
pub(crate) mod messages;
pub(crate) mod posts;

use std::path::Path;

use sqlx::FromRow;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// Opens (creating it if missing) the database file at `path` and brings its schema up to date.
pub(crate) async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new().connect_with(options).await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// A user, known by a display name.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub(crate) struct User {
    /// The row id.
    pub(crate) id: i64,
    /// The display name (unique).
    pub(crate) name: String,
}

/// Finds the user with this display name, creating it on first use.
pub(crate) async fn user_by_name(db: &SqlitePool, name: &str) -> Result<User, sqlx::Error> {
    // The no-op update makes RETURNING yield the existing row too, in one statement.
    sqlx::query_as(
        "INSERT INTO users (name) VALUES (?) \
         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, name",
    )
    .bind(name)
    .fetch_one(db)
    .await
}

/// Starts a session for a user; returns its token: 128 random bits from SQLite, hex-encoded.
pub(crate) async fn create_session(db: &SqlitePool, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sessions (token, user_id) VALUES (lower(hex(randomblob(16))), ?) RETURNING token",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// The user a session token belongs to, if the session exists.
pub(crate) async fn session_user(
    db: &SqlitePool,
    token: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT users.id, users.name FROM sessions JOIN users ON users.id = sessions.user_id \
         WHERE sessions.token = ?",
    )
    .bind(token)
    .fetch_optional(db)
    .await
}

/// Ends a session (nothing happens for an unknown token).
pub(crate) async fn delete_session(db: &SqlitePool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token = ?")
        .bind(token)
        .execute(db)
        .await?;
    Ok(())
}

/// A database in memory with the migrations applied, for the unit tests of every query module.
#[cfg(test)]
pub(crate) async fn memory_db() -> SqlitePool {
    // One connection: every connection to `:memory:` would be a different database.
    #[allow(clippy::unwrap_used, reason = "test support")]
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    #[allow(clippy::unwrap_used, reason = "test support")]
    sqlx::migrate!().run(&pool).await.unwrap();
    pool
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::memory_db;

    #[tokio::test]
    async fn a_name_is_one_user() {
        let db = memory_db().await;
        let first = user_by_name(&db, "alice").await.unwrap();
        let again = user_by_name(&db, "alice").await.unwrap();
        let other = user_by_name(&db, "bob").await.unwrap();
        assert_eq!(first, again);
        assert_ne!(first.id, other.id);
    }

    #[tokio::test]
    async fn sessions_have_random_hex_tokens_and_end() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let token = create_session(&db, alice.id).await.unwrap();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(token, create_session(&db, alice.id).await.unwrap());
        assert_eq!(session_user(&db, &token).await.unwrap(), Some(alice));
        delete_session(&db, &token).await.unwrap();
        assert_eq!(session_user(&db, &token).await.unwrap(), None);
        assert_eq!(session_user(&db, "unknown").await.unwrap(), None);
    }
}
