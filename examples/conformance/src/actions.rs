//! The fixture's actions. Each counts its run first, so a test can prove that a refused request
//! never reached the body.

use actum::ActionError;
use axum::extract::State;
use serde::{Deserialize, Serialize};

#[actum::actions]
pub mod all {
    use super::*;

    /// Adds `n` to the counter.
    pub async fn counter_add(State(fx): State<Fixture>, input: Add) -> Total {
        fx.ran("counter_add");
        let mut data = fx.data();
        data.total += input.n;
        Total { total: data.total }
    }

    /// Returns its input.
    pub async fn echo(State(fx): State<Fixture>, input: Echo) -> Echo {
        fx.ran("echo");
        input
    }

    /// Renames an item; the title must have 1 to 100 characters.
    pub async fn rename_item(
        State(fx): State<Fixture>,
        #[bound] id: u64,
        input: Rename,
    ) -> Result<Item, ActionError> {
        fx.ran("rename_item");
        let chars = input.title.chars().count();
        if !(1..=100).contains(&chars) {
            return Err(ActionError::invalid(
                "title",
                "the title must have 1 to 100 characters",
            ));
        }
        let mut data = fx.data();
        let Some(title) = data.items.get_mut(&id) else {
            return actum::not_found();
        };
        title.clone_from(&input.title);
        actum::revalidate_path("/");
        Ok(Item {
            id,
            title: input.title,
        })
    }

    /// Deletes an item.
    pub async fn delete_item(
        State(fx): State<Fixture>,
        #[bound] id: u64,
    ) -> Result<Deleted, ActionError> {
        fx.ran("delete_item");
        if fx.data().items.remove(&id).is_none() {
            return actum::not_found();
        }
        actum::revalidate_path("/");
        Ok(Deleted { deleted: id })
    }

    /// Redirects to `to` (the server refuses targets that are not this site's paths).
    pub async fn go_to(State(fx): State<Fixture>, input: GoTo) -> Result<(), ActionError> {
        fx.ran("go_to");
        actum::redirect(input.to)
    }

    /// Sets a cookie; the name must match `[a-z_]{1,32}`.
    pub async fn set_cookie(
        State(fx): State<Fixture>,
        input: SetCookie,
    ) -> Result<(), ActionError> {
        fx.ran("set_cookie");
        let valid = (1..=32).contains(&input.name.len())
            && input
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_');
        if !valid {
            return Err(ActionError::invalid(
                "name",
                "the name must match [a-z_]{1,32}",
            ));
        }
        actum::cookies().set(input.name, input.value);
        Ok(())
    }

    /// Receives a file; answers its name, size and SHA-256.
    pub async fn upload(State(fx): State<Fixture>, input: Upload) -> Uploaded {
        use sha2::Digest as _;
        fx.ran("upload");
        let digest = sha2::Sha256::digest(input.file.bytes());
        Uploaded {
            name: input.file.file_name().unwrap_or_default().to_owned(),
            size: input.file.len() as u64,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// Sleeps `ms` milliseconds (the fixture's time limit is 2 s).
    pub async fn slow(State(fx): State<Fixture>, input: Slow) -> Slept {
        fx.ran("slow");
        tokio::time::sleep(std::time::Duration::from_millis(input.ms)).await;
        Slept { slept: input.ms }
    }

    /// Panics.
    pub async fn boom(State(fx): State<Fixture>, _: Empty) {
        fx.ran("boom");
        panic!("boom: the conformance fixture panics on purpose");
    }
}

pub use all::mount;
pub(crate) use all::{
    boom, counter_add, delete_item, echo, go_to, rename_item, set_cookie, slow, upload,
};

use crate::Fixture;

/// `counter_add` input.
#[derive(Deserialize)]
pub struct Add {
    n: i64,
}

/// `counter_add` output.
#[derive(Serialize)]
pub struct Total {
    total: i64,
}

/// `echo` input and output.
#[derive(Serialize, Deserialize)]
pub struct Echo {
    text: String,
    tags: Vec<String>,
    nested: Nested,
}

/// Part of [`Echo`].
#[derive(Serialize, Deserialize)]
pub struct Nested {
    a: u32,
    b: Option<bool>,
}

/// `rename_item` input.
#[derive(Deserialize)]
pub struct Rename {
    title: String,
}

/// `rename_item` output.
#[derive(Serialize, Deserialize)]
pub struct Item {
    id: u64,
    title: String,
}

/// `delete_item` output.
#[derive(Serialize)]
pub struct Deleted {
    deleted: u64,
}

/// `go_to` input.
#[derive(Deserialize)]
pub struct GoTo {
    to: String,
}

/// `set_cookie` input.
#[derive(Deserialize)]
pub struct SetCookie {
    name: String,
    value: String,
}

/// `upload` input.
#[derive(Deserialize)]
pub struct Upload {
    file: actum::UploadedFile,
    #[allow(dead_code)]
    note: String,
}

/// `upload` output.
#[derive(Serialize)]
pub struct Uploaded {
    name: String,
    size: u64,
    sha256: String,
}

/// `slow` input.
#[derive(Deserialize)]
pub struct Slow {
    ms: u64,
}

/// `slow` output.
#[derive(Serialize)]
pub struct Slept {
    slept: u64,
}

/// An empty input (`boom {}`).
#[derive(Deserialize)]
pub struct Empty {}
