//! Who is calling, for the audit log.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use app::store::Actor;

pub struct RequestActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for RequestActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestActor(app::api::server::actor_from_parts(parts)))
    }
}
