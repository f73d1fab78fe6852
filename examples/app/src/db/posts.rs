//! Posts: published or draft, with their pending edits, likes and views.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, SqlitePool};

/// Whether a post is listed for everyone or still its author's draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, Serialize, Deserialize)]
#[sqlx(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Seen by its author only.
    Draft,
    /// Listed and seen by everyone.
    Published,
}

/// A post with its author's name.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Post {
    /// The row id, also the post's URL: `/posts/{id}`.
    pub(crate) id: i64,
    /// Who wrote it.
    pub(crate) author_id: i64,
    /// The author's display name.
    pub(crate) author_name: String,
    /// 1 to 120 characters (a draft's may be empty).
    pub(crate) title: String,
    /// Up to 10 000 characters.
    pub(crate) body: String,
    /// Draft or published.
    pub(crate) status: Status,
    /// Edits saved but not published yet.
    pub(crate) draft_title: Option<String>,
    /// Edits saved but not published yet.
    pub(crate) draft_body: Option<String>,
    /// When the edits were last saved (UTC).
    pub(crate) draft_saved_at: Option<String>,
    /// How many times it was liked.
    pub(crate) likes: i64,
    /// When it was written (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub(crate) created_at: String,
}

impl Post {
    /// The title the edit form starts with: the saved draft's, else the published one.
    pub(crate) fn editing_title(&self) -> &str {
        self.draft_title.as_deref().unwrap_or(&self.title)
    }

    /// The text the edit form starts with: the saved draft's, else the published one.
    pub(crate) fn editing_body(&self) -> &str {
        self.draft_body.as_deref().unwrap_or(&self.body)
    }
}

/// One line of a list of posts.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Summary {
    /// The row id.
    pub(crate) id: i64,
    /// The title.
    pub(crate) title: String,
    /// The author's display name.
    pub(crate) author_name: String,
    /// When it was written (UTC).
    pub(crate) created_at: String,
}

/// The columns of [`Post`], joined with the author.
const POST_COLUMNS: &str = "SELECT posts.id, posts.author_id, users.name AS author_name, \
     posts.title, posts.body, posts.status, posts.draft_title, posts.draft_body, \
     posts.draft_saved_at, posts.likes, posts.created_at \
     FROM posts JOIN users ON users.id = posts.author_id";

/// The columns of [`Summary`].
const SUMMARY_COLUMNS: &str = "SELECT posts.id, posts.title, users.name AS author_name, \
     posts.created_at FROM posts JOIN users ON users.id = posts.author_id";

/// Every published post, newest first.
pub(crate) async fn list_published(db: &SqlitePool) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY_COLUMNS} WHERE posts.status = 'published' ORDER BY posts.id DESC"
    ))
    .fetch_all(db)
    .await
}

/// The user's drafts and posts with unpublished edits, newest first.
pub(crate) async fn list_drafts(db: &SqlitePool, author: i64) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY_COLUMNS} WHERE posts.author_id = ? \
         AND (posts.status = 'draft' OR posts.draft_saved_at IS NOT NULL) ORDER BY posts.id DESC"
    ))
    .bind(author)
    .fetch_all(db)
    .await
}

/// One post, if it exists.
pub(crate) async fn find(db: &SqlitePool, id: i64) -> Result<Option<Post>, sqlx::Error> {
    sqlx::query_as(&format!("{POST_COLUMNS} WHERE posts.id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Stores a new post; returns its id.
pub(crate) async fn insert(
    db: &SqlitePool,
    author_id: i64,
    title: &str,
    body: &str,
    status: Status,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO posts (author_id, title, body, status) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(author_id)
    .bind(title)
    .bind(body)
    .bind(status)
    .fetch_one(db)
    .await
}

/// Keeps edits without publishing them; returns when they were saved (UTC).
pub(crate) async fn save_draft(
    db: &SqlitePool,
    id: i64,
    title: &str,
    body: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE posts SET draft_title = ?, draft_body = ?, draft_saved_at = CURRENT_TIMESTAMP \
         WHERE id = ? RETURNING draft_saved_at",
    )
    .bind(title)
    .bind(body)
    .bind(id)
    .fetch_one(db)
    .await
}

/// Publishes a post with this text; pending edits are dropped (the text is the newest).
pub(crate) async fn publish(
    db: &SqlitePool,
    id: i64,
    title: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE posts SET title = ?, body = ?, status = 'published', draft_title = NULL, \
         draft_body = NULL, draft_saved_at = NULL WHERE id = ?",
    )
    .bind(title)
    .bind(body)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes a post and its attachments (nothing happens for an unknown id).
pub(crate) async fn delete(db: &SqlitePool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM posts WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds a like to a published post; returns the new count (`None`: no such published post).
pub(crate) async fn like(db: &SqlitePool, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE posts SET likes = likes + 1 WHERE id = ? AND status = 'published' RETURNING likes",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Counts a view of a post; returns the new count (`None`: no such post).
pub(crate) async fn record_view(db: &SqlitePool, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE posts SET views = views + 1 WHERE id = ? RETURNING views")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// How many views a post has had.
pub(crate) async fn views(db: &SqlitePool, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT views FROM posts WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
        .map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{memory_db, user_by_name};

    #[tokio::test]
    async fn only_published_posts_are_listed() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let first = insert(&db, alice.id, "One", "first", Status::Published)
            .await
            .unwrap();
        insert(&db, alice.id, "Draft", "", Status::Draft)
            .await
            .unwrap();
        let second = insert(&db, alice.id, "Two", "second", Status::Published)
            .await
            .unwrap();
        let ids: Vec<i64> = list_published(&db)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, [second, first]);
        let drafts = list_drafts(&db, alice.id).await.unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].title, "Draft");
    }

    #[tokio::test]
    async fn a_draft_waits_until_published() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let id = insert(&db, alice.id, "Old", "old text", Status::Published)
            .await
            .unwrap();
        save_draft(&db, id, "New", "new text").await.unwrap();
        let post = find(&db, id).await.unwrap().unwrap();
        assert_eq!((post.title.as_str(), post.editing_title()), ("Old", "New"));
        assert_eq!(list_drafts(&db, alice.id).await.unwrap().len(), 1);
        publish(&db, id, "Newer", "newer text").await.unwrap();
        let post = find(&db, id).await.unwrap().unwrap();
        assert_eq!(
            (post.title.as_str(), post.editing_body()),
            ("Newer", "newer text")
        );
        assert!(post.draft_saved_at.is_none());
        assert!(list_drafts(&db, alice.id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn likes_and_views_count() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let id = insert(&db, alice.id, "One", "", Status::Published)
            .await
            .unwrap();
        let draft = insert(&db, alice.id, "Two", "", Status::Draft)
            .await
            .unwrap();
        assert_eq!(like(&db, id).await.unwrap(), Some(1));
        assert_eq!(like(&db, id).await.unwrap(), Some(2));
        assert_eq!(
            like(&db, draft).await.unwrap(),
            None,
            "drafts take no likes"
        );
        assert_eq!(record_view(&db, id).await.unwrap(), Some(1));
        assert_eq!(views(&db, id).await.unwrap(), 1);
        assert_eq!(record_view(&db, 999).await.unwrap(), None);
    }

    #[tokio::test]
    async fn deleted_ids_are_not_reused() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        let id = insert(&db, alice.id, "One", "", Status::Published)
            .await
            .unwrap();
        delete(&db, id).await.unwrap();
        assert!(find(&db, id).await.unwrap().is_none());
        let next = insert(&db, alice.id, "Two", "", Status::Published)
            .await
            .unwrap();
        assert!(next > id);
    }
}
