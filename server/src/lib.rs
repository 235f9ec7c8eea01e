//! The Kitchen Pantry CRM server: configuration, start-up, the JSON API, seeding.
//! `main.rs` is a thin command-line front; tests build the server from here.

pub mod alerting;
pub mod compression;
pub mod config;
pub mod memory;
pub mod monitoring;
pub mod routes;
pub mod security;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
