//! A page's data: a resource the server loads and sends inside the page, and the browser
//! reads back when it hydrates.
//!
//! Leptos's default resource codec reads that copy with `serde_json::from_str`, while server
//! functions read their answers with `serde_json::from_slice`. The two readers are different
//! types, so every answer's deserializer was compiled into the WASM twice. [`Json`] reads with
//! `from_slice` too, and each type's deserializer is there once.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// JSON, read with the same reader as server functions' answers.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// What a page shows once loaded, or why it cannot be shown.
pub type PageData<T> = Resource<Result<T, AppError>, Json>;

/// A page's data: `fetch` runs for each value of `source` (on the server for the first
/// render, in the browser when `source` changes).
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Clone + PartialEq + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetch, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priority;

    fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
        let text = <Json as Encoder<T>>::encode(value).expect("encodes");
        <Json as Decoder<T>>::decode(&text).expect("decodes")
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let value: Result<Vec<Priority>, AppError> = Ok(vec![Priority::A, Priority::C]);
        assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn an_error_travels_too() {
        let value: Result<u32, AppError> = Err(AppError::bad_request("Choose a rep from the list."));
        assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn a_damaged_copy_is_an_error_not_a_panic() {
        assert!(<Json as Decoder<Result<u32, AppError>>>::decode("{\"Ok\":").is_err());
    }
}
