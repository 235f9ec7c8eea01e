//! `/admin/users`: the administrators' user management: add people, change roles,
//! deactivate accounts, reset passwords. A lazy route; other roles get 403.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::users::{CreateAccount, ResetPassword, SetAccountAccess, list_accounts};
use crate::components::format::date_time;
use crate::components::{
    ErrorSummary, FormState, SelectField, SubmitButton, TextField, code_options, loaded, open_page_on_success,
};
use crate::model::{NewAccountForm, Role, UserAccount};

pub struct UsersPage {
    accounts: PageData<Vec<UserAccount>>,
}

#[lazy_route]
impl LazyRoute for UsersPage {
    fn data() -> Self {
        UsersPage { accounts: page_data(|| (), |_| list_accounts()) }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.accounts, |accounts| view! { <Users accounts/> }.into_any())
    }
}

#[component]
fn Users(accounts: Vec<UserAccount>) -> impl IntoView {
    let roles = code_options(Role::ALL, Role::code, Role::label);
    view! {
        <Title text="Users"/>
        <div class="page-header"><h1>"Users"</h1></div>
        <section class="card">
            <h2>"People"</h2>
            <div class="table-wrap">
                <table class="data-table accounts">
                    <caption class="visually-hidden">"Accounts"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Person"</th>
                            <th scope="col">"Role and access"</th>
                            <th scope="col">"Last sign-in"</th>
                            <th scope="col">"New password"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {accounts.into_iter().map(|account| account_row(account, roles.clone())).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <NewAccount roles/>
    }
}

/// One account with its forms (type-erased: each row's view type is deep enough to exceed
/// the compiler's limits once nested in the table).
fn account_row(account: UserAccount, roles: Vec<(String, String)>) -> AnyView {
    let access = ServerAction::<SetAccountAccess>::new();
    let reset = ServerAction::<ResetPassword>::new();
    open_page_on_success(move || access.value().get());
    open_page_on_success(move || reset.value().get());
    let UserAccount { id, email, full_name: name, role, territory, is_active, last_login_at, locked_until, version } =
        account;
    let key = id.simple().to_string();
    let (role_label, save_label) = (format!("Role of {name}"), format!(" {name}"));
    let (password_label, set_label) = (format!("New password for {name}"), format!(" password of {name}"));
    let (role_id, active_id, password_id) = (format!("role-{key}"), format!("active-{key}"), format!("password-{key}"));
    let error =
        move || access.value().get().and_then(Result::err).or_else(|| reset.value().get().and_then(Result::err));
    let locked = locked_until.map(|until| format!("Locked until {}", date_time(until)));
    view! {
        <tr class:inactive=!is_active>
            <th scope="row" data-label="Person">
                <strong>{name}</strong>
                <div class="muted">{email}</div>
                {territory.map(|t| view! { <div class="muted">{t}</div> })}
                {locked.map(|l| view! { <div class="tag">{l}</div> })}
            </th>
            <td data-label="Role and access">
                <ActionForm action=access attr:class="inline-form">
                    <input type="hidden" name="form[id]" value=id.to_string()/>
                    <input type="hidden" name="form[version]" value=version.to_string()/>
                    <label class="visually-hidden" for=role_id.clone()>{role_label}</label>
                    <select id=role_id name="form[role]">
                        {roles.into_iter().map(|(code, label)| {
                            let selected = code == role.code();
                            view! { <option value=code selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <span class="checkbox">
                        <input id=active_id.clone() type="checkbox" name="form[active]" checked=is_active/>
                        <label for=active_id>"May sign in"</label>
                    </span>
                    <button type="submit" class="button">"Save"<span class="visually-hidden">{save_label}</span></button>
                </ActionForm>
            </td>
            <td data-label="Last sign-in">{last_login_at.map(date_time).unwrap_or_else(|| "Never".into())}</td>
            <td data-label="New password">
                <ActionForm action=reset attr:class="inline-form">
                    <input type="hidden" name="form[id]" value=id.to_string()/>
                    <label class="visually-hidden" for=password_id.clone()>{password_label}</label>
                    <input id=password_id type="password" name="form[password]" autocomplete="new-password" minlength="10"/>
                    <button type="submit" class="button">"Set"<span class="visually-hidden">{set_label}</span></button>
                </ActionForm>
                {move || error().map(|e| view! { <p class="field-error" role="alert">{e.field("password").unwrap_or_else(|| e.to_string())}</p> })}
            </td>
        </tr>
    }
    .into_any()
}

#[component]
fn NewAccount(roles: Vec<(String, String)>) -> impl IntoView {
    let create = ServerAction::<CreateAccount>::new();
    open_page_on_success(move || create.value().get());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let initial = NewAccountForm { role: Role::SalesRep.code().into(), ..Default::default() };
    provide_context(FormState::new(error, &initial));
    view! {
        <section class="card">
            <h2>"Add a person"</h2>
            <ActionForm action=create attr:class="record-form" attr:novalidate=true>
                <ErrorSummary/>
                <div class="field-row">
                    <TextField name="full_name" label="Name" required=true autocomplete="off"/>
                    <TextField name="email" label="Email" kind="email" required=true autocomplete="off" inputmode="email"/>
                </div>
                <div class="field-row">
                    <SelectField name="role" label="Role" options=roles/>
                    <TextField name="territory" label="Territory" hint="For reps, e.g. Austin metro."/>
                </div>
                <TextField name="password" label="First password" kind="password" required=true autocomplete="new-password"
                    hint="At least 10 characters. Give it to them in person; they can change it under Your account."/>
                <div class="form-actions">
                    <SubmitButton label="Add person" busy_label="Adding…" pending=create.pending().into()/>
                </div>
            </ActionForm>
        </section>
    }
}
