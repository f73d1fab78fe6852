//! JSON decoding: budgets, syntax, field paths and strictness.

use std::collections::HashMap;
use std::fmt::Debug;

use http::StatusCode;
use serde::Deserialize;

use super::*;
use crate::decode::file::UploadedFile;

fn decode<T: DeserializeOwned>(document: &str) -> T {
    from_json(document.as_bytes(), &FormLimits::default()).unwrap()
}

fn reject<T: DeserializeOwned + Debug>(document: &str) -> (StatusCode, Option<String>, String) {
    let error = from_json::<T>(document.as_bytes(), &FormLimits::default()).unwrap_err();
    (
        error.status(),
        error.field().map(str::to_owned),
        error.message().to_owned(),
    )
}

fn unprocessable(field: &str, message: &str) -> (StatusCode, Option<String>, String) {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(field.to_owned()),
        message.to_owned(),
    )
}

#[derive(Debug, Deserialize, PartialEq)]
struct Post {
    title: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
struct Order {
    #[allow(dead_code)]
    items: Vec<Item>,
}

#[derive(Debug, Deserialize)]
struct Item {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    quantity: u8,
}

#[test]
fn decodes_a_document() {
    assert_eq!(
        decode::<Post>(r#"{"title":"T","count":2}"#),
        Post {
            title: "T".into(),
            count: 2
        }
    );
}

#[test]
fn an_empty_body_is_null() {
    decode::<()>("");
    decode::<()>(" \n");
    assert_eq!(decode::<Option<Post>>(""), None);
    assert_eq!(
        reject::<Post>("").2,
        "invalid type: null, expected struct Post"
    );
}

#[test]
fn invalid_utf8_is_400() {
    let error = from_json::<String>(b"\"\xff\"", &FormLimits::default()).unwrap_err();
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error.message(), "request body is not valid utf-8");
}

#[test]
fn syntax_errors_and_trailing_data_are_400() {
    for document in [
        r#"{"title":"#,
        r#"{"title" "T"}"#,
        "[1,]",
        r#"{"a":1} x"#,
        "nul",
        "{'a':1}",
    ] {
        let (status, field, message) = reject::<serde_json::Value>(document);
        assert_eq!(
            (status, field),
            (StatusCode::BAD_REQUEST, None),
            "{document}"
        );
        assert!(
            message.starts_with("request body is not valid json: "),
            "{message}"
        );
    }
}

#[test]
fn budgets_apply_before_serde() {
    let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
    let (status, _, message) = reject::<serde_json::Value>(&deep);
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "json is nested deeper than 32 levels"
        )
    );
    let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
    decode::<serde_json::Value>(&ok);

    let many = format!("[{}0]", "0,".repeat(10_000));
    let (status, _, message) = reject::<Vec<u8>>(&many);
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "json has more than 10000 elements"
        )
    );
}

#[test]
fn wrong_types_name_the_field_path() {
    assert_eq!(
        reject::<Post>(r#"{"title":"T","count":"abc"}"#),
        unprocessable(
            "count",
            "field `count`: invalid type: string \"abc\", expected u32"
        )
    );
    assert_eq!(
        reject::<Order>(r#"{"items":[{"name":"a","quantity":1},{"name":"b","quantity":"x"}]}"#),
        unprocessable(
            "items[1].quantity",
            "field `items[1].quantity`: invalid type: string \"x\", expected u8"
        )
    );
    let (status, field, message) = reject::<Post>("true");
    assert_eq!((status, field), (StatusCode::UNPROCESSABLE_ENTITY, None));
    assert_eq!(
        message,
        "invalid type: boolean `true`, expected struct Post"
    );
}

#[test]
fn giant_numbers_into_integers_are_422() {
    assert_eq!(
        reject::<Post>(r#"{"title":"T","count":100000000000000000000000}"#),
        unprocessable(
            "count",
            "field `count`: invalid type: floating point `1e+23`, expected u32"
        )
    );
    assert_eq!(
        reject::<Post>(r#"{"title":"T","count":4294967296}"#),
        unprocessable(
            "count",
            "field `count`: invalid value: integer `4294967296`, expected u32"
        )
    );
}

#[test]
fn missing_fields_are_named_by_path() {
    let error = from_json::<Post>(br#"{"count":1}"#, &FormLimits::default()).unwrap_err();
    assert!(error.is_missing_field());
    assert_eq!(error.message(), "missing field `title`");
    assert_eq!(
        reject::<Order>(r#"{"items":[{"name":"a"}]}"#),
        unprocessable("items[0].quantity", "missing field `items[0].quantity`")
    );
}

#[test]
fn unknown_keys_are_422_at_every_level() {
    let error = from_json::<Post>(
        br#"{"titel":"T","title":"T","count":1}"#,
        &FormLimits::default(),
    )
    .unwrap_err();
    assert!(error.is_unknown_field());
    assert_eq!(
        (error.field(), error.message()),
        (Some("titel"), "unknown field `titel`")
    );
    assert_eq!(
        reject::<Order>(r#"{"items":[{"name":"a","quantity":1,"colour":"red"}]}"#),
        unprocessable("items[0].colour", "unknown field `items[0].colour`")
    );

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[allow(dead_code)]
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[allow(dead_code)]
        a: u8,
    }
    assert_eq!(
        reject::<Strict>(r#"{"inner":{"a":1,"b":2}}"#),
        unprocessable("inner.b", "unknown field `inner.b`")
    );
}

#[test]
fn duplicate_keys_are_422_for_structs_and_maps() {
    let error = from_json::<Post>(
        br#"{"title":"a","count":1,"title":"b"}"#,
        &FormLimits::default(),
    )
    .unwrap_err();
    assert!(error.is_duplicate_field());
    assert_eq!(
        (error.field(), error.message()),
        (Some("title"), "field `title` was sent more than once")
    );
    assert_eq!(
        reject::<HashMap<String, u8>>(r#"{"a":1,"b":2,"a":3}"#),
        unprocessable("a", "field `a` was sent more than once")
    );
    assert_eq!(
        reject::<serde_json::Value>(r#"{"x":[{"k":1,"k":2}]}"#),
        unprocessable("x[0].k", "field `x[0].k` was sent more than once")
    );
}

#[test]
fn a_syntax_error_wins_over_a_duplicate_key() {
    let (status, _, _) = reject::<serde_json::Value>(r#"{"a":1,"a":2"#);
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn proto_keys_are_plain_data() {
    let map: HashMap<String, serde_json::Value> =
        decode(r#"{"__proto__":{"admin":true},"constructor":1}"#);
    assert_eq!(map["__proto__"]["admin"], true);
    assert_eq!(
        reject::<Post>(r#"{"title":"T","count":1,"__proto__":{}}"#),
        unprocessable("__proto__", "unknown field `__proto__`")
    );
}

#[test]
fn file_fields_ask_for_multipart() {
    #[derive(Debug, Deserialize)]
    struct Upload {
        #[allow(dead_code)]
        file: UploadedFile,
    }
    assert_eq!(
        reject::<Upload>(r#"{"file":"photo.jpg"}"#),
        unprocessable(
            "file",
            "field `file` expects a file: send the form as multipart/form-data"
        )
    );
    #[derive(Debug, Deserialize)]
    struct MaybeUpload {
        file: Option<UploadedFile>,
    }
    assert!(decode::<MaybeUpload>(r#"{"file":null}"#).file.is_none());
}

#[test]
fn custom_errors_keep_their_message() {
    #[derive(Debug, Deserialize)]
    struct Count {
        #[allow(dead_code)]
        count: std::num::NonZeroU32,
    }
    assert_eq!(
        reject::<Count>(r#"{"count":0}"#),
        unprocessable(
            "count",
            "field `count`: invalid value: integer `0`, expected a nonzero u32"
        )
    );
}
