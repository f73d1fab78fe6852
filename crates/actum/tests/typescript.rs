#![allow(missing_docs)]
#![cfg(feature = "typescript")]
//! The TypeScript module: types declared once with what they depend on, generics kept, 64-bit
//! integers as `number`, names made unique, the same text whatever the order of the actions, and
//! errors for names TypeScript cannot tell apart. The browser tests of `examples/react` run the
//! functions; these check the text.

use actum::typescript::{TypeScriptError, module};
use actum::{MountedAction, RouterExt, mounted_actions};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Serialize, TS)]
struct Author {
    name: String,
}

#[derive(Serialize, TS)]
struct Post {
    id: i64,
    author: Author,
    tags: Vec<String>,
}

#[derive(Serialize, TS)]
struct Page<T> {
    items: Vec<T>,
    next: Option<u64>,
}

#[derive(Deserialize, TS)]
struct Query {
    search: String,
}

struct NoTs;

impl Serialize for NoTs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

mod posts {
    use super::*;

    #[actum::action]
    pub(crate) async fn list(input: Query) -> Page<Post> {
        let _ = input.search;
        Page {
            items: Vec::new(),
            next: None,
        }
    }

    #[actum::action]
    pub(crate) async fn opaque(_: ()) -> NoTs {
        NoTs
    }
}

mod users {
    #[actum::action]
    pub(crate) async fn list(_: ()) -> Vec<super::Author> {
        Vec::new()
    }
}

mod clash {
    pub(crate) mod a {
        #[derive(serde::Serialize, ts_rs::TS)]
        pub(crate) struct Same {
            pub(crate) a: u8,
        }
        #[actum::action]
        pub(crate) async fn one(_: ()) -> Same {
            Same { a: 1 }
        }
    }
    pub(crate) mod b {
        #[derive(serde::Serialize, ts_rs::TS)]
        pub(crate) struct Same {
            pub(crate) b: u8,
        }
        #[actum::action]
        pub(crate) async fn two(_: ()) -> Same {
            Same { b: 2 }
        }
    }
}

/// The mounted actions of one module of this file.
fn mounted_in(module: &str) -> Vec<MountedAction> {
    let _: axum::Router = axum::Router::new()
        .action(posts::list)
        .action(posts::opaque)
        .action(users::list)
        .action(clash::a::one)
        .action(clash::b::two);
    mounted_actions()
        .into_iter()
        .filter(|a| a.info().module_path().contains(module))
        .collect()
}

#[test]
fn types_are_declared_once_with_their_dependencies() {
    let text = module(&mounted_in("::posts")).expect("renders");
    assert!(
        text.contains("export type Page<T> = { items: Array<T>, next: number | null, };"),
        "{text}"
    );
    assert!(
        text.contains("export type Post = { id: number, author: Author, tags: Array<string>, };")
    );
    assert!(text.contains("export type Author = { name: string, };"));
    assert!(text.contains("export type Query = { search: string, };"));
    assert_eq!(text.matches("export type Author =").count(), 1);
    assert!(text.contains("export function list(input: Query | FormData): Promise<Page<Post>>;"));
    // A type without `TS` is `unknown`, not an error.
    assert!(text.contains("export function opaque(input?: FormData | null): Promise<unknown>;"));
    // Declarations come sorted by name.
    let author = text.find("export type Author").expect("declared");
    let query = text.find("export type Query").expect("declared");
    assert!(author < query);
}

#[test]
fn the_same_actions_give_the_same_text_in_any_order() {
    let mut actions = mounted_in("::posts");
    actions.extend(mounted_in("::users"));
    let forward = module(&actions).expect("renders");
    actions.reverse();
    assert_eq!(module(&actions).expect("renders"), forward);
    // Two actions named `list`: each takes its module path.
    assert!(forward.contains("export function postsList(input: Query | FormData)"));
    assert!(
        forward.contains(
            "export function usersList(input?: FormData | null): Promise<Array<Author>>;"
        )
    );
    assert!(forward.contains("export async function usersListWithState("));
}

#[test]
fn two_types_with_one_name_are_an_error() {
    let error = module(&mounted_in("::clash")).expect_err("a clash");
    assert_eq!(
        error,
        TypeScriptError::TypeNameClash {
            name: "Same".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "two different types are named `Same` in typescript: rename one with #[ts(rename = \"…\")]"
    );
}

#[test]
fn the_listing_names_each_mounted_action_once() {
    let _: axum::Router = axum::Router::new().action(users::list);
    let listed = mounted_in("::users");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].info().name(), "list");
    assert_eq!(listed[0].path(), format!("/_actum/{}", listed[0].id()));
}
