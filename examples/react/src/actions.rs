//! The actions the seeds' client components call. Each is reachable by a direct POST from
//! anyone, so each checks its own input; there is no sign-in in this example.

use actum::{ActionError, UploadedFile, action, redirect, revalidate_tag};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::AppState;

/// The longest text any of these actions keeps, in characters.
const MAX_TEXT: usize = 2_000;

/// `LikeButton`: one more like; the new count.
#[action]
pub(crate) async fn increment_like(State(state): State<AppState>, _: ()) -> u32 {
    let mut data = state.lock();
    data.likes += 1;
    data.likes
}

/// `ViewCount`: one more view, counted when the component mounts; the new count.
#[action]
pub(crate) async fn increment_views(State(state): State<AppState>, _: ()) -> u32 {
    let mut data = state.lock();
    data.views += 1;
    data.views
}

/// `Signup`'s form.
#[derive(Deserialize, TS)]
pub(crate) struct SignUp {
    /// The address to sign up.
    pub(crate) email: String,
}

/// `Signup` (with `useActionState` and `SubmitButton`): a field error the form shows, or the
/// dashboard.
#[action]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    input: SignUp,
) -> Result<(), ActionError> {
    let email = input.email.trim().to_lowercase();
    let Some((user, domain)) = email.split_once('@') else {
        return Err(ActionError::invalid("email", "please enter a valid email"));
    };
    if user.is_empty() || !domain.contains('.') || email.len() > 254 {
        return Err(ActionError::invalid("email", "please enter a valid email"));
    }
    let mut data = state.lock();
    if data.users.contains(&email) {
        return Err(ActionError::invalid(
            "email",
            "this email is already signed up",
        ));
    }
    data.users.push(email);
    redirect("/dashboard")
}

/// One message of `Thread`.
#[derive(Clone, Serialize, TS)]
pub(crate) struct Message {
    /// What was said.
    pub(crate) message: String,
}

/// `Thread` (with `useOptimistic`): adds a message; an empty one is refused, and the optimistic
/// copy goes away.
#[action]
pub(crate) async fn send(
    State(state): State<AppState>,
    message: String,
) -> Result<Message, ActionError> {
    let message = message.trim().to_owned();
    if message.is_empty() || message.chars().count() > MAX_TEXT {
        return Err(ActionError::invalid(
            "message",
            "a message is 1 to 2000 characters",
        ));
    }
    let sent = Message { message };
    state.lock().messages.push(sent.clone());
    revalidate_tag("messages");
    Ok(sent)
}

/// `EditPost`: keeps the draft as it is typed (the component debounces the calls).
#[action]
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    content: String,
) -> Result<(), ActionError> {
    if content.chars().count() > MAX_TEXT {
        return Err(ActionError::invalid(
            "content",
            "a post is at most 2000 characters",
        ));
    }
    state.lock().draft = content;
    Ok(())
}

/// `EditPost`'s form.
#[derive(Deserialize, TS)]
pub(crate) struct Post {
    /// The post's text.
    pub(crate) content: String,
}

/// `EditPost`: publishes the post and clears the draft.
#[action]
pub(crate) async fn publish_post(
    State(state): State<AppState>,
    input: Post,
) -> Result<(), ActionError> {
    let content = input.content.trim().to_owned();
    if content.is_empty() || content.chars().count() > MAX_TEXT {
        return Err(ActionError::invalid(
            "content",
            "a post is 1 to 2000 characters",
        ));
    }
    let mut data = state.lock();
    data.posts.push(content);
    data.draft.clear();
    revalidate_tag("posts");
    Ok(())
}

/// `Entry`'s form: the text, and a file if one was picked.
#[derive(Deserialize, TS)]
pub(crate) struct NewEntry {
    /// The text of the entry.
    pub(crate) entry: String,
    /// A file attached to it.
    #[serde(default)]
    #[ts(optional)]
    pub(crate) attachment: Option<UploadedFile>,
}

/// A saved entry.
#[derive(Clone, Serialize, TS)]
pub(crate) struct Entry {
    /// Its number.
    pub(crate) id: u32,
    /// Its text.
    pub(crate) text: String,
    /// The attached file's name and size, if any.
    pub(crate) attachment: Option<Attachment>,
}

/// What the server kept of a file: its name and size (the bytes are dropped).
#[derive(Clone, Serialize, TS)]
pub(crate) struct Attachment {
    /// The browser's file name.
    pub(crate) name: String,
    /// Its size in bytes.
    pub(crate) bytes: u32,
}

impl Attachment {
    fn of(file: &UploadedFile) -> Self {
        Self {
            name: file.file_name().unwrap_or("unnamed").to_owned(),
            bytes: u32::try_from(file.len()).unwrap_or(u32::MAX),
        }
    }
}

/// `Entry` (submitted with Cmd/Ctrl+Enter by `requestSubmit`): saves the entry.
#[action]
pub(crate) async fn add_entry(
    State(state): State<AppState>,
    input: NewEntry,
) -> Result<Entry, ActionError> {
    let text = input.entry.trim().to_owned();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ActionError::invalid(
            "entry",
            "an entry is 1 to 2000 characters",
        ));
    }
    let mut data = state.lock();
    data.next_entry += 1;
    let entry = Entry {
        id: data.next_entry,
        text,
        attachment: input.attachment.as_ref().map(Attachment::of),
    };
    data.entries.push(entry.clone());
    revalidate_tag("entries");
    Ok(entry)
}

/// Deletes an entry: its number is bound into the URL the server gave with the entry
/// (`delete_entry.bind(id)`), so a client cannot aim it at another one.
#[action]
pub(crate) async fn delete_entry(
    State(state): State<AppState>,
    #[bound] id: u32,
    _: (),
) -> Result<(), ActionError> {
    let mut data = state.lock();
    let before = data.entries.len();
    data.entries.retain(|e| e.id != id);
    if data.entries.len() == before {
        return Err(ActionError::not_found());
    }
    revalidate_tag("entries");
    Ok(())
}

/// A picture, sent as a typed object holding a `File` (so as a multipart form).
#[derive(Deserialize, TS)]
pub(crate) struct NewAvatar {
    /// The picture.
    pub(crate) picture: UploadedFile,
}

/// The avatar the server kept.
#[derive(Clone, Serialize, TS)]
pub(crate) struct Avatar {
    /// The file's name and size.
    pub(crate) picture: Attachment,
    /// Its content type, as the browser claimed it.
    pub(crate) content_type: String,
}

/// Keeps the picked picture (its name, size and type).
#[action(body_limit = 2 * 1024 * 1024)]
pub(crate) async fn upload_avatar(
    State(state): State<AppState>,
    input: NewAvatar,
) -> Result<Avatar, ActionError> {
    let content_type = input.picture.content_type().unwrap_or_default().to_owned();
    if !content_type.starts_with("image/") {
        return Err(ActionError::invalid("picture", "an avatar is an image"));
    }
    let avatar = Avatar {
        picture: Attachment::of(&input.picture),
        content_type,
    };
    state.lock().avatar = Some(avatar.clone());
    Ok(avatar)
}
