//! The CRM's types, shared by the server, the browser and (later) the offline store,
//! with the validation every write goes through.

pub mod alert_channels;
pub mod alert_overview;
pub mod alert_rules;
pub mod alerts;
pub mod audit;
pub mod contact;
pub mod dashboard;
pub mod enums;
pub mod form;
pub mod import;
#[cfg(feature = "ssr")]
pub mod import_file;
pub mod interaction;
pub mod monitoring;
pub mod opportunity;
pub mod organization;
pub mod patch;
pub mod query;
pub mod search;
pub mod sync;
pub mod user;
pub mod validate;
pub mod vitals;

pub use audit::AuditEntry;
pub use contact::{Contact, ContactDraft, ContactForm};
pub use enums::*;
pub use interaction::{
    AccountToVisit, Due, FollowUp, Interaction, InteractionDraft, InteractionForm, InteractionItem, NextStep,
};
pub use opportunity::{
    Opportunity, OpportunityDraft, OpportunityForm, OpportunityItem, StageChange, StageMoveForm, StageTotal, Staleness,
};
pub use organization::{Organization, OrganizationDraft, OrganizationForm, OrganizationSummary};
pub use query::{ContactQuery, InteractionQuery, OrganizationQuery, OrganizationSort, Page, SortDirection};
pub use user::{
    AccountAccessForm, CurrentUser, NewAccountForm, PasswordChangeForm, PasswordResetForm, UserAccount, UserSummary,
    check_new_password,
};
pub use validate::FieldErrors;
