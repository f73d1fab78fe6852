//! Files attached to posts.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, SqlitePool};

/// What a page shows about an attachment (not its bytes).
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Attachment {
    /// The row id, also its URL: `/attachments/{id}`.
    pub(crate) id: i64,
    /// The name the browser sent, reduced to its last path component.
    pub(crate) file_name: String,
    /// Its size in bytes.
    pub(crate) size: i64,
}

/// An attachment's content, for the download.
#[derive(Debug, FromRow)]
pub(crate) struct Download {
    /// The post it belongs to (a draft's files are its author's only).
    pub(crate) post_id: i64,
    /// The name the browser sent.
    pub(crate) file_name: String,
    /// The content.
    pub(crate) bytes: Vec<u8>,
}

/// Stores a file for a post; returns its id.
pub(crate) async fn insert(
    db: &SqlitePool,
    post_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, sqlx::Error> {
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    sqlx::query_scalar(
        "INSERT INTO attachments (post_id, file_name, size, bytes) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(post_id)
    .bind(file_name)
    .bind(size)
    .bind(bytes)
    .fetch_one(db)
    .await
}

/// The files of a post, oldest first.
pub(crate) async fn list(db: &SqlitePool, post_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    sqlx::query_as("SELECT id, file_name, size FROM attachments WHERE post_id = ? ORDER BY id")
        .bind(post_id)
        .fetch_all(db)
        .await
}

/// One file with its content.
pub(crate) async fn download(db: &SqlitePool, id: i64) -> Result<Option<Download>, sqlx::Error> {
    sqlx::query_as("SELECT post_id, file_name, bytes FROM attachments WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::posts::{self, Status};
    use crate::db::{memory_db, user_by_name};

    #[tokio::test]
    async fn files_are_stored_and_go_with_their_post() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let post = posts::insert(&db, alice.id, "One", "", Status::Published)
            .await
            .unwrap();
        let id = insert(&db, post, "notes.txt", b"hello").await.unwrap();
        let listed = list(&db, post).await.unwrap();
        assert_eq!(
            (listed[0].file_name.as_str(), listed[0].size),
            ("notes.txt", 5)
        );
        assert_eq!(download(&db, id).await.unwrap().unwrap().bytes, b"hello");
        posts::delete(&db, post).await.unwrap();
        assert!(download(&db, id).await.unwrap().is_none());
    }
}
