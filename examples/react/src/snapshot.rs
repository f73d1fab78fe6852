//! `GET /api/state`: what the components start from (the seeds' server components pass it down
//! as props; a Vite app fetches it).

use actum::prelude::*;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::AppState;
use crate::actions::{Avatar, Entry, Message, delete_entry};

/// The data, with each entry's sealed delete URL.
#[derive(Serialize)]
pub(crate) struct Snapshot {
    likes: u32,
    views: u32,
    users: Vec<String>,
    messages: Vec<Message>,
    draft: String,
    posts: Vec<String>,
    entries: Vec<ListedEntry>,
    avatar: Option<Avatar>,
}

/// An entry and the URL that deletes it.
#[derive(Serialize)]
struct ListedEntry {
    #[serde(flatten)]
    entry: Entry,
    delete_url: String,
}

pub(crate) async fn snapshot(State(state): State<AppState>) -> Json<Snapshot> {
    let data = state.lock();
    Json(Snapshot {
        likes: data.likes,
        views: data.views,
        users: data.users.clone(),
        messages: data.messages.clone(),
        draft: data.draft.clone(),
        posts: data.posts.clone(),
        entries: data
            .entries
            .iter()
            .map(|entry| ListedEntry {
                entry: entry.clone(),
                delete_url: delete_entry.bind(entry.id).to_string(),
            })
            .collect(),
        avatar: data.avatar.clone(),
    })
}
