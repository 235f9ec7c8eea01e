//! `/organizations/import` (upload a CSV, the columns it may have, recent imports) and
//! `/organizations/import/:id` (one import: its check, the choice for duplicates, its
//! progress, its result). Lazy routes. The upload is a plain multipart form, so all of it
//! works without JavaScript; with it, the progress bar moves on its own.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::imports::{ImportsOverview, StartImport, get_import, get_imports};
use crate::components::format::{count, date_time};
use crate::components::loaded;
use crate::error::AppError;
use crate::model::import::{Column, ImportDetail, ImportSummary, PreviewRow};
use crate::model::{ImportStatus, OnDuplicate};
use crate::pages::id_param;

/// How often a running import's page asks for its progress.
const POLL_MILLIS: u64 = 1_000;

pub struct ImportPage {
    overview: PageData<ImportsOverview>,
}

#[lazy_route]
impl LazyRoute for ImportPage {
    fn data() -> Self {
        ImportPage { overview: page_data(|| (), |_| get_imports()) }
    }

    fn view(this: Self) -> AnyView {
        view! {
            <Title text="Import organizations"/>
            <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/organizations">"Organizations"</a></nav>
            <h1>"Import organizations"</h1>
            {loaded(this.overview, |overview| view! { <Overview overview/> }.into_any())}
        }
        .into_any()
    }
}

#[component]
fn Overview(overview: ImportsOverview) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Upload a CSV file"</h2>
            <UploadForm/>
        </section>
        <section class="card" aria-labelledby="columns-heading">
            <h2 id="columns-heading">"Columns"</h2>
            <p class="muted">
                "Headers are matched ignoring case and spacing; other columns are left out. Rows matching an existing \
                 organization (same name and city, or same email) can be skipped or update it."
            </p>
            <div class="table-wrap">
                <table class="data-table">
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"What goes in it"</th></tr></thead>
                    <tbody>
                        {Column::ALL.into_iter().map(|c| view! {
                            <tr><th scope="row">{c.header()}</th><td>{c.help()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent imports"</h2>
            {if overview.recent.is_empty() {
                view! { <p class="muted">"No imports yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead>
                                <tr>
                                    <th scope="col">"File"</th>
                                    <th scope="col">"Uploaded"</th>
                                    <th scope="col">"By"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col" class="num">"Rows"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {overview.recent.into_iter().map(|s| view! {
                                    <tr>
                                        <td><a href=format!("/organizations/import/{}", s.id)>{s.file_name.clone()}</a></td>
                                        <td>{date_time(s.created_at)}</td>
                                        <td>{s.created_by_name.clone().unwrap_or_default()}</td>
                                        <td>{s.status.label()}</td>
                                        <td class="num">{s.total_rows}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The upload: a plain multipart post the server answers with the import's page.
#[component]
fn UploadForm() -> impl IntoView {
    view! {
        <p>
            "One row per organization, with its primary contact; the first row names the columns and only "
            <strong>"Name"</strong>" is required. UTF-8 text (Excel: “CSV UTF-8”), at most 10 MB. Nothing is imported \
             until you have seen the check."
        </p>
        <form class="upload-form" method="post" action="/api/v1/imports" enctype="multipart/form-data">
            <label for="import-file">"CSV file"</label>
            <input id="import-file" type="file" name="file" accept=".csv,text/csv,text/plain" required/>
            <button type="submit" class="button primary">"Upload and check"</button>
        </form>
        <p><a href="/api/v1/imports/template.csv" download>"Download a template"</a>" with every column and an example row."</p>
    }
}

pub struct ImportDetailPage {
    detail: PageData<ImportDetail>,
    starts: ServerAction<StartImport>,
}

#[lazy_route]
impl LazyRoute for ImportDetailPage {
    fn data() -> Self {
        let id = id_param("id");
        let starts = ServerAction::<StartImport>::new();
        let detail = page_data(
            move || (id.get(), starts.version().get()),
            |(id, _)| async move {
                match id {
                    Some(id) => get_import(id).await,
                    None => Err(AppError::not_found("Import")),
                }
            },
        );
        // While an import runs, ask again for its progress (in the browser only: the
        // server sends the page as it stands, which refreshes itself without JavaScript).
        Effect::new(move |_| {
            if let Some(Ok(d)) = detail.get()
                && d.summary.status == ImportStatus::Running
            {
                set_timeout(move || detail.refetch(), std::time::Duration::from_millis(POLL_MILLIS));
            }
        });
        ImportDetailPage { detail, starts }
    }

    fn view(this: Self) -> AnyView {
        let starts = this.starts;
        view! {
            <Title text="Import"/>
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href="/organizations">"Organizations"</a>" › "<a href="/organizations/import">"Import"</a>
            </nav>
            {loaded(this.detail, move |detail| view! { <Detail detail starts/> }.into_any())}
        }
        .into_any()
    }
}

#[component]
fn Detail(detail: ImportDetail, starts: ServerAction<StartImport>) -> impl IntoView {
    let ImportDetail { summary, preview } = detail;
    let s = summary.clone();
    let report = format!("/api/v1/imports/{}/errors.csv", s.id);
    let has_errors = s.error_rows() > 0;
    view! {
        <h1>{format!("Import of {}", s.file_name)}</h1>
        <p class="muted">
            {format!("Uploaded {}", date_time(s.created_at))}
            {s.created_by_name.clone().map(|n| format!(" by {n}"))}
        </p>
        {match s.status {
            ImportStatus::Rejected => view! {
                <div class="alert error" role="alert">
                    <p><strong>"This file was not imported. "</strong>{s.message.clone().unwrap_or_default()}</p>
                </div>
                <section class="card" aria-labelledby="upload-heading">
                    <h2 id="upload-heading">"Upload a corrected file"</h2>
                    <UploadForm/>
                </section>
            }.into_any(),
            ImportStatus::Ready | ImportStatus::Failed => view! {
                <Checked summary=s.clone()/>
                <StartForm summary=s.clone() starts/>
            }.into_any(),
            ImportStatus::Running => view! { <Progress summary=s.clone()/> }.into_any(),
            ImportStatus::Done => view! { <Finished summary=s.clone()/> }.into_any(),
        }}
        {has_errors.then(|| view! {
            <p>
                <a class="button" href=report download>
                    "Download the error report"
                </a>
                " "{count(s.error_rows(), "row is", "rows are")}" not imported, each with what to fix."
            </p>
        })}
        {(!preview.ignored_columns.is_empty()).then(|| view! {
            <p class="alert info">
                "Columns left out (no such field): "{preview.ignored_columns.join(", ")}"."
            </p>
        })}
        {(!preview.rows.is_empty()).then(|| view! { <Preview rows=preview.rows total=s.total_rows/> })}
    }
}

/// What the check found.
#[component]
fn Checked(summary: ImportSummary) -> impl IntoView {
    let s = summary;
    view! {
        {s.message.clone().map(|m| view! { <div class="alert warning" role="alert"><p>{m}</p></div> })}
        <section class="card" aria-labelledby="check-heading">
            <h2 id="check-heading">"Checked"</h2>
            <ul class="import-counts">
                <li><strong>{s.total_rows}</strong>" rows in the file"</li>
                <li><strong>{s.new_rows}</strong>" new organizations"</li>
                <li><strong>{s.duplicate_rows}</strong>" match an existing organization"</li>
                <li><strong>{s.invalid_rows}</strong>" have problems and will not be imported"</li>
            </ul>
            {(s.processed_rows > 0).then(|| view! {
                <p>{format!(
                    "So far {} of {} rows handled: {} created, {} updated, {} skipped.",
                    s.processed_rows, s.total_rows, s.created_count, s.updated_count, s.skipped_count
                )}</p>
            })}
        </section>
    }
}

/// Starting (or resuming) the import, with the choice for duplicates.
#[component]
fn StartForm(summary: ImportSummary, starts: ServerAction<StartImport>) -> impl IntoView {
    let s = summary;
    let resume = s.processed_rows > 0;
    let importable = s.new_rows + s.duplicate_rows;
    let chosen = s.on_duplicate.unwrap_or(OnDuplicate::Skip);
    let error = move || starts.value().get().and_then(Result::err);
    view! {
        {move || error().map(|e| view! { <div class="alert error" role="alert"><p>{e.to_string()}</p></div> })}
        {if importable == 0 {
            view! { <p>"No row can be imported: fix the rows in the error report and upload the file again."</p> }.into_any()
        } else {
            view! {
                <ActionForm action=starts attr:class="card start-import">
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    {if s.duplicate_rows > 0 {
                        view! {
                            <fieldset class="choices">
                                <legend>{format!("{} that match an existing organization:", count(s.duplicate_rows, "row", "rows"))}</legend>
                                <div class="choice-row">
                                {OnDuplicate::ALL.iter().map(|choice| {
                                    let id = format!("on-duplicate-{}", choice.code());
                                    view! {
                                        <div class="choice">
                                            <input type="radio" id=id.clone() name="on_duplicate" value=choice.code() checked=*choice == chosen/>
                                            <label for=id>{choice.label()}</label>
                                        </div>
                                    }
                                }).collect_view()}
                                </div>
                            </fieldset>
                        }.into_any()
                    } else {
                        view! { <input type="hidden" name="on_duplicate" value=OnDuplicate::Skip.code()/> }.into_any()
                    }}
                    <button type="submit" class="button primary">
                        {if resume { "Resume the import".to_owned() } else { format!("Import {}", count(importable, "row", "rows")) }}
                    </button>
                </ActionForm>
            }.into_any()
        }}
    }
}

#[component]
fn Progress(summary: ImportSummary) -> impl IntoView {
    let s = summary;
    let refresh = "<meta http-equiv=\"refresh\" content=\"2\">";
    view! {
        <section class="card" aria-labelledby="progress-heading">
            <h2 id="progress-heading">"Importing…"</h2>
            <label for="import-progress">{format!("{} of {} rows handled ({}%)", s.processed_rows, s.total_rows, s.percent_done())}</label>
            <progress id="import-progress" max=s.total_rows value=s.processed_rows>{format!("{}%", s.percent_done())}</progress>
            <p class="muted" aria-live="polite">
                {format!("{} created, {} updated, {} skipped so far.", s.created_count, s.updated_count, s.skipped_count)}
            </p>
            // Without JavaScript the page reloads itself until the import is done.
            <noscript inner_html=refresh></noscript>
            <noscript><p><a href=format!("/organizations/import/{}", s.id)>"Refresh"</a></p></noscript>
        </section>
    }
}

#[component]
fn Finished(summary: ImportSummary) -> impl IntoView {
    let s = summary;
    view! {
        <div class="alert success" role="status">
            <p>
                <strong>"Import finished. "</strong>
                {format!(
                    "{} created, {} updated, {} skipped as duplicates, {} not imported.",
                    s.created_count, s.updated_count, s.skipped_count, s.error_rows()
                )}
            </p>
        </div>
        <p><a class="button primary" href="/organizations?sort=updated&dir=desc">"See the organizations"</a></p>
    }
}

/// The first rows as the check saw them.
#[component]
fn Preview(rows: Vec<PreviewRow>, total: i64) -> impl IntoView {
    let shown = rows.len();
    view! {
        <section class="card" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview"</h2>
            <p class="muted">{format!("The first {shown} of {total} rows, as checked.")}</p>
            <div class="table-wrap">
                <table class="data-table import-preview">
                    <thead>
                        <tr>
                            <th scope="col" class="num">"Row"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"City"</th>
                            <th scope="col">"Contact"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Check"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|r| {
                            let class = if !r.problems.is_empty() { "row-invalid" } else if r.duplicate.is_some() { "row-duplicate" } else { "" };
                            view! {
                                <tr class=class>
                                    <td class="num">{r.row}</td>
                                    <td>{r.name.clone()}</td>
                                    <td>{r.city.clone()}</td>
                                    <td>{r.contact.clone()}</td>
                                    <td>{r.email.clone()}</td>
                                    <td><RowCheck row=r/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn RowCheck(row: PreviewRow) -> impl IntoView {
    if !row.problems.is_empty() {
        view! {
            <ul class="row-problems">
                {row.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    } else if let Some(d) = row.duplicate {
        view! {
            <span>
                "Matches "<a href=format!("/organizations/{}", d.organization_id)>{d.organization_name}</a>
                {format!(" ({})", d.reason)}
            </span>
        }
        .into_any()
    } else {
        view! { <span class="ok">"New"</span> }.into_any()
    }
}
