//! Multipart bodies built by hand: every budget, every malformation, chunked delivery.

use std::convert::Infallible;
use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{StreamExt as _, stream};
use http::StatusCode;

use super::*;

const BOUNDARY: &str = "----actumBoundary7MA4YWxk";

/// One part of a hand-built body.
struct Part {
    headers: String,
    content: Vec<u8>,
}

fn text_part(name: &str, value: &str) -> Part {
    Part {
        headers: format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
        content: value.as_bytes().to_vec(),
    }
}

fn file_part(name: &str, file_name: &str, content: &[u8]) -> Part {
    Part {
        headers: format!(
            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/plain\r\n"
        ),
        content: content.to_vec(),
    }
}

/// A complete body with its closing boundary.
fn body_bytes(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{}\r\n", part.headers).as_bytes());
        body.extend_from_slice(&part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn read(bytes: Vec<u8>, limits: &FormLimits) -> Result<FormData, DecodeError> {
    read_multipart(Body::from(bytes), BOUNDARY, 1 << 20, limits).await
}

async fn read_parts(parts: &[Part]) -> Result<FormData, DecodeError> {
    read(body_bytes(parts), &FormLimits::default()).await
}

fn rejection(error: DecodeError) -> (StatusCode, Option<String>, String) {
    (
        error.status(),
        error.field().map(str::to_owned),
        error.message().to_owned(),
    )
}

/// Entries as `(name, text or "file:<name>:<content>")`, for compact assertions.
fn summary(form: FormData) -> Vec<(String, String)> {
    form.into_entries()
        .into_iter()
        .map(|(name, value)| match value {
            FormValue::Text(text) => (name, text),
            FormValue::File(file) => {
                let content = String::from_utf8_lossy(file.bytes()).into_owned();
                (
                    name,
                    format!("file:{}:{content}", file.file_name().unwrap_or("<none>")),
                )
            }
        })
        .collect()
}

fn expected(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn reads_text_and_file_parts_in_order() {
    let form = read_parts(&[
        text_part("title", "Hello"),
        file_part("upload", "notes.txt", b"line 1\r\nline 2"),
        text_part("tags", "a"),
        text_part("tags", "b"),
    ])
    .await
    .unwrap();
    assert!(form.is_multipart());
    assert_eq!(
        summary(form),
        expected(&[
            ("title", "Hello"),
            ("upload", "file:notes.txt:line 1\r\nline 2"),
            ("tags", "a"),
            ("tags", "b"),
        ])
    );
}

#[tokio::test]
async fn files_keep_their_content_type() {
    let form = read_parts(&[file_part("upload", "a.txt", b"x")])
        .await
        .unwrap();
    let Some((_, FormValue::File(file))) = form.into_entries().into_iter().next() else {
        panic!("expected a file");
    };
    assert_eq!(file.content_type(), Some("text/plain"));
}

#[tokio::test]
async fn a_body_in_many_small_chunks_reads_the_same() {
    let bytes = body_bytes(&[
        text_part("title", "Hello"),
        file_part("upload", "a.bin", &[0, 1, 2, 255]),
    ]);
    let chunks: Vec<Result<Vec<u8>, Infallible>> =
        bytes.chunks(3).map(|chunk| Ok(chunk.to_vec())).collect();
    let body = Body::from_stream(stream::iter(chunks));
    let form = read_multipart(body, BOUNDARY, 1 << 20, &FormLimits::default())
        .await
        .unwrap();
    let entries = form.into_entries();
    assert!(matches!(&entries[0].1, FormValue::Text(text) if text == "Hello"));
    assert!(
        matches!(&entries[1].1, FormValue::File(file) if file.bytes().as_ref() == [0, 1, 2, 255])
    );
}

#[tokio::test]
async fn an_untouched_file_input_is_dropped() {
    let form = read_parts(&[
        text_part("a", "1"),
        file_part("avatar", "", b""),
        text_part("b", "2"),
    ])
    .await
    .unwrap();
    assert_eq!(summary(form), expected(&[("a", "1"), ("b", "2")]));
}

#[tokio::test]
async fn an_empty_file_with_a_name_and_a_nameless_file_with_content_are_kept() {
    let form = read_parts(&[
        file_part("empty", "empty.txt", b""),
        file_part("nameless", "", b"data"),
    ])
    .await
    .unwrap();
    assert_eq!(
        summary(form),
        expected(&[
            ("empty", "file:empty.txt:"),
            ("nameless", "file:<none>:data")
        ])
    );
}

#[tokio::test]
async fn file_names_lose_their_path() {
    let form = read_parts(&[
        file_part("a", "../../etc/passwd", b"x"),
        file_part("b", "C:\\\\Users\\\\me\\\\photo.jpg", b"x"),
        file_part("c", "..", b"x"),
        file_part("d", "/", b"x"),
    ])
    .await
    .unwrap();
    assert_eq!(
        summary(form),
        expected(&[
            ("a", "file:passwd:x"),
            ("b", "file:photo.jpg:x"),
            ("c", "file:<none>:x"),
            ("d", "file:<none>:x")
        ])
    );
}

#[tokio::test]
async fn a_part_without_a_name_is_400() {
    let part = Part {
        headers: "Content-Disposition: form-data\r\n".to_owned(),
        content: b"x".to_vec(),
    };
    let error = read_parts(&[part]).await.unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::BAD_REQUEST,
            None,
            "a multipart part has no name".into()
        )
    );
}

#[tokio::test]
async fn text_that_is_not_utf8_is_400() {
    let part = Part {
        headers: "Content-Disposition: form-data; name=\"note\"\r\n".to_owned(),
        content: vec![b'a', 0xff],
    };
    let error = read_parts(&[part]).await.unwrap_err();
    assert!(error.source().is_some());
    assert_eq!(
        rejection(error),
        (
            StatusCode::BAD_REQUEST,
            Some("note".into()),
            "field `note` is not valid utf-8".into()
        )
    );
}

#[tokio::test]
async fn truncated_bodies_are_400() {
    let full = body_bytes(&[
        text_part("title", "Hello"),
        file_part("upload", "a.txt", b"content"),
    ]);
    for cut in [0, 10, full.len() / 2, full.len() - 10, full.len() - 4] {
        let error = read(full[..cut].to_vec(), &FormLimits::default())
            .await
            .unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST, "cut at {cut}");
        assert_eq!(
            error.message(),
            "multipart body is malformed or ends before its closing boundary"
        );
        assert!(error.source().is_some());
    }
}

#[tokio::test]
async fn an_aborted_body_is_400() {
    let start = body_bytes(&[text_part("title", "Hello")]);
    let chunks = vec![
        Ok(start[..20].to_vec()),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )),
    ];
    let body = Body::from_stream(stream::iter(chunks));
    let error = read_multipart(body, BOUNDARY, 1 << 20, &FormLimits::default())
        .await
        .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::BAD_REQUEST,
            None,
            "failed to read the request body".into()
        )
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let bytes = body_bytes(&[file_part("upload", "big.bin", &[b'x'; 2000])]);
    let body = Body::from_stream(stream::iter(
        bytes
            .chunks(100)
            .map(|c| Ok::<_, Infallible>(c.to_vec()))
            .collect::<Vec<_>>(),
    ));
    let error = read_multipart(body, BOUNDARY, 1000, &FormLimits::default())
        .await
        .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            "request body is larger than 1000 bytes".into()
        )
    );
}

#[tokio::test]
async fn too_many_parts_is_413() {
    let limits = FormLimits::new().max_fields(2);
    let ok = body_bytes(&[text_part("a", "1"), text_part("b", "2")]);
    assert!(read(ok, &limits).await.is_ok());
    let parts = [
        text_part("a", "1"),
        text_part("b", "2"),
        text_part("c", "3"),
    ];
    let error = read(body_bytes(&parts), &limits).await.unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            "form has more than 2 fields".into()
        )
    );
    // Dropped parts (untouched file inputs) count too.
    let parts = [
        file_part("a", "", b""),
        file_part("b", "", b""),
        text_part("c", "3"),
    ];
    let error = read(body_bytes(&parts), &limits).await.unwrap_err();
    assert_eq!(error.message(), "form has more than 2 fields");
}

#[tokio::test]
async fn a_field_too_big_is_413() {
    let limits = FormLimits::new().max_field_bytes(5);
    assert!(
        read(body_bytes(&[text_part("a", "12345")]), &limits)
            .await
            .is_ok()
    );
    let error = read(body_bytes(&[text_part("a", "123456")]), &limits)
        .await
        .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("a".into()),
            "field `a` is larger than 5 bytes".into()
        )
    );
    let error = read(body_bytes(&[text_part("abcdef", "1")]), &limits)
        .await
        .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            "a field name is longer than 5 bytes".into()
        )
    );
}

#[tokio::test]
async fn a_file_too_big_is_413_as_soon_as_it_is_passed() {
    let limits = FormLimits::new().max_file_bytes(10);
    assert!(
        read(body_bytes(&[file_part("f", "a.bin", &[1; 10])]), &limits)
            .await
            .is_ok()
    );
    // The body goes on far past the budget, one small chunk at a time (each chunk waits, as a
    // socket would): the file budget must stop the read within one piece handed to multer
    // (`MIN_PIECE_BYTES`), long before the body limit.
    let start = body_bytes(&[file_part("f", "a.bin", &[])]);
    let head = start[..start.len() - format!("\r\n--{BOUNDARY}--\r\n").len()].to_vec();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let trickle = stream::unfold(0_usize, move |sent| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::task::yield_now().await;
            (sent < 100_000).then(|| (Ok::<_, Infallible>(vec![b'x'; 4]), sent + 1))
        }
    });
    let body = stream::iter([Ok::<_, Infallible>(head)]).chain(trickle);
    let error = read_multipart(Body::from_stream(body), BOUNDARY, 1 << 20, &limits)
        .await
        .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("f".into()),
            "file `f` is larger than 10 bytes".into()
        )
    );
    assert!(
        pulled.load(Ordering::SeqCst) <= MIN_PIECE_BYTES / 4 + 4,
        "read on after the budget was passed"
    );
}

#[tokio::test]
async fn text_and_file_budgets_are_separate() {
    let limits = FormLimits::new().max_field_bytes(4).max_file_bytes(100);
    let form = read(
        body_bytes(&[text_part("t", "1234"), file_part("f", "a", &[7; 100])]),
        &limits,
    )
    .await;
    assert_eq!(form.unwrap().len(), 2);
    let limits = FormLimits::new().max_field_bytes(100).max_file_bytes(4);
    let error = read(body_bytes(&[file_part("f", "a", &[7; 5])]), &limits)
        .await
        .unwrap_err();
    assert_eq!(error.message(), "file `f` is larger than 4 bytes");
}

#[tokio::test]
async fn too_many_files_is_413() {
    let limits = FormLimits::new().max_files(1);
    let ok = [
        file_part("a", "a.txt", b"x"),
        file_part("b", "", b""),
        text_part("c", "1"),
    ];
    assert!(read(body_bytes(&ok), &limits).await.is_ok());
    for second in [file_part("b", "b.txt", b""), file_part("b", "", b"content")] {
        let error = read(
            body_bytes(&[file_part("a", "a.txt", b"x"), second]),
            &limits,
        )
        .await
        .unwrap_err();
        assert_eq!(
            rejection(error),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                "form has more than 1 files".into()
            )
        );
    }
}

#[tokio::test]
async fn a_header_flood_in_a_part_is_400() {
    let mut headers = String::from("Content-Disposition: form-data; name=\"a\"\r\n");
    for index in 0..100 {
        headers.push_str(&format!("X-Flood-{index}: x\r\n"));
    }
    let error = read_parts(&[Part {
        headers,
        content: b"1".to_vec(),
    }])
    .await
    .unwrap_err();
    assert_eq!(
        rejection(error),
        (
            StatusCode::BAD_REQUEST,
            None,
            "a multipart part has malformed headers".into()
        )
    );
}

#[tokio::test]
async fn a_part_head_over_8_kib_is_413() {
    let headers = format!(
        "Content-Disposition: form-data; name=\"a\"\r\nX-Big: {}\r\n",
        "x".repeat(MAX_PART_HEAD_BYTES)
    );
    let error = read_parts(&[Part {
        headers,
        content: b"1".to_vec(),
    }])
    .await
    .unwrap_err();
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let fits = format!(
        "Content-Disposition: form-data; name=\"a\"\r\nX-Big: {}\r\n",
        "x".repeat(7000)
    );
    assert!(
        read_parts(&[Part {
            headers: fits,
            content: b"1".to_vec()
        }])
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn a_trickled_body_reaches_multer_in_pieces() {
    let bytes = (0..40_000).map(|_| Ok::<_, Infallible>(Bytes::from_static(b"x")));
    let mut pieces = Coalesced::new(stream::iter(bytes));
    let mut sizes = Vec::new();
    while let Some(piece) = pieces.next().await {
        sizes.push(piece.unwrap().len());
    }
    assert_eq!(
        sizes,
        [
            MIN_PIECE_BYTES,
            MIN_PIECE_BYTES,
            40_000 - 2 * MIN_PIECE_BYTES
        ]
    );
    let big = stream::iter([Ok::<_, Infallible>(Bytes::from(vec![0; 20_000]))]);
    let mut pieces = Coalesced::new(big);
    assert_eq!(
        pieces.next().await.unwrap().unwrap().len(),
        20_000,
        "a large frame passes as it is"
    );
    assert!(pieces.next().await.is_none());
}

#[tokio::test]
async fn a_huge_header_is_bounded_by_the_body_limit() {
    let headers = format!(
        "Content-Disposition: form-data; name=\"a\"\r\nX-Big: {}\r\n",
        "x".repeat(5000)
    );
    let body = body_bytes(&[Part {
        headers,
        content: b"1".to_vec(),
    }]);
    let error = read_multipart(Body::from(body), BOUNDARY, 1000, &FormLimits::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_wrong_boundary_is_400() {
    let bytes = body_bytes(&[text_part("a", "1")]);
    let error = read_multipart(Body::from(bytes), "other", 1 << 20, &FormLimits::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_empty_multipart_form_is_empty() {
    let form = read_parts(&[]).await.unwrap();
    assert_eq!(form.len(), 0);
}

#[test]
fn the_boundary_comes_from_the_content_type() {
    let cases = [
        ("multipart/form-data; boundary=abc", "abc"),
        (
            "multipart/form-data; boundary=\"quoted boundary\"",
            "quoted boundary",
        ),
        (
            "Multipart/Form-Data; charset=utf-8; boundary=----WebKitFormBoundaryx7",
            "----WebKitFormBoundaryx7",
        ),
    ];
    for (content_type, boundary) in cases {
        assert_eq!(
            multipart_boundary(content_type).unwrap(),
            boundary,
            "{content_type}"
        );
    }
    let longest = "b".repeat(70);
    assert_eq!(
        multipart_boundary(&format!("multipart/form-data; boundary={longest}")).unwrap(),
        longest
    );
}

#[test]
fn a_missing_or_bad_boundary_is_400() {
    let cases = [
        (
            "multipart/form-data",
            "multipart content type has no boundary",
        ),
        (
            "multipart/form-data; charset=utf-8",
            "multipart content type has no boundary",
        ),
        (
            "application/json",
            "content type is not multipart/form-data",
        ),
        ("not a content type", "malformed multipart content type"),
        (
            "multipart/form-data; boundary=\"a@b\"",
            "multipart boundary has characters rfc 2046 does not allow",
        ),
        (
            "multipart/form-data; boundary=\"ab \"",
            "multipart boundary has characters rfc 2046 does not allow",
        ),
    ];
    for (content_type, message) in cases {
        let error = multipart_boundary(content_type).unwrap_err();
        assert_eq!(
            (error.status(), error.message()),
            (StatusCode::BAD_REQUEST, message),
            "{content_type}"
        );
    }
    let too_long = format!("multipart/form-data; boundary={}", "b".repeat(71));
    let error = multipart_boundary(&too_long).unwrap_err();
    assert_eq!(
        (error.status(), error.message()),
        (
            StatusCode::BAD_REQUEST,
            "multipart boundary must be 1 to 70 characters long"
        )
    );
}
