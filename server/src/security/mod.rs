//! The layers every request passes before it reaches a page or an API route:
//! who is signed in ([`session`]), refusal of cross-site changes ([`csrf`]), rate limits
//! ([`limits`]), request body sizes ([`body_limit`]), and the security headers on every response
//! ([`headers`]).

pub mod body_limit;
pub mod csrf;
pub mod headers;
pub mod limits;
pub mod session;
