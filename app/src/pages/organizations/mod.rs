pub mod detail;
pub mod edit;
pub mod import;
pub mod list;

pub use detail::OrganizationDetailPage;
pub use edit::{EditOrganizationPage, NewOrganizationPage};
pub use import::{ImportDetailPage, ImportPage};
pub use list::OrganizationsPage;
