//! Brotli for the server's own answers (pages, JSON), with a window sized to them.
//!
//! tower-http's `CompressionLayer` compresses brotli with the encoder's default window of
//! 4 MiB and offers no way to change it. Once a body passes 64 KiB (a rep's Today page is
//! 85 KB) the encoder then holds 9.7 MB until the answer is sent; with a 1 MiB window
//! (`WINDOW_BITS`) 3.6 MB. The largest answers, a first copy's sync pages (1.4 MB of JSON),
//! compress as well as with 4 MiB; a 256 KiB window made them 16 % larger
//! (docs/benchmarks.md).
//!
//! tower-http still negotiates gzip for clients without brotli, and skips what this layer
//! has encoded (a response with `Content-Encoding`). Static files come precompressed.

use std::io;

use async_compression::brotli::EncoderParams;
use async_compression::tokio::bufread::BrotliEncoder;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::TryStreamExt;
use tokio_util::io::{ReaderStream, StreamReader};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};

/// Brotli's window: 2^20 = 1 MiB. Pages fit whole; sync pages lose nothing measurable.
pub const WINDOW_BITS: i32 = 20;
/// tower-http's quality for brotli on the fly (nginx's too).
const QUALITY: i32 = 4;

/// Compresses the answer with brotli when the client prefers it and the answer is worth it.
pub async fn brotli(request: Request, next: Next) -> Response {
    let wanted = prefers_brotli(request.headers());
    let response = next.run(request).await;
    if !wanted
        || response.headers().contains_key(header::CONTENT_ENCODING)
        || response.headers().contains_key(header::CONTENT_RANGE)
        || !DefaultPredicate::new().should_compress(&response)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ACCEPT_RANGES);
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
    parts.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let params = EncoderParams::default().quality(async_compression::Level::Precise(QUALITY)).window_size(WINDOW_BITS);
    let plain = StreamReader::new(body.into_data_stream().map_err(io::Error::other));
    Response::from_parts(parts, Body::from_stream(ReaderStream::new(BrotliEncoder::with_params(plain, params))))
}

/// Whether `Accept-Encoding` asks for brotli at least as much as for gzip (the other coding
/// we offer), as tower-http would choose between the two.
pub fn prefers_brotli(headers: &HeaderMap) -> bool {
    let (mut brotli, mut gzip, mut any) = (None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut fields = item.split(';');
            let coding = fields.next().unwrap_or_default().trim();
            let weight = fields
                .filter_map(|f| f.trim().strip_prefix("q=").or_else(|| f.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.to_ascii_lowercase().as_str() {
                "br" => brotli = Some(weight),
                "gzip" | "x-gzip" => gzip = Some(weight),
                "*" => any = Some(weight),
                _ => {}
            }
        }
    }
    let brotli = brotli.or(any).unwrap_or(0.0);
    brotli > 0.0 && brotli >= gzip.or(any).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        prefers_brotli(&headers)
    }

    #[test]
    fn browsers_get_brotli() {
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br"));
        assert!(accepts("BR;q=1.0, gzip;q=1.0"));
        assert!(accepts("*"));
    }

    #[test]
    fn brotli_only_when_asked_for_at_least_as_much_as_gzip() {
        assert!(!prefers_brotli(&HeaderMap::new()));
        assert!(!accepts("gzip"));
        assert!(!accepts("identity"));
        assert!(!accepts("gzip;q=1, br;q=0.5"));
        assert!(!accepts("br;q=0, gzip"));
        assert!(!accepts("br;q=0"));
        assert!(!accepts("*, br;q=0"));
        assert!(accepts("gzip;q=0.5, br"));
    }
}
