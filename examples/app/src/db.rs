//! The SQLite database: opening it (with the embedded migrations) and every query the app runs.
//!
//! Queries are checked at run time (`sqlx::query_as` with `FromRow`), not by the compile-time
//! macros, so that building the example needs no `DATABASE_URL`.

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

/// A post with its author's name.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct Post {
    /// The row id, also the post's URL: `/posts/{id}`.
    pub(crate) id: i64,
    /// Who wrote it.
    pub(crate) author_id: i64,
    /// The author's display name.
    pub(crate) author_name: String,
    /// 1 to 120 characters.
    pub(crate) title: String,
    /// Up to 10 000 characters.
    pub(crate) body: String,
    /// When it was written (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub(crate) created_at: String,
}

/// The columns of [`Post`], joined with the author.
const POST_COLUMNS: &str = "SELECT posts.id, posts.author_id, users.name AS author_name, \
     posts.title, posts.body, posts.created_at FROM posts JOIN users ON users.id = posts.author_id";

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

/// Every post, newest first.
pub(crate) async fn list_posts(db: &SqlitePool) -> Result<Vec<Post>, sqlx::Error> {
    sqlx::query_as(&format!("{POST_COLUMNS} ORDER BY posts.id DESC"))
        .fetch_all(db)
        .await
}

/// One post, if it exists.
pub(crate) async fn find_post(db: &SqlitePool, id: i64) -> Result<Option<Post>, sqlx::Error> {
    sqlx::query_as(&format!("{POST_COLUMNS} WHERE posts.id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Stores a new post; returns its id.
pub(crate) async fn insert_post(
    db: &SqlitePool,
    author_id: i64,
    title: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO posts (author_id, title, body) VALUES (?, ?, ?) RETURNING id")
        .bind(author_id)
        .bind(title)
        .bind(body)
        .fetch_one(db)
        .await
}

/// Deletes a post (nothing happens for an unknown id).
pub(crate) async fn delete_post(db: &SqlitePool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM posts WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database in memory with the migrations applied.
    async fn memory_db() -> SqlitePool {
        // One connection: every connection to `:memory:` would be a different database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::migrate!().run(&pool).await.unwrap();
        pool
    }

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

    #[tokio::test]
    async fn posts_are_stored_listed_and_deleted() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let first = insert_post(&db, alice.id, "One", "first").await.unwrap();
        let second = insert_post(&db, alice.id, "Two", "second").await.unwrap();
        let titles: Vec<String> = list_posts(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(titles, ["Two", "One"]);
        let post = find_post(&db, first).await.unwrap().unwrap();
        assert_eq!(
            (post.author_name.as_str(), post.body.as_str()),
            ("alice", "first")
        );
        delete_post(&db, first).await.unwrap();
        assert!(find_post(&db, first).await.unwrap().is_none());
        assert!(find_post(&db, second).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn deleted_ids_are_not_reused() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let id = insert_post(&db, alice.id, "One", "").await.unwrap();
        delete_post(&db, id).await.unwrap();
        assert!(insert_post(&db, alice.id, "Two", "").await.unwrap() > id);
    }
}
