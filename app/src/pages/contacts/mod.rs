pub mod edit;

pub use edit::{EditContactPage, NewContactPage};
