//! `/account`: who you are signed in as, and changing your password. A lazy route.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::users::ChangePassword;
use crate::components::{ErrorPanel, ErrorSummary, FormState, SubmitButton, TextField, use_session};
use crate::error::AppError;
use crate::model::{CurrentUser, PasswordChangeForm};

pub struct AccountPage {
    user: Option<CurrentUser>,
}

#[lazy_route]
impl LazyRoute for AccountPage {
    fn data() -> Self {
        AccountPage { user: use_session() }
    }

    fn view(this: Self) -> AnyView {
        match this.user {
            Some(user) => view! { <Account user/> }.into_any(),
            None => view! { <ErrorPanel error=AppError::unauthorized()/> }.into_any(),
        }
    }
}

#[component]
fn Account(user: CurrentUser) -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let changed = use_query_map().read_untracked().get("changed").is_some();
    let done = Signal::derive(move || changed || matches!(change.value().get(), Some(Ok(_))));
    provide_context(FormState::new(error, &PasswordChangeForm::default()));
    view! {
        <Title text="Your account"/>
        <div class="page-header"><h1>"Your account"</h1></div>
        <section class="card">
            <dl class="facts">
                <dt>"Name"</dt><dd>{user.full_name.clone()}</dd>
                <dt>"Email"</dt><dd>{user.email.clone()}</dd>
                <dt>"Role"</dt><dd>{user.role.label()}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Change your password"</h2>
            {move || done.get().then(|| view! {
                <p class="alert success" role="status">"Your password is changed. Your other devices are signed out."</p>
            })}
            <ActionForm action=change attr:class="record-form" attr:novalidate=true>
                <ErrorSummary/>
                <TextField name="current_password" label="Current password" kind="password" required=true autocomplete="current-password"/>
                <TextField name="new_password" label="New password" kind="password" required=true autocomplete="new-password"
                    hint="At least 10 characters; a few words make a strong password you can remember."/>
                <TextField name="confirm_password" label="New password again" kind="password" required=true autocomplete="new-password"/>
                <div class="form-actions">
                    <SubmitButton label="Change password" busy_label="Changing…" pending=change.pending().into()/>
                </div>
            </ActionForm>
        </section>
    }
}
