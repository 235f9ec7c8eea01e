//! A form's save that is kept on this device when the server cannot be reached. Online the
//! form's server action saves as before (field errors at once); when it answers
//! `Unreachable`, what was submitted becomes an op in the outbox, and only once that is
//! committed does the page say it is saved.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;
use crate::model::sync::SyncOp;

/// A save to keep on this device: the op (`None` when an edit changed nothing), what the
/// user did in their words, and where they can see the record.
pub struct ToKeep {
    pub op: Option<SyncOp>,
    pub summary: String,
    pub link: String,
}

/// The offline half of a form's save. Build it beside the form's `ServerAction`, call
/// [`OfflineSave::remember`] when the form is submitted, and show [`OfflineSave::error`].
pub struct OfflineSave<S: ServerFn + 'static> {
    save: ServerAction<S>,
    /// What was submitted: the action forgets its input once the answer is in.
    sent: StoredValue<Option<S>>,
    kept: RwSignal<Option<Result<(), AppError>>>,
}

impl<S: ServerFn + 'static> Clone for OfflineSave<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn + 'static> Copy for OfflineSave<S> {}

impl<S> OfflineSave<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    /// `to_keep` turns what was submitted into the op to queue, after checking it as the
    /// server would (its error is shown on the form, and nothing is queued).
    pub fn new(save: ServerAction<S>, to_keep: impl Fn(S) -> Result<ToKeep, AppError> + 'static) -> Self {
        let this = OfflineSave { save, sent: StoredValue::new(None), kept: RwSignal::new(None) };
        Effect::new(move |_| {
            if let Some(Err(AppError::Unreachable { .. })) = save.value().get()
                && let Some(submitted) = this.sent.get_value()
            {
                this.keep(to_keep(submitted));
            }
        });
        this
    }

    /// Notes what was just dispatched. A form's `on:submit` on an element around the
    /// `ActionForm` runs right after the action was dispatched.
    pub fn remember(&self) {
        self.kept.set(None);
        self.sent.set_value(self.save.input().get_untracked());
    }

    /// The error the form shows: the server's, or why the save could not be kept; nothing
    /// while an unreachable server's save is being kept.
    pub fn error(&self) -> Signal<Option<AppError>> {
        let (save, kept) = (self.save, self.kept);
        Signal::derive(move || match (save.value().get(), kept.get()) {
            (Some(Err(AppError::Unreachable { .. })), Some(Err(e))) => Some(e),
            (Some(Err(AppError::Unreachable { .. })), _) => None,
            (value, _) => value.and_then(Result::err),
        })
    }

    /// Whether the last save is kept on this device (tracked).
    pub fn is_kept(&self) -> bool {
        matches!(self.kept.get(), Some(Ok(())))
    }

    fn keep(&self, to_keep: Result<ToKeep, AppError>) {
        let kept = self.kept;
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = match to_keep {
                Err(e) => Err(e),
                Ok(ToKeep { op: None, .. }) => Ok(()),
                Ok(ToKeep { op: Some(op), summary, link }) => {
                    super::queue(op, summary, link).await.map_err(|e| AppError::bad_request(e.to_string()))
                }
            };
            kept.set(Some(result));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (kept, to_keep);
    }
}

/// Says a save is kept on this device until the network is back, with where to go next
/// (`link`: its address and words).
#[component]
pub fn KeptOffline(
    /// What was saved, with its verb: "visit is", "changes are".
    what: &'static str,
    #[prop(optional)] link: Option<(String, String)>,
) -> impl IntoView {
    view! {
        <p class="alert success" role="status" data-testid="kept-offline">
            "No network: the "{what}" saved on this device and will be sent when you are back online. "
            <a href="/sync">"Changes waiting"</a>
            {link.map(|(href, words)| view! { " · "<a href=href>{words}</a> })}
        </p>
    }
}
