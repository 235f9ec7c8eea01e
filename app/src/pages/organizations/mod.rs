pub mod detail;
pub mod edit;
pub mod list;

pub use detail::OrganizationDetailPage;
pub use edit::{EditOrganizationPage, NewOrganizationPage};
pub use list::OrganizationsPage;
