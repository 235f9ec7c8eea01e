//! `/login`: the sign-in form. Works without JavaScript: the form posts, and the server
//! redirects onwards or back with the error. A lazy route although it is the first page
//! people see: the server sends it complete, so it is usable before its code arrives, and
//! the form components stay out of the main bundle.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::session::{SignIn, SignInForm};
use crate::components::{CheckboxField, ErrorSummary, FormState, SubmitButton, TextField, open_page_on_success};

pub struct LoginPage;

#[lazy_route]
impl LazyRoute for LoginPage {
    fn data() -> Self {
        LoginPage
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignInPanel/> }.into_any()
    }
}

#[component]
fn SignInPanel() -> impl IntoView {
    let query = use_query_map();
    let sign_in = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || sign_in.value().get().and_then(Result::err));
    open_page_on_success(move || sign_in.value().get());
    let initial = SignInForm { next: query.read_untracked().get("next").unwrap_or_default(), ..Default::default() };
    let form = FormState::new(error, &initial);
    provide_context(form);
    view! {
        <Title text="Sign in"/>
        <section class="sign-in card">
            <h1>"Sign in"</h1>
            <p class="muted">"Kitchen Pantry CRM for your accounts, contacts and visits."</p>
            <ActionForm action=sign_in attr:class="record-form" attr:novalidate=true>
                <ErrorSummary/>
                <input type="hidden" name="form[next]" value=form.value("next")/>
                <TextField name="email" label="Email" kind="email" required=true autocomplete="username" inputmode="email"/>
                <TextField name="password" label="Password" kind="password" required=true autocomplete="current-password"/>
                <CheckboxField
                    name="remember"
                    label="Remember this device"
                    hint="Stay signed in on this phone for up to 90 days. Leave it off on a shared computer."
                />
                <div class="form-actions">
                    <SubmitButton label="Sign in" busy_label="Signing in…" pending=sign_in.pending().into()/>
                </div>
            </ActionForm>
        </section>
    }
}
