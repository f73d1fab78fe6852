//! The rules of the form deserializer, one test per rule and per rejection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Debug;

use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::*;
use crate::decode::file::UploadedFile;

fn form(pairs: &[(&str, &str)]) -> FormData {
    let mut form = FormData::urlencoded();
    for (name, value) in pairs {
        form.push((*name).to_owned(), FormValue::Text((*value).to_owned()));
    }
    form
}

fn decode<T: DeserializeOwned>(pairs: &[(&str, &str)]) -> T {
    from_form(form(pairs), &FormLimits::default()).unwrap()
}

/// The status, field and message of a rejected form.
fn reject<T: DeserializeOwned + Debug>(
    pairs: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    rejection(from_form::<T>(form(pairs), &FormLimits::default()).unwrap_err())
}

fn rejection(error: DecodeError) -> (StatusCode, Option<String>, String) {
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

#[derive(Debug, Deserialize, PartialEq)]
struct Author {
    name: String,
    email: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Article {
    title: String,
    author: Author,
}

// ---- names and nesting ----

#[test]
fn plain_names_fill_struct_fields() {
    let post: Post = decode(&[("count", "3"), ("title", "Hello")]);
    assert_eq!(
        post,
        Post {
            title: "Hello".into(),
            count: 3
        }
    );
}

#[test]
fn bracketed_names_fill_nested_structs() {
    let article: Article = decode(&[
        ("title", "T"),
        ("author[name]", "Ada"),
        ("author[email]", "a@b.c"),
    ]);
    assert_eq!(
        article.author,
        Author {
            name: "Ada".into(),
            email: Some("a@b.c".into())
        }
    );

    #[derive(Debug, Deserialize)]
    struct Deep {
        a: A,
    }
    #[derive(Debug, Deserialize)]
    struct A {
        b: B,
    }
    #[derive(Debug, Deserialize)]
    struct B {
        c: u8,
        list: Vec<String>,
    }
    let deep: Deep = decode(&[
        ("a[b][c]", "7"),
        ("a[b][list][]", "x"),
        ("a[b][list][]", "y"),
    ]);
    assert_eq!(deep.a.b.c, 7);
    assert_eq!(deep.a.b.list, ["x", "y"]);
}

#[test]
fn repeated_names_and_brackets_give_sequences() {
    #[derive(Debug, Deserialize)]
    struct Tags {
        tags: Vec<String>,
        ids: HashSet<u32>,
        pair: (u8, u8),
        one: Vec<String>,
    }
    let tags: Tags = decode(&[
        ("tags", "a"),
        ("ids[]", "1"),
        ("tags[]", "b"),
        ("ids[]", "2"),
        ("ids", "1"),
        ("tags", "c"),
        ("pair", "4"),
        ("pair", "5"),
        ("one", "only"),
    ]);
    assert_eq!(tags.tags, ["a", "b", "c"]);
    assert_eq!(tags.ids, HashSet::from([1, 2]));
    assert_eq!(tags.pair, (4, 5));
    assert_eq!(tags.one, ["only"]);
}

#[test]
fn an_absent_list_needs_serde_default() {
    #[derive(Debug, Deserialize)]
    struct WithDefault {
        #[serde(default)]
        tags: Vec<String>,
    }
    #[derive(Debug, Deserialize)]
    struct Required {
        #[allow(dead_code)]
        tags: Vec<String>,
    }
    assert!(decode::<WithDefault>(&[]).tags.is_empty());
    assert_eq!(
        reject::<Required>(&[]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("tags".into()),
            "missing field `tags`".into()
        )
    );
}

#[test]
fn a_bad_element_names_its_list() {
    #[derive(Debug, Deserialize)]
    struct Ids {
        #[allow(dead_code)]
        ids: Vec<u32>,
    }
    assert_eq!(
        reject::<Ids>(&[("ids", "1"), ("ids", "x")]),
        unprocessable(
            "ids",
            "field `ids`: invalid type: expected u32, found \"x\""
        )
    );
}

#[test]
fn a_tuple_refuses_extra_values() {
    #[derive(Debug, Deserialize)]
    struct Pair {
        #[allow(dead_code)]
        pair: (u8, u8),
    }
    let (status, field, message) = reject::<Pair>(&[("pair", "1"), ("pair", "2"), ("pair", "3")]);
    assert_eq!(
        (status, field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pair"))
    );
    assert_eq!(
        message,
        "field `pair`: invalid length 3, expected fewer values"
    );
}

#[test]
fn maps_take_any_keys() {
    let map: HashMap<String, String> = decode(&[("a", "1"), ("b", "2")]);
    assert_eq!(
        map,
        HashMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])
    );

    let lists: BTreeMap<String, Vec<String>> = decode(&[("a", "1"), ("a", "2"), ("b", "3")]);
    assert_eq!(lists["a"], ["1", "2"]);

    #[derive(Debug, Deserialize)]
    struct Scores {
        scores: HashMap<u32, u8>,
        meta: HashMap<String, String>,
    }
    let scores: Scores = decode(&[("scores[1]", "10"), ("scores[2]", "20"), ("meta[k]", "v")]);
    assert_eq!(scores.scores, HashMap::from([(1, 10), (2, 20)]));
    assert_eq!(scores.meta["k"], "v");
    assert_eq!(
        reject::<Scores>(&[("scores[x]", "1"), ("meta[k]", "v")]),
        unprocessable(
            "scores[x]",
            "field `scores[x]`: invalid type: expected u32, found \"x\""
        )
    );
}

#[test]
fn names_nested_too_deep_are_400() {
    let limits = FormLimits::new().max_name_depth(2);
    let error = from_form::<serde_json::Value>(form(&[("a[b][c][d]", "1")]), &limits).unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::BAD_REQUEST,
            Some("a[b][c][d]".into()),
            "field name `a[b][c][d]` is nested deeper than 2 levels".into()
        )
    );
    assert!(from_form::<serde_json::Value>(form(&[("a[b][c]", "1")]), &limits).is_ok());
}

#[test]
fn malformed_names_are_400() {
    for name in ["a[b", "a]", "a[b]c", "[a]", ""] {
        let (status, field, message) = reject::<serde_json::Value>(&[(name, "1")]);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(field.as_deref(), Some(name));
        assert_eq!(message, format!("field name `{name}` is malformed"));
    }
}

#[test]
fn indexed_lists_are_422_and_suggest_json() {
    #[derive(Debug, Deserialize)]
    struct Order {
        #[allow(dead_code)]
        items: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    struct Item {
        #[allow(dead_code)]
        name: String,
    }
    let expected = unprocessable(
        "items",
        "field `items` uses indexed names like `items[0]`, which forms do not support: \
         send `items` once per item, or send JSON",
    );
    assert_eq!(
        reject::<Order>(&[("items[0][name]", "a"), ("items[1][name]", "b")]),
        expected
    );
    assert_eq!(reject::<Order>(&[("items[0]", "a")]), expected);
    assert_eq!(
        reject::<Order>(&[("items[][name]", "a")]),
        unprocessable(
            "items[][name]",
            "field `items[][name]`: lists of groups are not supported in forms: send JSON instead"
        )
    );
}

#[test]
fn sub_fields_where_a_list_is_expected_are_422() {
    #[derive(Debug, Deserialize)]
    struct Tags {
        #[allow(dead_code)]
        tags: Vec<String>,
    }
    assert_eq!(
        reject::<Tags>(&[("tags[x]", "1")]),
        unprocessable(
            "tags",
            "field `tags` expects a list: send `tags` (or `tags[]`) once per item"
        )
    );
}

#[test]
fn a_name_sent_as_value_and_group_is_422() {
    assert_eq!(
        reject::<serde_json::Value>(&[("a", "1"), ("a[b]", "2")]),
        unprocessable(
            "a",
            "field `a` was sent both as a value and with sub-fields like `a[...]`"
        )
    );
}

// ---- strictness ----

#[test]
fn a_scalar_sent_twice_is_422() {
    assert_eq!(
        reject::<Post>(&[("title", "a"), ("count", "1"), ("title", "b")]),
        unprocessable("title", "field `title` was sent more than once")
    );
    assert_eq!(
        reject::<Article>(&[("title", "T"), ("author[name]", "a"), ("author[name]", "b")]),
        unprocessable(
            "author[name]",
            "field `author[name]` was sent more than once"
        )
    );
    let (_, field, message) = reject::<Post>(&[("title", "a"), ("title[]", "b"), ("count", "1")]);
    assert_eq!(
        (field.as_deref(), message.as_str()),
        (Some("title"), "field `title` was sent more than once")
    );
}

#[test]
fn unknown_fields_are_422_at_every_level() {
    let (status, field, message) = reject::<Post>(&[("titel", "a"), ("count", "1")]);
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY && field.as_deref() == Some("titel"),
        "{field:?}"
    );
    assert_eq!(message, "unknown field `titel`");
    assert_eq!(
        reject::<Article>(&[("title", "T"), ("author[name]", "a"), ("author[nmae]", "b")]),
        unprocessable("author[nmae]", "unknown field `author[nmae]`")
    );
    let error = from_form::<Post>(form(&[("titel", "a")]), &FormLimits::default()).unwrap_err();
    assert!(error.is_unknown_field());
}

#[test]
fn missing_fields_are_422_and_named_by_path() {
    let error = from_form::<Post>(form(&[("count", "1")]), &FormLimits::default()).unwrap_err();
    assert!(error.is_missing_field());
    assert_eq!(
        rejection(error),
        unprocessable("title", "missing field `title`")
    );
    assert_eq!(
        reject::<Article>(&[("title", "T"), ("author[email]", "e")]),
        unprocessable("author[name]", "missing field `author[name]`")
    );
    assert_eq!(
        reject::<Article>(&[("author[name]", "a")]),
        unprocessable("title", "missing field `title`")
    );
}

#[test]
fn aliases_and_renames_are_known_fields() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Profile {
        display_name: String,
        #[serde(alias = "mail")]
        email: String,
        #[serde(rename = "e-tag")]
        tag: String,
    }
    let profile: Profile = decode(&[("displayName", "Ada"), ("mail", "a@b.c"), ("e-tag", "x")]);
    assert_eq!(
        (
            profile.display_name.as_str(),
            profile.email.as_str(),
            profile.tag.as_str()
        ),
        ("Ada", "a@b.c", "x")
    );
}

#[test]
fn deny_unknown_fields_still_works() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[allow(dead_code)]
        a: String,
    }
    assert_eq!(
        reject::<Strict>(&[("a", "1"), ("b", "2")]),
        unprocessable("b", "unknown field `b`")
    );
}

// ---- scalar values ----

#[test]
fn integers_parse_and_name_the_field_when_they_do_not() {
    #[derive(Debug, Deserialize)]
    struct Numbers {
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
        i: u128,
        j: i128,
    }
    let numbers: Numbers = decode(&[
        ("a", "255"),
        ("b", "-128"),
        ("c", "65535"),
        ("d", "-1"),
        ("e", "+7"),
        ("f", "-2147483648"),
        ("g", "18446744073709551615"),
        ("h", "-9"),
        ("i", "340282366920938463463374607431768211455"),
        ("j", "-1"),
    ]);
    assert_eq!(
        (numbers.a, numbers.b, numbers.c, numbers.d, numbers.e),
        (255, -128, 65535, -1, 7)
    );
    assert_eq!(
        (numbers.f, numbers.g, numbers.h, numbers.i, numbers.j),
        (i32::MIN, u64::MAX, -9, u128::MAX, -1)
    );

    assert_eq!(
        reject::<Post>(&[("title", "t"), ("count", "abc")]),
        unprocessable(
            "count",
            "field `count`: invalid type: expected u32, found \"abc\""
        )
    );
    assert_eq!(
        reject::<Post>(&[("title", "t"), ("count", "")]),
        unprocessable(
            "count",
            "field `count`: invalid type: expected u32, found \"\""
        )
    );
    assert_eq!(
        reject::<Post>(&[("title", "t"), ("count", " 1")]),
        unprocessable(
            "count",
            "field `count`: invalid type: expected u32, found \" 1\""
        )
    );
    assert_eq!(
        reject::<Post>(&[("title", "t"), ("count", "99999999999")]),
        unprocessable(
            "count",
            "field `count`: number out of range for u32, found \"99999999999\""
        )
    );
    assert_eq!(
        reject::<Post>(&[("title", "t"), ("count", "-1")]),
        unprocessable(
            "count",
            "field `count`: invalid type: expected u32, found \"-1\""
        )
    );
    #[derive(Debug, Deserialize)]
    struct Small {
        #[allow(dead_code)]
        n: i8,
    }
    assert_eq!(
        reject::<Small>(&[("n", "-129")]),
        unprocessable("n", "field `n`: number out of range for i8, found \"-129\"")
    );
}

#[test]
fn floats_must_be_finite() {
    #[derive(Debug, Deserialize)]
    struct Price {
        price: f64,
        ratio: f32,
    }
    let price: Price = decode(&[("price", "-12.5e1"), ("ratio", "0.25")]);
    assert_eq!((price.price, price.ratio), (-125.0, 0.25));
    for bad in ["NaN", "inf", "-infinity", "1e400", "1,5", ""] {
        assert_eq!(
            reject::<Price>(&[("price", bad), ("ratio", "1")]),
            unprocessable(
                "price",
                &format!("field `price`: invalid type: expected f64, found {bad:?}")
            ),
        );
    }
    assert_eq!(
        reject::<Price>(&[("price", "1"), ("ratio", "1e39")]),
        unprocessable(
            "ratio",
            "field `ratio`: invalid type: expected f32, found \"1e39\""
        )
    );
}

#[test]
fn booleans_accept_checkbox_words_in_any_case() {
    #[derive(Debug, Deserialize)]
    struct Flag {
        flag: bool,
    }
    for word in ["true", "TRUE", "on", "On", "1", "yes", "YES"] {
        assert!(decode::<Flag>(&[("flag", word)]).flag, "{word}");
    }
    for word in ["false", "False", "off", "OFF", "0", "no", "No"] {
        assert!(!decode::<Flag>(&[("flag", word)]).flag, "{word}");
    }
    for word in ["maybe", "", "2", " on"] {
        assert_eq!(
            reject::<Flag>(&[("flag", word)]),
            unprocessable(
                "flag",
                &format!(
                    "field `flag`: invalid type: expected a boolean (true/false, on/off, 1/0, yes/no), found {word:?}"
                )
            ),
        );
    }
    #[derive(Debug, Deserialize)]
    struct Checkbox {
        #[serde(default)]
        subscribe: bool,
    }
    assert!(!decode::<Checkbox>(&[]).subscribe);
}

#[test]
fn chars_are_exactly_one_character() {
    #[derive(Debug, Deserialize)]
    struct Initial {
        initial: char,
    }
    assert_eq!(decode::<Initial>(&[("initial", "é")]).initial, 'é');
    for bad in ["", "ab"] {
        assert_eq!(
            reject::<Initial>(&[("initial", bad)]),
            unprocessable(
                "initial",
                &format!(
                    "field `initial`: invalid type: expected a single character, found {bad:?}"
                )
            ),
        );
    }
}

#[test]
fn strings_are_kept_as_sent() {
    #[derive(Debug, Deserialize)]
    struct Note {
        note: String,
    }
    assert_eq!(
        decode::<Note>(&[("note", "  spaced \n")]).note,
        "  spaced \n"
    );
    assert_eq!(decode::<Note>(&[("note", "")]).note, "");
}

#[test]
fn options_are_none_when_absent_or_empty() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Optional {
        text: Option<String>,
        number: Option<u32>,
    }
    assert_eq!(
        decode::<Optional>(&[]),
        Optional {
            text: None,
            number: None
        }
    );
    assert_eq!(
        decode::<Optional>(&[("text", ""), ("number", "")]),
        Optional {
            text: None,
            number: None
        }
    );
    assert_eq!(
        decode::<Optional>(&[("text", "x"), ("number", "4")]),
        Optional {
            text: Some("x".into()),
            number: Some(4)
        }
    );
    assert_eq!(
        reject::<Optional>(&[("number", "four")]),
        unprocessable(
            "number",
            "field `number`: invalid type: expected u32, found \"four\""
        )
    );
    assert_eq!(
        reject::<Optional>(&[("number", "1"), ("number", "2")]),
        unprocessable("number", "field `number` was sent more than once")
    );
}

#[test]
fn unit_variants_parse_by_name() {
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Color {
        Red,
        Green,
    }
    #[derive(Debug, Deserialize)]
    struct Paint {
        color: Color,
        others: Vec<Color>,
    }
    let paint: Paint = decode(&[("color", "green"), ("others", "red"), ("others", "green")]);
    assert_eq!(paint.color, Color::Green);
    assert_eq!(paint.others, [Color::Red, Color::Green]);
    assert_eq!(
        reject::<Paint>(&[("color", "purple")]),
        unprocessable(
            "color",
            "field `color`: unknown variant `purple`, expected `red` or `green`"
        )
    );
}

#[test]
fn variants_with_data_are_422() {
    #[derive(Debug, Deserialize)]
    enum Shape {
        #[allow(dead_code)]
        Circle(u32),
    }
    #[derive(Debug, Deserialize)]
    struct Drawing {
        #[allow(dead_code)]
        shape: Shape,
    }
    assert_eq!(
        reject::<Drawing>(&[("shape", "Circle")]),
        unprocessable(
            "shape",
            "field `shape`: only enum variants without data can be sent as a form value"
        )
    );
}

#[test]
fn newtype_structs_parse_their_inner_type() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Email(String);
    #[derive(Debug, Deserialize, PartialEq)]
    struct Age(u8);
    #[derive(Debug, Deserialize)]
    struct Signup {
        email: Email,
        age: Age,
    }
    let signup: Signup = decode(&[("email", "a@b.c"), ("age", "30")]);
    assert_eq!((signup.email, signup.age), (Email("a@b.c".into()), Age(30)));
    assert_eq!(
        reject::<Signup>(&[("email", "a@b.c"), ("age", "300")]),
        unprocessable(
            "age",
            "field `age`: number out of range for u8, found \"300\""
        )
    );
}

#[test]
fn custom_deserialize_errors_are_prefixed_with_the_field() {
    #[derive(Debug, Deserialize)]
    struct Count {
        #[allow(dead_code)]
        count: std::num::NonZeroU32,
    }
    assert_eq!(
        reject::<Count>(&[("count", "0")]),
        unprocessable(
            "count",
            "field `count`: invalid value: integer `0`, expected a nonzero u32"
        )
    );
}

#[test]
fn unit_inputs_come_from_an_empty_form() {
    decode::<()>(&[]);
    #[derive(Debug, Deserialize)]
    struct Nothing;
    decode::<Nothing>(&[]);
    assert_eq!(
        reject::<()>(&[("a", "1")]),
        unprocessable("a", "unknown field `a`")
    );
    assert_eq!(
        reject::<Nothing>(&[("a", "1")]),
        unprocessable("a", "unknown field `a`")
    );
}

#[test]
fn any_sees_strings_lists_and_maps() {
    let value: serde_json::Value =
        decode(&[("a", "1"), ("tags", "x"), ("tags", "y"), ("n[k]", "v")]);
    assert_eq!(
        value,
        serde_json::json!({ "a": "1", "tags": ["x", "y"], "n": { "k": "v" } })
    );
}

#[test]
fn flatten_gathers_the_other_fields_without_the_unknown_check() {
    #[derive(Debug, Deserialize)]
    struct WithExtra {
        title: String,
        #[serde(flatten)]
        extra: HashMap<String, String>,
    }
    let decoded: WithExtra = decode(&[("title", "T"), ("color", "red")]);
    assert_eq!(decoded.title, "T");
    assert_eq!(
        decoded.extra,
        HashMap::from([("color".into(), "red".into())])
    );
}

#[test]
fn sub_fields_where_a_value_is_expected_are_422() {
    assert_eq!(
        reject::<Post>(&[("title[x]", "1"), ("count", "1")]),
        unprocessable(
            "title",
            "field `title` expects a single value, but sub-fields like `title[...]` were sent"
        )
    );
}

#[test]
fn a_value_where_sub_fields_are_expected_is_422() {
    assert_eq!(
        reject::<Article>(&[("title", "T"), ("author", "Ada")]),
        unprocessable(
            "author",
            "field `author` expects sub-fields like `author[name]`, but a plain value was sent"
        )
    );
}

#[test]
fn the_input_must_be_a_struct_or_a_map() {
    let (status, field, message) = reject::<String>(&[("a", "1")]);
    assert_eq!((status, field), (StatusCode::UNPROCESSABLE_ENTITY, None));
    assert_eq!(message, "a form can only be decoded into a struct or a map");
    assert_eq!(
        reject::<Vec<String>>(&[("a", "1")]).2,
        "a form cannot be decoded into a list"
    );
    let wrapped: Option<Post> = decode(&[("title", "t"), ("count", "1")]);
    assert!(wrapped.is_some());
}

// ---- files ----

fn upload(name: &str, content: &'static [u8]) -> FormValue {
    FormValue::File(UploadedFile::new(
        Some(name.to_owned()),
        Some("text/plain".to_owned()),
        Bytes::from_static(content),
    ))
}

fn multipart(entries: Vec<(&str, FormValue)>) -> FormData {
    let mut form = FormData::multipart();
    for (name, value) in entries {
        form.push(name.to_owned(), value);
    }
    form
}

fn text(value: &str) -> FormValue {
    FormValue::Text(value.to_owned())
}

#[derive(Debug, Deserialize)]
struct Upload {
    caption: String,
    file: UploadedFile,
    other: Option<UploadedFile>,
    #[serde(default)]
    more: Vec<UploadedFile>,
}

#[test]
fn files_fill_uploaded_file_fields() {
    let form = multipart(vec![
        ("caption", text("hi")),
        ("more", upload("b.txt", b"bb")),
        ("file", upload("a.txt", b"aaa")),
        ("more", upload("c.txt", b"c")),
    ]);
    let decoded: Upload = from_form(form, &FormLimits::default()).unwrap();
    assert_eq!(decoded.caption, "hi");
    assert_eq!(decoded.file.file_name(), Some("a.txt"));
    assert_eq!(decoded.file.bytes().as_ref(), b"aaa");
    assert!(decoded.other.is_none());
    let names: Vec<_> = decoded.more.iter().map(|file| file.file_name()).collect();
    assert_eq!(names, [Some("b.txt"), Some("c.txt")]);
}

#[test]
fn a_file_where_text_is_expected_is_422() {
    let form = multipart(vec![
        ("caption", upload("a.txt", b"x")),
        ("file", upload("a.txt", b"x")),
    ]);
    let error = from_form::<Upload>(form, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable(
            "caption",
            "field `caption` expects text, but a file was sent"
        )
    );

    let value = multipart(vec![("a", upload("a.txt", b"x"))]);
    let error = from_form::<serde_json::Value>(value, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable("a", "field `a` expects text, but a file was sent")
    );
}

#[test]
fn text_where_a_file_is_expected_is_422_with_advice() {
    let (status, field, message) = reject::<Upload>(&[("caption", "c"), ("file", "photo.jpg")]);
    assert_eq!(
        (status, field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file"))
    );
    assert_eq!(
        message,
        "field `file` expects a file: send the form as multipart/form-data"
    );

    let form = multipart(vec![("caption", text("c")), ("file", text("oops"))]);
    let error = from_form::<Upload>(form, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable("file", "field `file` expects a file, but text was sent")
    );
}

#[test]
fn a_file_field_sent_twice_is_422() {
    let form = multipart(vec![
        ("caption", text("c")),
        ("file", upload("a.txt", b"x")),
        ("file", upload("b.txt", b"y")),
    ]);
    let error = from_form::<Upload>(form, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable("file", "field `file` was sent more than once")
    );
}

#[test]
fn sub_fields_where_a_file_is_expected_are_422() {
    let form = multipart(vec![
        ("caption", text("c")),
        ("file[x]", upload("a.txt", b"x")),
    ]);
    let error = from_form::<Upload>(form, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable(
            "file",
            "field `file` expects a single value, but sub-fields like `file[...]` were sent"
        )
    );
}

#[test]
fn a_missing_file_is_a_missing_field() {
    let form = multipart(vec![("caption", text("c"))]);
    let error = from_form::<Upload>(form, &FormLimits::default()).unwrap_err();
    assert_eq!(
        rejection(error),
        unprocessable("file", "missing field `file`")
    );
}
