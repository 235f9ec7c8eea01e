//! Building blocks the pages share.

pub mod fields;
pub mod format;
pub mod layout;
pub mod pagination;
pub mod status;

pub use fields::{CheckboxField, ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField};
pub use layout::{AppHeader, PageHeader};
pub use pagination::Pagination;
pub use status::{ErrorPanel, PriorityBadge};
