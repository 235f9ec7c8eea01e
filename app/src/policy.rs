//! Who may do what: the roles table of `shared/domain.md` as plain functions, with no I/O.
//! The server asks these on every path (pages, server functions, the JSON API, sync); the
//! browser asks the same functions only to hide what the server would refuse anyway.
//!
//! | role      | sees                         | may change                          | may delete |
//! |-----------|------------------------------|-------------------------------------|------------|
//! | admin     | everything                   | everything                          | yes        |
//! | manager   | all CRM records, monitoring  | all CRM records, reassign           | no         |
//! | sales_rep | organizations assigned to them and what hangs under them | those, and new ones assigned to themselves | no |
//! | read_only | all CRM records              | nothing                             | no         |

use uuid::Uuid;

use crate::model::{CurrentUser, Role};

/// What a user wants to do to a CRM record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    /// Soft delete and restore.
    Delete,
}

/// The answer, with the reason a refusal gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The user may not know the record exists: answer "not found".
    Hide,
    /// The user sees the record but may not do this to it.
    Deny(String),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// The organizations a user's lists are limited to: `None` for all, `Some(user)` for those
/// assigned to that user.
pub fn organization_scope(user: &CurrentUser) -> Option<Uuid> {
    (user.role == Role::SalesRep).then_some(user.id)
}

/// Whether `user` may see an organization (and the contacts, interactions and
/// opportunities under it) assigned to `assignee`.
pub fn can_see(user: &CurrentUser, assignee: Option<Uuid>) -> bool {
    match organization_scope(user) {
        None => true,
        Some(me) => assignee == Some(me),
    }
}

/// May `user` do `action` to a CRM record that belongs to an organization assigned to
/// `assignee`? Organizations and every record under them follow the same rule.
pub fn decide(user: &CurrentUser, action: Action, assignee: Option<Uuid>) -> Decision {
    if !can_see(user, assignee) {
        // A rep creating a record for someone else's organization (or assigning a new
        // one to someone else) is refused plainly; anything else stays hidden.
        return if action == Action::Create {
            Decision::Deny("Sales reps can only add records to organizations assigned to them.".into())
        } else {
            Decision::Hide
        };
    }
    match (user.role, action) {
        (_, Action::Read) => Decision::Allow,
        (Role::ReadOnly, _) => {
            Decision::Deny("Your account is read-only: it can look at records but not change them.".into())
        }
        (Role::Admin, _) => Decision::Allow,
        (Role::Manager | Role::SalesRep, Action::Delete) => {
            Decision::Deny("Only an administrator can delete or restore records.".into())
        }
        (Role::Manager | Role::SalesRep, Action::Create | Action::Update) => Decision::Allow,
    }
}

/// A change moves a record from the organization assigned to `before` to the one assigned
/// to `after` (the same one, usually): the user must be allowed to change it on both sides,
/// so a rep can neither take over nor give away an account.
pub fn decide_change(user: &CurrentUser, before: Option<Uuid>, after: Option<Uuid>) -> Decision {
    match decide(user, Action::Update, before) {
        Decision::Allow if before == after => Decision::Allow,
        Decision::Allow => match decide(user, Action::Update, after) {
            Decision::Allow => Decision::Allow,
            _ => Decision::Deny("Sales reps cannot give their organizations to someone else; ask your manager.".into()),
        },
        other => other,
    }
}

/// The assignee a new organization gets when the form leaves it empty: reps' new accounts
/// are theirs.
pub fn default_assignee(user: &CurrentUser, chosen: Option<Uuid>) -> Option<Uuid> {
    match (chosen, user.role) {
        (None, Role::SalesRep) => Some(user.id),
        (chosen, _) => chosen,
    }
}

/// Administration: users, alert rules, caches, monitoring settings.
pub fn can_administer(user: &CurrentUser) -> bool {
    user.role == Role::Admin
}

/// An administrator changing an account: they may not take away their own administration
/// (nobody might be left to give it back).
pub fn check_account_change(admin: &CurrentUser, account: Uuid, role: Role, active: bool) -> Result<(), String> {
    if !can_administer(admin) {
        return Err("Only an administrator can manage users.".into());
    }
    if account == admin.id && (role != Role::Admin || !active) {
        return Err("You cannot remove your own administrator access; ask another administrator.".into());
    }
    Ok(())
}

/// Reports, the team dashboard and monitoring.
pub fn can_monitor(user: &CurrentUser) -> bool {
    matches!(user.role, Role::Admin | Role::Manager)
}

/// Whether the user may change any CRM record at all (to show or hide "New" and "Edit").
pub fn can_write(user: &CurrentUser) -> bool {
    user.role != Role::ReadOnly
}

/// CSV imports of organizations: the people who manage everyone's accounts (domain.md's
/// admin "imports data"; a manager may create and change every CRM record anyway).
pub fn can_import(user: &CurrentUser) -> bool {
    matches!(user.role, Role::Admin | Role::Manager)
}

/// Whether the user may delete or restore records.
pub fn can_delete(user: &CurrentUser) -> bool {
    user.role == Role::Admin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> CurrentUser {
        CurrentUser { id: Uuid::now_v7(), email: "u@example.test".into(), full_name: "U".into(), role }
    }

    #[test]
    fn only_managers_and_administrators_import() {
        assert!(can_import(&user(Role::Admin)));
        assert!(can_import(&user(Role::Manager)));
        assert!(!can_import(&user(Role::SalesRep)));
        assert!(!can_import(&user(Role::ReadOnly)));
    }

    const ACTIONS: [Action; 4] = [Action::Read, Action::Create, Action::Update, Action::Delete];

    /// The roles table, row by row, for a record assigned to someone else.
    #[test]
    fn the_roles_table_for_someone_elses_record() {
        let other = Some(Uuid::now_v7());
        let expect = |role: Role, allowed: [bool; 4]| {
            let u = user(role);
            for (action, allowed) in ACTIONS.into_iter().zip(allowed) {
                assert_eq!(decide(&u, action, other).is_allowed(), allowed, "{role:?} {action:?}");
            }
        };
        expect(Role::Admin, [true, true, true, true]);
        expect(Role::Manager, [true, true, true, false]);
        expect(Role::ReadOnly, [true, false, false, false]);
        expect(Role::SalesRep, [false, false, false, false]);
    }

    #[test]
    fn reps_work_on_their_own_accounts_but_never_delete() {
        let rep = user(Role::SalesRep);
        let mine = Some(rep.id);
        assert!(decide(&rep, Action::Read, mine).is_allowed());
        assert!(decide(&rep, Action::Create, mine).is_allowed());
        assert!(decide(&rep, Action::Update, mine).is_allowed());
        assert!(matches!(decide(&rep, Action::Delete, mine), Decision::Deny(_)));
    }

    #[test]
    fn what_a_rep_may_not_see_does_not_exist_for_them() {
        let rep = user(Role::SalesRep);
        for action in [Action::Read, Action::Update, Action::Delete] {
            assert_eq!(decide(&rep, action, Some(Uuid::now_v7())), Decision::Hide);
            assert_eq!(decide(&rep, action, None), Decision::Hide, "unassigned accounts are not a rep's");
        }
        assert!(matches!(decide(&rep, Action::Create, None), Decision::Deny(_)));
    }

    #[test]
    fn reassigning_needs_rights_on_both_sides() {
        let rep = user(Role::SalesRep);
        let other = Some(Uuid::now_v7());
        assert!(decide_change(&rep, Some(rep.id), Some(rep.id)).is_allowed());
        assert!(matches!(decide_change(&rep, Some(rep.id), other), Decision::Deny(_)));
        assert_eq!(decide_change(&rep, other, Some(rep.id)), Decision::Hide);
        let manager = user(Role::Manager);
        assert!(decide_change(&manager, Some(rep.id), other).is_allowed());
        assert!(matches!(decide_change(&user(Role::ReadOnly), other, other), Decision::Deny(_)));
    }

    #[test]
    fn a_reps_new_account_is_theirs_unless_chosen() {
        let rep = user(Role::SalesRep);
        assert_eq!(default_assignee(&rep, None), Some(rep.id));
        let manager = user(Role::Manager);
        assert_eq!(default_assignee(&manager, None), None);
        let chosen = Some(Uuid::now_v7());
        assert_eq!(default_assignee(&rep, chosen), chosen, "then decide() refuses it");
    }

    #[test]
    fn scopes_and_capabilities() {
        let rep = user(Role::SalesRep);
        assert_eq!(organization_scope(&rep), Some(rep.id));
        for role in [Role::Admin, Role::Manager, Role::ReadOnly] {
            assert_eq!(organization_scope(&user(role)), None);
        }
        assert!(can_administer(&user(Role::Admin)) && !can_administer(&user(Role::Manager)));
        assert!(can_monitor(&user(Role::Manager)) && !can_monitor(&user(Role::SalesRep)));
        assert!(!can_write(&user(Role::ReadOnly)) && can_write(&rep));
        assert!(can_delete(&user(Role::Admin)) && !can_delete(&user(Role::Manager)));
    }

    #[test]
    fn administrators_cannot_lock_themselves_out() {
        let admin = user(Role::Admin);
        let other = Uuid::now_v7();
        assert!(check_account_change(&admin, other, Role::ReadOnly, false).is_ok());
        assert!(check_account_change(&admin, admin.id, Role::Admin, true).is_ok());
        assert!(check_account_change(&admin, admin.id, Role::Manager, true).is_err());
        assert!(check_account_change(&admin, admin.id, Role::Admin, false).is_err());
        assert!(check_account_change(&user(Role::Manager), other, Role::SalesRep, true).is_err());
    }
}
