//! The store as one signed-in user may use it: every read is limited to what they may see
//! (records they may not see are "not found"), every write is checked against
//! [`crate::policy`] before it happens. Pages, server functions and the JSON API all go
//! through here; the bare [`Store`] is for the system itself (seeding, migrations, tests).

use uuid::Uuid;

use super::{Actor, BoardQuery, CacheKey, Kind, NewUser, OrganizationPage, Store, StoreError};
use crate::model::OnDuplicate;
use crate::model::import::{ImportDetail, ImportSummary};
use crate::model::import_file::ErrorRow;
use crate::model::{
    AccountToVisit, AuditEntry, CloseReason, Contact, ContactDraft, ContactQuery, CurrentUser, FollowUp, Interaction,
    InteractionDraft, InteractionItem, InteractionQuery, Opportunity, OpportunityDraft, OpportunityItem, Organization,
    OrganizationDraft, OrganizationQuery, Page, Role, Stage, StageChange, StageTotal, UserAccount, UserSummary,
};
use crate::policy::{self, Action, Decision};

/// A user's view of the store.
#[derive(Debug, Clone)]
pub struct Access {
    pub(super) store: Store,
    pub(super) user: CurrentUser,
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

    /// Whether the user may do `action` to a record (`what`) under `organization_id`: the
    /// rule of its organization, which contacts, interactions and deals share.
    async fn check_under(&self, what: &'static str, organization_id: Uuid, action: Action) -> Result<(), StoreError> {
        let assignee = self.store.organization_any(organization_id).await?.assigned_user_id;
        self.check(what, policy::decide(&self.user, action, assignee))
    }

    /// Whether the user may change a record under `from` and, when the change moves it,
    /// put it under `to` (never under an organization they may not see or change).
    async fn check_change_under(&self, what: &'static str, from: Uuid, to: Uuid) -> Result<(), StoreError> {
        let before = self.store.organization_any(from).await?.assigned_user_id;
        self.check(what, policy::decide(&self.user, Action::Update, before))?;
        let after = if to == from { before } else { self.assignee_of(to).await? };
        self.check(what, policy::decide_change(&self.user, before, after))
    }

    async fn contact_for(&self, contact: Contact, action: Action) -> Result<Contact, StoreError> {
        self.check_under("Contact", contact.organization_id, action).await?;
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
        let org = self.organization_any(id).await?;
        self.organization_history_of(&org).await
    }

    /// The history of an organization this access returned (so the user may see it).
    pub async fn organization_history_of(&self, org: &Organization) -> Result<Vec<AuditEntry>, StoreError> {
        self.store.history("organization", org.id).await
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

    /// The organization a new record (contact, interaction, deal) would go under, if the
    /// user may add one there.
    pub async fn organization_to_add_to(&self, organization_id: Uuid) -> Result<Organization, StoreError> {
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
        self.check_change_under("Contact", current.organization_id, draft.organization_id).await?;
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

    // --- interactions ---

    async fn interaction_for(&self, interaction: Interaction, action: Action) -> Result<Interaction, StoreError> {
        self.check_under("Interaction", interaction.organization_id, action).await?;
        Ok(interaction)
    }

    pub async fn interaction(&self, id: Uuid) -> Result<Interaction, StoreError> {
        self.interaction_for(self.store.interaction(id).await?, Action::Read).await
    }

    /// An interaction the user may change (for its edit form).
    pub async fn interaction_to_edit(&self, id: Uuid) -> Result<Interaction, StoreError> {
        self.interaction_for(self.store.interaction(id).await?, Action::Update).await
    }

    /// Logs an interaction as the user (its author), possibly completing an earlier follow-up.
    pub async fn create_interaction(
        &self,
        id: Option<Uuid>,
        draft: InteractionDraft,
        completes: Option<Uuid>,
    ) -> Result<Interaction, StoreError> {
        let assignee = self.assignee_of(draft.organization_id).await?;
        self.check("Interaction", policy::decide(&self.user, Action::Create, assignee))?;
        self.store.create_interaction(&self.actor, self.user.id, id, draft, completes).await
    }

    pub async fn update_interaction(
        &self,
        id: Uuid,
        expected_version: i64,
        draft: InteractionDraft,
    ) -> Result<Interaction, StoreError> {
        let current = self.store.interaction(id).await?;
        self.check_change_under("Interaction", current.organization_id, draft.organization_id).await?;
        self.store.update_interaction(&self.actor, id, expected_version, draft).await
    }

    pub async fn delete_interaction(&self, id: Uuid, expected_version: Option<i64>) -> Result<Interaction, StoreError> {
        self.interaction_for(self.store.interaction(id).await?, Action::Delete).await?;
        self.store.delete_interaction(&self.actor, id, expected_version).await
    }

    pub async fn list_interactions(&self, query: &InteractionQuery) -> Result<Page<InteractionItem>, StoreError> {
        let query = InteractionQuery { visible_to: policy::organization_scope(&self.user), ..query.clone() };
        self.store.list_interactions(&query).await
    }

    /// One page of the interactions this user sees, without counting them all.
    pub async fn interactions(&self, query: &InteractionQuery) -> Result<Vec<InteractionItem>, StoreError> {
        let query = InteractionQuery { visible_to: policy::organization_scope(&self.user), ..query.clone() };
        self.store.interactions(&query).await
    }

    /// The history of an interaction this access returned.
    pub async fn interaction_history(&self, interaction: &Interaction) -> Result<Vec<AuditEntry>, StoreError> {
        self.store.history("interaction", interaction.id).await
    }

    /// The user's own open follow-ups due before `until`, overdue ones included.
    pub async fn my_follow_ups(&self, until: chrono::NaiveDate) -> Result<Vec<FollowUp>, StoreError> {
        self.store.follow_ups_due(self.user.id, until, policy::organization_scope(&self.user)).await
    }

    /// A-priority accounts the user sees with no interaction since `before`.
    pub async fn accounts_to_visit(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<AccountToVisit>, i64), StoreError> {
        self.store.accounts_to_visit(policy::organization_scope(&self.user), before).await
    }

    // --- opportunities ---

    async fn opportunity_for(&self, deal: Opportunity, action: Action) -> Result<Opportunity, StoreError> {
        self.check_under("Opportunity", deal.organization_id, action).await?;
        Ok(deal)
    }

    /// A deal with its organization's and owner's names.
    pub async fn opportunity(&self, id: Uuid) -> Result<OpportunityItem, StoreError> {
        let deal = self.store.opportunity_item(id).await?;
        self.check("Opportunity", policy::decide(&self.user, Action::Read, deal.assigned_user_id))?;
        Ok(deal)
    }

    /// A deal the user may change (for its edit form).
    pub async fn opportunity_to_edit(&self, id: Uuid) -> Result<Opportunity, StoreError> {
        self.opportunity_for(self.store.opportunity(id).await?, Action::Update).await
    }

    pub async fn create_opportunity(
        &self,
        id: Option<Uuid>,
        draft: OpportunityDraft,
    ) -> Result<Opportunity, StoreError> {
        let assignee = self.assignee_of(draft.organization_id).await?;
        self.check("Opportunity", policy::decide(&self.user, Action::Create, assignee))?;
        let draft = OpportunityDraft { owner_id: self.owner_for(draft.owner_id), ..draft };
        self.store.create_opportunity(&self.actor, self.user.id, id, draft).await
    }

    /// A rep's deals are their own; managers and admins may name any owner.
    fn owner_for(&self, asked: Option<Uuid>) -> Option<Uuid> {
        match policy::organization_scope(&self.user) {
            Some(me) => Some(me),
            None => asked,
        }
    }

    pub async fn update_opportunity(
        &self,
        id: Uuid,
        expected_version: i64,
        draft: OpportunityDraft,
    ) -> Result<Opportunity, StoreError> {
        let current = self.store.opportunity(id).await?;
        self.check_change_under("Opportunity", current.organization_id, draft.organization_id).await?;
        let owner = match policy::organization_scope(&self.user) {
            Some(_) => Some(current.owner_id),
            None => draft.owner_id,
        };
        self.store
            .update_opportunity(&self.actor, id, expected_version, OpportunityDraft { owner_id: owner, ..draft })
            .await
    }

    pub async fn move_opportunity(
        &self,
        id: Uuid,
        expected_version: i64,
        stage: Stage,
        reason: Option<CloseReason>,
    ) -> Result<Opportunity, StoreError> {
        self.opportunity_for(self.store.opportunity(id).await?, Action::Update).await?;
        self.store.move_opportunity(&self.actor, id, expected_version, stage, reason).await
    }

    pub async fn delete_opportunity(&self, id: Uuid, expected_version: Option<i64>) -> Result<Opportunity, StoreError> {
        self.opportunity_for(self.store.opportunity(id).await?, Action::Delete).await?;
        self.store.delete_opportunity(&self.actor, id, expected_version).await
    }

    /// The board and its totals, limited to what the user sees.
    pub async fn opportunity_board(
        &self,
        owner_id: Option<Uuid>,
        closed_since: chrono::NaiveDate,
    ) -> Result<(Vec<OpportunityItem>, Vec<StageTotal>), StoreError> {
        let query = BoardQuery { visible_to: policy::organization_scope(&self.user), owner_id, closed_since };
        tokio::try_join!(self.store.opportunity_board(&query), self.store.pipeline_totals(&query))
    }

    /// The deals of an organization this access returned (so the user may see it).
    pub async fn organization_opportunities(&self, org: &Organization) -> Result<Vec<OpportunityItem>, StoreError> {
        self.store.organization_opportunities(org.id).await
    }

    /// The stage changes and audit history of a deal this access returned.
    pub async fn opportunity_history(
        &self,
        deal: &OpportunityItem,
    ) -> Result<(Vec<StageChange>, Vec<AuditEntry>), StoreError> {
        let id = deal.opportunity.id;
        tokio::try_join!(self.store.stage_changes(id), self.store.history("opportunity", id))
    }

    // --- dashboard ---

    /// The dashboard's figures per rep (a rep gets only their own row), weekly activity
    /// and the pipeline by stage, for `period` and optionally one `rep`.
    pub async fn dashboard(
        &self,
        rep: Option<Uuid>,
        period: crate::model::dashboard::Period,
    ) -> Result<
        (Vec<(Option<Uuid>, crate::model::dashboard::Kpis)>, Vec<(chrono::NaiveDate, i64)>, Vec<StageTotal>),
        StoreError,
    > {
        let (query, board) = self.figures_query(rep, period);
        let key = CacheKey::scoped(Kind::Figures, query.visible_to, &("dashboard", query.rep, period));
        self.store
            .cached(key, || async {
                let (figures, stages) =
                    tokio::try_join!(self.store.dashboard(&query), self.store.pipeline_totals(&board))?;
                Ok::<_, StoreError>((figures.reps, figures.weekly_activity, stages))
            })
            .await
    }

    /// The reports' figures: weekly activity per rep, interaction volume by kind and
    /// outcome, the pipeline by stage and the accounts with the most won value.
    #[allow(clippy::type_complexity)]
    pub async fn reports(
        &self,
        rep: Option<Uuid>,
        period: crate::model::dashboard::Period,
    ) -> Result<
        (
            Vec<(Option<Uuid>, Vec<(chrono::NaiveDate, i64)>)>,
            Vec<(crate::model::InteractionKind, Option<crate::model::Outcome>, i64)>,
            Vec<StageTotal>,
            Vec<crate::model::dashboard::OrganizationResult>,
        ),
        StoreError,
    > {
        let (query, board) = self.figures_query(rep, period);
        let key = CacheKey::scoped(Kind::Figures, query.visible_to, &("reports", query.rep, period));
        self.store
            .cached(key, || async {
                tokio::try_join!(
                    self.store.weekly_activity_by_rep(&query),
                    self.store.interaction_volume(&query),
                    self.store.pipeline_totals(&board),
                    self.store.top_organizations(&query, 20),
                )
            })
            .await
    }

    /// The dashboard's and reports' filters as the user may use them: a rep only ever
    /// gets their own figures. Their figures are cached for the reader's scope, the rep and
    /// the period (today included) until a write under an account of that scope, or the
    /// cache's TTL for what moves with the clock (deals going stale).
    fn figures_query(
        &self,
        rep: Option<Uuid>,
        period: crate::model::dashboard::Period,
    ) -> (super::DashboardQuery, BoardQuery) {
        let visible_to = policy::organization_scope(&self.user);
        let rep = visible_to.or(rep);
        let query = super::DashboardQuery { visible_to, rep, period, now: super::now() };
        (query, BoardQuery { visible_to, owner_id: rep, closed_since: period.from })
    }

    // --- search ---

    /// Organizations and contacts the user sees matching `text`, best first.
    pub async fn search(&self, text: &str, limit: usize) -> Result<Vec<crate::model::search::SearchHit>, StoreError> {
        match crate::model::search::SearchQuery::parse(text).map_err(|message| StoreError::field("q", message))? {
            Some(query) => self.store.search(&query, policy::organization_scope(&self.user), limit).await,
            None => Ok(Vec::new()),
        }
    }

    // --- CSV imports (managers and administrators) ---

    pub fn check_may_import(&self) -> Result<(), StoreError> {
        if policy::can_import(&self.user) {
            Ok(())
        } else {
            Err(StoreError::Forbidden("Only managers and administrators can import organizations.".into()))
        }
    }

    /// Reads, checks and keeps an uploaded file (refused files are kept with the reason).
    pub async fn stage_import(&self, file_name: &str, bytes: &[u8]) -> Result<Uuid, StoreError> {
        self.check_may_import()?;
        self.store.stage_import(&self.actor, file_name, bytes).await
    }

    /// Keeps an upload refused before it could be read (too large), with the reason.
    pub async fn reject_import(&self, file_name: &str, message: &str) -> Result<Uuid, StoreError> {
        self.check_may_import()?;
        self.store.reject_import(&self.actor, file_name, message).await
    }

    pub async fn import_detail(&self, id: Uuid) -> Result<ImportDetail, StoreError> {
        self.check_may_import()?;
        self.store.import_detail(id).await
    }

    pub async fn recent_imports(&self) -> Result<Vec<ImportSummary>, StoreError> {
        self.check_may_import()?;
        self.store.recent_imports(10).await
    }

    /// Marks an import running (`false`: it was already); [`Access::run_import`] does the work.
    pub async fn start_import(&self, id: Uuid, on_duplicate: OnDuplicate) -> Result<bool, StoreError> {
        self.check_may_import()?;
        self.store.start_import(id, on_duplicate).await
    }

    /// Imports the rows of a started import, as the user who started it.
    pub async fn run_import(&self, id: Uuid) -> Result<(), StoreError> {
        self.check_may_import()?;
        self.store.run_import(&self.actor, id).await
    }

    pub async fn import_errors(&self, id: Uuid) -> Result<(Vec<String>, Vec<ErrorRow>), StoreError> {
        self.check_may_import()?;
        self.store.import_errors(id).await
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
