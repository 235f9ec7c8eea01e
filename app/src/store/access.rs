//! The store as one signed-in user may use it: every read is limited to what they may see
//! (records they may not see are "not found"), every write is checked against
//! [`crate::policy`] before it happens. Pages, server functions and the JSON API all go
//! through here; the bare [`Store`] is for the system itself (seeding, migrations, tests).

use uuid::Uuid;

use super::{Actor, NewUser, OrganizationPage, Store, StoreError};
use crate::model::{
    AuditEntry, Contact, ContactDraft, ContactQuery, CurrentUser, Organization, OrganizationDraft, OrganizationQuery,
    Page, Role, UserAccount, UserSummary,
};
use crate::policy::{self, Action, Decision};

/// A user's view of the store.
#[derive(Debug, Clone)]
pub struct Access {
    store: Store,
    user: CurrentUser,
    actor: Actor,
}

impl Store {
    /// The store as `user` may use it; `actor` says where their changes come from.
    pub fn access(&self, user: CurrentUser, actor: Actor) -> Access {
        let actor = Actor { user_id: Some(user.id), ..actor };
        Access { store: self.clone(), user, actor }
    }
}

impl Access {
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    fn check(&self, what: &'static str, decision: Decision) -> Result<(), StoreError> {
        match decision {
            Decision::Allow => Ok(()),
            Decision::Hide => Err(StoreError::NotFound(what)),
            Decision::Deny(reason) => Err(StoreError::Forbidden(reason)),
        }
    }

    /// The assignee of the organization a contact is being put under. Naming an organization
    /// the user may not see is the same mistake as naming one that does not exist.
    async fn assignee_of(&self, organization_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let no_such = || StoreError::field("organization_id", "Choose an organization that exists.");
        let org = self.store.organization(organization_id).await.map_err(|e| match e {
            StoreError::NotFound(_) => no_such(),
            other => other,
        })?;
        if policy::can_see(&self.user, org.assigned_user_id) { Ok(org.assigned_user_id) } else { Err(no_such()) }
    }

    /// `org`, if the user may do `action` to it (reads, updates, deletes).
    fn organization_for(&self, org: Organization, action: Action) -> Result<Organization, StoreError> {
        self.check("Organization", policy::decide(&self.user, action, org.assigned_user_id))?;
        Ok(org)
    }

    /// `contact`, if the user may do `action` to it: the rule of its organization.
    async fn contact_for(&self, contact: Contact, action: Action) -> Result<Contact, StoreError> {
        let assignee = self.store.organization_any(contact.organization_id).await?.assigned_user_id;
        self.check("Contact", policy::decide(&self.user, action, assignee))?;
        Ok(contact)
    }

    // --- organizations ---

    /// An organization to show (possibly from the read cache: not for the base of a change).
    pub async fn organization(&self, id: Uuid) -> Result<Organization, StoreError> {
        self.organization_for(self.store.organization_to_show(id).await?, Action::Read)
    }

    /// An organization whether deleted or not (for its history).
    pub async fn organization_any(&self, id: Uuid) -> Result<Organization, StoreError> {
        self.organization_for(self.store.organization_any(id).await?, Action::Read)
    }

    /// An organization the user may change, as stored now (for its edit form, or as the
    /// base of a change).
    pub async fn organization_to_edit(&self, id: Uuid) -> Result<Organization, StoreError> {
        self.organization_for(self.store.organization(id).await?, Action::Update)
    }

    pub async fn list_organizations(&self, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        let query = OrganizationQuery { visible_to: policy::organization_scope(&self.user), ..query.clone() };
        self.store.list_organizations(&query).await
    }

    /// Whether the user may create organizations at all (for the "new" form).
    pub fn check_may_create_organization(&self) -> Result<(), StoreError> {
        self.check("Organization", policy::decide(&self.user, Action::Create, Some(self.user.id)))
    }

    pub async fn create_organization(
        &self,
        id: Option<Uuid>,
        mut draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        draft.assigned_user_id = policy::default_assignee(&self.user, draft.assigned_user_id);
        self.check("Organization", policy::decide(&self.user, Action::Create, draft.assigned_user_id))?;
        self.store.create_organization(&self.actor, id, draft).await
    }

    pub async fn update_organization(
        &self,
        id: Uuid,
        expected_version: i64,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let current = self.store.organization(id).await?;
        self.check(
            "Organization",
            policy::decide_change(&self.user, current.assigned_user_id, draft.assigned_user_id),
        )?;
        self.store.update_organization(&self.actor, id, expected_version, draft).await
    }

    pub async fn delete_organization(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Organization, StoreError> {
        self.organization_for(self.store.organization(id).await?, Action::Delete)?;
        self.store.delete_organization(&self.actor, id, expected_version).await
    }

    pub async fn restore_organization(&self, id: Uuid) -> Result<Organization, StoreError> {
        self.organization_for(self.store.organization_any(id).await?, Action::Delete)?;
        self.store.restore_organization(&self.actor, id).await
    }

    pub async fn organization_history(&self, id: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        self.organization_any(id).await?;
        self.store.history("organization", id).await
    }

    // --- contacts ---

    pub async fn contact(&self, id: Uuid) -> Result<Contact, StoreError> {
        self.contact_for(self.store.contact(id).await?, Action::Read).await
    }

    /// A contact the user may change (for its edit form).
    pub async fn contact_to_edit(&self, id: Uuid) -> Result<Contact, StoreError> {
        self.contact_for(self.store.contact(id).await?, Action::Update).await
    }

    pub async fn list_contacts(&self, query: &ContactQuery) -> Result<Page<Contact>, StoreError> {
        let query = ContactQuery { visible_to: policy::organization_scope(&self.user), ..query.clone() };
        self.store.list_contacts(&query).await
    }

    pub async fn count_contacts(&self) -> Result<i64, StoreError> {
        self.store.count_contacts(policy::organization_scope(&self.user)).await
    }

    /// The organization a new contact would go under, if the user may add one there.
    pub async fn organization_for_new_contact(&self, organization_id: Uuid) -> Result<Organization, StoreError> {
        let org = self.organization(organization_id).await?;
        self.check("Organization", policy::decide(&self.user, Action::Create, org.assigned_user_id))?;
        Ok(org)
    }

    pub async fn create_contact(&self, id: Option<Uuid>, draft: ContactDraft) -> Result<Contact, StoreError> {
        let assignee = self.assignee_of(draft.organization_id).await?;
        self.check("Contact", policy::decide(&self.user, Action::Create, assignee))?;
        self.store.create_contact(&self.actor, id, draft).await
    }

    pub async fn update_contact(
        &self,
        id: Uuid,
        expected_version: i64,
        draft: ContactDraft,
    ) -> Result<Contact, StoreError> {
        let current = self.store.contact(id).await?;
        let before = self.store.organization_any(current.organization_id).await?.assigned_user_id;
        self.check("Contact", policy::decide(&self.user, Action::Update, before))?;
        let after = if draft.organization_id == current.organization_id {
            before
        } else {
            self.assignee_of(draft.organization_id).await?
        };
        self.check("Contact", policy::decide_change(&self.user, before, after))?;
        self.store.update_contact(&self.actor, id, expected_version, draft).await
    }

    pub async fn delete_contact(&self, id: Uuid, expected_version: Option<i64>) -> Result<Contact, StoreError> {
        self.contact_for(self.store.contact(id).await?, Action::Delete).await?;
        self.store.delete_contact(&self.actor, id, expected_version).await
    }

    pub async fn restore_contact(&self, id: Uuid) -> Result<Contact, StoreError> {
        self.contact_for(self.store.contact_any(id).await?, Action::Delete).await?;
        self.store.restore_contact(&self.actor, id).await
    }

    pub async fn contact_history(&self, id: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        self.contact_for(self.store.contact_any(id).await?, Action::Read).await?;
        self.store.history("contact", id).await
    }

    // --- people ---

    /// Who records can be assigned to by this user: everyone active, or for a rep themselves.
    pub async fn assignable_users(&self) -> Result<Vec<UserSummary>, StoreError> {
        let users = self.store.active_users().await?;
        Ok(match policy::organization_scope(&self.user) {
            None => users,
            Some(me) => users.into_iter().filter(|u| u.id == me).collect(),
        })
    }

    // --- accounts (administrators) and the user's own password ---

    pub fn check_admin(&self) -> Result<(), StoreError> {
        if policy::can_administer(&self.user) {
            Ok(())
        } else {
            Err(StoreError::Forbidden("Only an administrator can manage users.".into()))
        }
    }

    pub async fn accounts(&self) -> Result<Vec<UserAccount>, StoreError> {
        self.check_admin()?;
        self.store.accounts().await
    }

    /// Creates an account with its first password (already hashed).
    pub async fn create_account(&self, user: NewUser, password_hash: &str) -> Result<UserSummary, StoreError> {
        self.check_admin()?;
        let created = self.store.create_user(user).await?;
        self.store.set_password_hash(created.id, Some(password_hash)).await?;
        Ok(created)
    }

    pub async fn set_account_access(&self, id: Uuid, version: i64, role: Role, active: bool) -> Result<(), StoreError> {
        policy::check_account_change(&self.user, id, role, active).map_err(StoreError::Forbidden)?;
        self.store.set_account_access(&self.actor, id, version, role, active).await
    }

    /// Sets someone's password (they forgot theirs); their sessions end.
    pub async fn reset_password(&self, id: Uuid, password_hash: &str) -> Result<(), StoreError> {
        self.check_admin()?;
        self.store.set_password_hash(id, Some(password_hash)).await
    }

    /// The user's own password hash, to check their current password.
    pub async fn own_password_hash(&self) -> Result<Option<String>, StoreError> {
        Ok(self.store.login_account(&self.user.email).await?.and_then(|account| account.password_hash))
    }

    /// Replaces the user's own password; their other sessions (other devices) end.
    pub async fn change_own_password(&self, password_hash: &str, keep_session: &str) -> Result<(), StoreError> {
        self.store.replace_password_hash(self.user.id, Some(password_hash), Some(keep_session)).await
    }

    /// A user's name and role (an assignee on a record the user sees).
    pub async fn user_summary(&self, id: Uuid) -> Result<UserSummary, StoreError> {
        self.store.user(id).await
    }
}
