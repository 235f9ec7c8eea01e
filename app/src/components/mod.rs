//! Building blocks the pages share.

pub mod draft;
pub mod fields;
pub mod figures;
pub mod format;
pub mod history;
pub mod keyboard;
pub mod layout;
pub mod line_chart;
pub mod page_data;
pub mod pagination;
pub mod preload;
pub mod status;
pub mod sync_indicator;

pub use fields::{
    CheckboxField, ChoiceField, ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField,
    code_options,
};
pub use history::History;
#[cfg(feature = "hydrate")]
pub use layout::remember_session;
pub use layout::{AppHeader, PageHeader, Session, provide_session, use_session};
pub use page_data::{PageData, page_data};
pub use pagination::Pagination;
pub use preload::preload_route;
pub use status::{ErrorPanel, PriorityBadge, loaded, open_page_on_success, rendered_or_error};
pub use sync_indicator::SyncIndicator;
