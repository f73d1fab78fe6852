//! Reading a request body into memory without ever holding more than the limit.

use std::error::Error as StdError;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError};

use super::error::DecodeError;

/// Collects `body`, answering 413 as soon as the running count passes `limit`.
///
/// The count is checked before a frame is appended, so no more than `limit` bytes are ever
/// buffered, whatever `Content-Length` claimed (the caller has already refused a declared length
/// over the limit; this catches chunked bodies and lying clients).
pub(crate) async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, DecodeError> {
    let mut collected = Collected::Empty;
    while let Some(frame) = body.frame().await {
        collected.take(frame, limit)?;
    }
    Ok(collected.into_bytes())
}

/// [`read_body`], given up when `timer` expires (`Err(TimedOut)`). The timer is made only if the
/// body is not all there when asked: most bodies are (see `deadline`).
pub(crate) async fn read_body_before(
    mut body: Body,
    limit: usize,
    timer: &mut crate::deadline::LazyTimer,
) -> Result<Result<Bytes, DecodeError>, crate::deadline::TimedOut> {
    use http_body::Body as _;
    let mut collected = Collected::Empty;
    loop {
        let next = std::future::poll_fn(|cx| match std::pin::Pin::new(&mut body).poll_frame(cx) {
            std::task::Poll::Ready(frame) => std::task::Poll::Ready(Ok(frame)),
            std::task::Poll::Pending => timer
                .poll_expired(cx)
                .map(|()| Err(crate::deadline::TimedOut)),
        });
        let Some(frame) = next.await? else {
            return Ok(Ok(collected.into_bytes()));
        };
        if let Err(error) = collected.take(frame, limit) {
            return Ok(Err(error));
        }
    }
}

/// The body so far; a body of one frame is returned without a copy.
enum Collected {
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Collected {
    /// Adds a frame of the body, refusing it if the count would pass `limit`.
    fn take<E>(
        &mut self,
        frame: Result<http_body::Frame<Bytes>, E>,
        limit: usize,
    ) -> Result<(), DecodeError>
    where
        E: StdError + Send + Sync + 'static,
    {
        let frame = frame.map_err(|error| read_failure(error, limit))?;
        // Trailers carry no input: only data frames count.
        if let Ok(data) = frame.into_data() {
            if self.len().saturating_add(data.len()) > limit {
                return Err(DecodeError::body_too_large(limit));
            }
            self.append(data);
        }
        Ok(())
    }

    fn len(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::One(bytes) => bytes.len(),
            Self::Many(buffer) => buffer.len(),
        }
    }

    fn append(&mut self, data: Bytes) {
        *self = match std::mem::replace(self, Self::Empty) {
            Self::Empty => Self::One(data),
            Self::One(first) => {
                let mut buffer = BytesMut::with_capacity(first.len() + data.len());
                buffer.extend_from_slice(&first);
                buffer.extend_from_slice(&data);
                Self::Many(buffer)
            }
            Self::Many(mut buffer) => {
                buffer.extend_from_slice(&data);
                Self::Many(buffer)
            }
        };
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Self::Empty => Bytes::new(),
            Self::One(bytes) => bytes,
            Self::Many(buffer) => buffer.freeze(),
        }
    }
}

/// Maps a failure of the body stream: 413 when a length limit below us cut it, else 400 (the
/// client aborted or sent a broken chunked encoding).
pub(crate) fn read_failure<E>(error: E, limit: usize) -> DecodeError
where
    E: StdError + Send + Sync + 'static,
{
    if is_length_limit(&error) {
        return DecodeError::body_too_large(limit);
    }
    DecodeError::malformed("failed to read the request body").with_source(error)
}

/// Whether `error` or one of its causes is `http_body_util`'s length-limit error.
fn is_length_limit(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::stream;
    use http::StatusCode;
    use http_body_util::Limited;

    use super::*;

    fn chunked(chunks: Vec<&'static [u8]>) -> Body {
        Body::from_stream(stream::iter(chunks.into_iter().map(Ok::<_, Infallible>)))
    }

    #[tokio::test]
    async fn reads_a_body_within_the_limit() {
        let bytes = read_body(Body::from("hello"), 5).await.unwrap();
        assert_eq!(bytes.as_ref(), b"hello");
        let bytes = read_body(chunked(vec![b"he", b"", b"llo"]), 5)
            .await
            .unwrap();
        assert_eq!(bytes.as_ref(), b"hello");
        assert!(read_body(Body::empty(), 0).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn one_byte_over_the_limit_is_413() {
        let error = read_body(Body::from("hello!"), 5).await.unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message(), "request body is larger than 5 bytes");
        assert_eq!(error.field(), None);
    }

    #[tokio::test]
    async fn stops_reading_as_soon_as_the_limit_is_passed() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&pulled);
        let endless = stream::repeat_with(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Infallible>(Bytes::from_static(b"0123456789"))
        });
        let error = read_body(Body::from_stream(endless), 25).await.unwrap_err();
        assert!(error.is_too_large());
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            3,
            "read one frame past the limit, no more"
        );
    }

    #[tokio::test]
    async fn a_failing_stream_is_400_with_its_cause() {
        let failing = stream::iter(vec![
            Ok(Bytes::from_static(b"partial")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset",
            )),
        ]);
        let error = read_body(Body::from_stream(failing), 100)
            .await
            .unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.message(), "failed to read the request body");
        assert!(
            error
                .source()
                .is_some_and(|cause| cause.to_string().contains("connection reset"))
        );
    }

    #[tokio::test]
    async fn a_length_limit_below_us_is_413() {
        let limited = Body::new(Limited::new(Body::from("too long for the inner limit"), 4));
        let error = read_body(limited, 100).await.unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
