//! CSV imports of organizations: the import page's data and starting an import. The file
//! itself goes up as a multipart post to the server's `/api/v1/imports`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::import::{ImportDetail, ImportSummary};

/// The import page: the latest imports, for people who may import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportsOverview {
    pub recent: Vec<ImportSummary>,
}

#[server(endpoint = "imports/recent", input = GetUrl)]
pub async fn get_imports() -> Result<ImportsOverview, AppError> {
    let access = super::server::access()?;
    Ok(ImportsOverview { recent: access.recent_imports().await? })
}

#[server(endpoint = "imports/detail", input = GetUrl)]
pub async fn get_import(id: Uuid) -> Result<ImportDetail, AppError> {
    Ok(super::server::access()?.import_detail(id).await?)
}

/// Starts (or resumes) an import with the choice for rows that match an existing
/// organization; the rows are imported in the background while the page shows progress.
/// A plain form post (no JavaScript) comes back to the import's page.
#[server(endpoint = "imports/start")]
pub async fn start_import(id: Uuid, on_duplicate: String) -> Result<ImportSummary, AppError> {
    let choice = crate::model::OnDuplicate::from_code_or_label(&on_duplicate).ok_or_else(|| {
        AppError::invalid(crate::model::FieldErrors::from([(
            "on_duplicate".to_owned(),
            "Choose whether to skip or update organizations that already exist.".to_owned(),
        )]))
    })?;
    let access = super::server::background_access()?;
    if access.start_import(id, choice).await? {
        tokio::spawn(async move {
            if let Err(error) = access.run_import(id).await {
                tracing::error!(import = %id, %error, "import could not run");
            }
        });
    }
    super::server::redirect_plain_form(&format!("/organizations/import/{id}"));
    Ok(super::server::access()?.import_detail(id).await?.summary)
}
