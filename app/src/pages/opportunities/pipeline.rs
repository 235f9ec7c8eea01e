//! `/pipeline`: the deals as a board, one column per stage with its deals, value and
//! weighted value. Deals move by drag and drop, or by the "Move to" control on each card
//! (keyboard, touch, and without JavaScript). Closing a deal asks for its reason. A lazy
//! route.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};
use uuid::Uuid;

use crate::api::opportunities::{MoveOpportunity, Pipeline, get_pipeline};
use crate::components::ErrorPanel;
use crate::components::figures::PipelineChart;
use crate::components::format::day;
use crate::error::AppError;
use crate::model::opportunity::{StagePosition, reasons_for};
use crate::model::validate::format_money;
use crate::model::{CloseReason, OpportunityItem, Stage, StageMoveForm, StageTotal};
use crate::offline::outbox::move_op;
use crate::offline::{KeptOffline, OfflineSave, ToKeep, or_from_copy};

type BoardResource = PageData<Pipeline>;

pub struct PipelinePage {
    board: BoardResource,
    moves: ServerAction<MoveOpportunity>,
    offline: OfflineSave<MoveOpportunity>,
}

#[lazy_route]
impl LazyRoute for PipelinePage {
    fn data() -> Self {
        let query = use_query_map();
        let moves = ServerAction::<MoveOpportunity>::new();
        // Every move reloads the board (and its totals) from the server.
        let board = page_data(
            move || (query.with(|q| q.get("owner")), moves.version().get()),
            |(owner, _)| async move {
                let owner = owner.and_then(|o| Uuid::parse_str(o.trim()).ok());
                or_from_copy!(get_pipeline(owner).await, pipeline(owner))
            },
        );
        // A move kept on this device shows on the board (read from the copy) once it is kept.
        let offline = OfflineSave::new(moves, move |m: MoveOpportunity| move_to_keep(&m.form, board));
        Effect::new(move |_| {
            if offline.is_kept() {
                board.refetch();
            }
        });
        PipelinePage { board, moves, offline }
    }

    fn view(this: Self) -> AnyView {
        let (board, moves, offline) = (this.board, this.moves, this.offline);
        view! {
            <Title text="Pipeline"/>
            <Transition fallback=|| view! { <p class="loading">"Loading the pipeline…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(pipeline) => view! { <Board pipeline moves offline/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    }
}

/// The deal being dragged.
#[derive(Debug, Clone, PartialEq)]
struct Dragged {
    id: Uuid,
    version: i64,
    name: String,
}

#[component]
fn Board(
    pipeline: Pipeline,
    moves: ServerAction<MoveOpportunity>,
    offline: OfflineSave<MoveOpportunity>,
) -> impl IntoView {
    let Pipeline { deals, totals, owner_id, owners, can_move, now } = pipeline;
    let open: Vec<&StageTotal> = totals.iter().filter(|t| !t.stage.is_closed()).collect();
    let open_value: i64 = open.iter().map(|t| t.value_cents).sum();
    let open_weighted: i64 = open.iter().map(|t| t.weighted_cents).sum();
    let open_deals: i64 = open.iter().map(|t| t.deals).sum();
    let dragged = RwSignal::new(None::<Dragged>);
    let over = RwSignal::new(None::<Stage>);
    let closing = RwSignal::new(None::<(Dragged, Stage)>);
    let error = offline.error();
    let send = move |d: &Dragged, stage: Stage, reason: Option<CloseReason>| {
        moves.dispatch(MoveOpportunity {
            form: StageMoveForm {
                id: d.id.to_string(),
                version: d.version.to_string(),
                stage: stage.code().to_owned(),
                close_reason: reason.map(|r| r.code().to_owned()).unwrap_or_default(),
            },
        });
        offline.remember();
    };
    let drop_on = move |stage: Stage| {
        over.set(None);
        if let Some(d) = dragged.get_untracked() {
            dragged.set(None);
            if stage.is_closed() {
                closing.set(Some((d, stage)));
            } else {
                send(&d, stage, None);
            }
        }
    };
    view! {
        <div class="page-header">
            <h1>"Pipeline"</h1>
            <div class="pipeline-summary" aria-label="Open pipeline">
                <span><strong>{format_money(open_value)}</strong>" in "{open_deals}" open deals"</span>
                <span class="muted">" · weighted "<strong>{format_money(open_weighted)}</strong></span>
            </div>
        </div>
        {(!owners.is_empty()).then(|| view! {
            <form method="get" action="/pipeline" class="filters inline-filter">
                <label for="pipeline-owner">"Owner"</label>
                <select id="pipeline-owner" name="owner">
                    <option value="" selected=owner_id.is_none()>"Everyone"</option>
                    {owners.iter().map(|u| view! {
                        <option value=u.id.to_string() selected=owner_id == Some(u.id)>{u.full_name.clone()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button">"Show"</button>
            </form>
        })}
        <PipelineChart totals=totals.clone()/>
        {move || offline.is_kept().then(|| view! { <KeptOffline what="move is"/> })}
        {move || error.get().map(|e| view! { <div class="alert error" role="alert"><p>{e.to_string()}</p>
            {e.fields().into_values().map(|m| view! { <p>{m}</p> }).collect_view()}</div> })}
        {move || closing.get().map(|(d, stage)| view! { <CloseDialog deal=d stage closing send/> })}
        <div class="board" role="list" aria-label="Stages" on:submit=move |_| offline.remember()>
            {totals.into_iter().map(|total| {
                let stage = total.stage;
                let column: Vec<OpportunityItem> = deals.iter().filter(|d| d.opportunity.stage == stage).cloned().collect();
                let shown = column.len() as i64;
                let heading = format!("stage-{}", stage.code().replace('_', "-"));
                let labelled_by = heading.clone();
                view! {
                    <section
                        class="column"
                        class:drop-target=move || over.get() == Some(stage)
                        role="listitem"
                        aria-labelledby=labelled_by
                        data-stage=stage.code()
                        on:dragover=move |ev| { ev.prevent_default(); over.set(Some(stage)); }
                        on:dragleave=move |_| over.set(None)
                        on:drop=move |ev| { ev.prevent_default(); drop_on(stage); }
                    >
                        <header class="column-head">
                            <h2 id=heading>{stage.label()}</h2>
                            <p class="muted">
                                {format!("{} · {}", total.deals, format_money(total.value_cents))}
                                {(!stage.is_closed()).then(|| format!(" · weighted {}", format_money(total.weighted_cents)))}
                                {stage.is_closed().then(|| " · last 30 days".to_owned())}
                            </p>
                            <p class="muted" hidden=total.deals <= shown>{format!("Showing {shown} of {}", total.deals)}</p>
                        </header>
                        // Keyed by what a card shows: a board reloaded after a move builds the cards
                        // that changed afresh instead of patching another deal's card in place.
                        <ol class="cards">
                            <For
                                each=move || column.clone()
                                key=move |item| card_key(item, now)
                                children=move |item| view! { <DealCard item now can_move moves dragged/> }.into_any()
                            />
                        </ol>
                    </section>
                }
                .into_any()
            }).collect_view()}
        </div>
    }
}

/// Asks why a dropped deal was won or lost, then moves it.
#[component]
fn CloseDialog(
    deal: Dragged,
    stage: Stage,
    closing: RwSignal<Option<(Dragged, Stage)>>,
    send: impl Fn(&Dragged, Stage, Option<CloseReason>) + Copy + 'static,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if let Some(select) = select.get() {
            let _ = select.focus();
        }
    });
    let title = format!("{} “{}”", if stage == Stage::ClosedWon { "Won:" } else { "Lost:" }, deal.name);
    let confirm = {
        let deal = deal.clone();
        move |_| {
            let chosen = reason.get_untracked().parse::<CloseReason>().ok();
            if chosen.is_some() {
                closing.set(None);
                send(&deal, stage, chosen);
            }
        }
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="close-title"
                on:keydown=move |ev| if ev.key() == "Escape" { closing.set(None) }>
                <h2 id="close-title">{title}</h2>
                <div class="field">
                    <label for="close-reason">"Why?"</label>
                    <select id="close-reason" node_ref=select on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="">"Choose a reason"</option>
                        {reasons_for(stage).into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="form-actions">
                    <button type="button" class="button primary" disabled=move || reason.get().is_empty() on:click=confirm>
                        {if stage == Stage::ClosedWon { "Close as won" } else { "Close as lost" }}
                    </button>
                    <button type="button" class="button" on:click=move |_| closing.set(None)>"Cancel"</button>
                </div>
            </div>
        </div>
    }
}

#[component]
fn DealCard(
    item: OpportunityItem,
    now: chrono::DateTime<chrono::Utc>,
    can_move: bool,
    moves: ServerAction<MoveOpportunity>,
    dragged: RwSignal<Option<Dragged>>,
) -> impl IntoView {
    let stale = item.staleness(now);
    let o = item.opportunity.clone();
    let card = Dragged { id: o.id, version: o.version, name: o.name.clone() };
    let select_id = format!("move-{}", o.id);
    let reason_id = format!("reason-{}", o.id);
    let closing_date = match (o.actual_close_date, o.expected_close_date) {
        (Some(on), _) => Some(format!("Closed {}", day(on))),
        (None, Some(on)) => Some(format!("Close {}", day(on))),
        _ => None,
    };
    view! {
        <li
            class="deal-card"
            class:stale=stale.is_some()
            id=format!("deal-{}", o.id)
            draggable=can_move.then_some("true")
            on:dragstart=move |ev| {
                set_drag_data(&ev, &card.id.to_string());
                dragged.set(Some(card.clone()));
            }
        >
            <a href=format!("/opportunities/{}", o.id)><strong>{o.name.clone()}</strong></a>
            <div class="muted">
                <a href=format!("/organizations/{}", o.organization_id)>{item.organization_name.clone()}</a>
                {item.owner_name.clone().map(|n| format!(" · {n}"))}
            </div>
            <div>
                {o.estimated_value_cents.map(format_money).unwrap_or_else(|| "No value".into())}
                <span class="muted">{format!(" · {}%", o.probability)}{closing_date.map(|c| format!(" · {c}"))}</span>
            </div>
            {o.close_reason.map(|r| view! { <div class="muted">{r.label()}</div> })}
            {stale.map(|s| view! { <div class="stale-flag">{s.label()}</div> })}
            {can_move.then(|| view! {
                <ActionForm action=moves attr:class="move-form">
                    <input type="hidden" name="form[id]" value=o.id.to_string()/>
                    <input type="hidden" name="form[version]" value=o.version.to_string()/>
                    <label for=select_id.clone() class="visually-hidden">{format!("Move {} to", o.name)}</label>
                    <select id=select_id name="form[stage]">
                        {Stage::ALL.iter().filter(|s| **s != o.stage).map(|s| view! {
                            <option value=s.code()>{format!("→ {}", s.label())}</option>
                        }).collect_view()}
                    </select>
                    <label for=reason_id.clone() class="visually-hidden">"Reason, when closing"</label>
                    <select id=reason_id name="form[close_reason]">
                        <option value="">"Reason (to close)"</option>
                        <optgroup label="Won">
                            {reasons_for(Stage::ClosedWon).into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                        </optgroup>
                        <optgroup label="Lost">
                            {reasons_for(Stage::ClosedLost).into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                        </optgroup>
                    </select>
                    <button type="submit" class="button small">
                        "Move"<span class="visually-hidden">{format!(" {}", o.name)}</span>
                    </button>
                </ActionForm>
            })}
        </li>
    }
}

/// A move the server could not take, as an op for the outbox: from where the board shows the
/// deal to where it was asked to go (checked as the server would).
fn move_to_keep(form: &StageMoveForm, board: BoardResource) -> Result<ToKeep, AppError> {
    let (id, version, stage, close_reason) = form.parse().map_err(AppError::invalid)?;
    let deal = board
        .get_untracked()
        .and_then(Result::ok)
        .and_then(|pipeline| pipeline.deals.into_iter().find(|d| d.opportunity.id == id))
        .ok_or_else(|| AppError::not_found("Opportunity"))?
        .opportunity;
    let from = StagePosition { stage: deal.stage, close_reason: deal.close_reason };
    Ok(ToKeep {
        op: move_op(id, version, from, StagePosition { stage, close_reason }, chrono::Utc::now()),
        summary: format!("Deal moved to {} · {}", stage.label(), deal.name),
        link: format!("/opportunities/{id}"),
    })
}

/// Everything a card shows that can change: a change makes a new card.
fn card_key(item: &OpportunityItem, now: chrono::DateTime<chrono::Utc>) -> impl Eq + std::hash::Hash + use<> {
    let o = &item.opportunity;
    (o.id, o.version, item.organization_name.clone(), item.owner_name.clone(), item.staleness(now).map(|s| s.label()))
}

/// Firefox starts a drag only when it carries data.
fn set_drag_data(ev: &leptos::ev::DragEvent, id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(transfer) = ev.data_transfer() {
        let _ = transfer.set_data("text/plain", id);
        transfer.set_effect_allowed("move");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, id);
}
