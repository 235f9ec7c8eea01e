//! The copy on this device, in IndexedDB (via `rexie`): one store per entity (keyed by `id`),
//! the outbox (keyed by an auto-increment `seq`, so it replays in the order it was written)
//! and `meta` (the pull cursor, the last sync, whose copy it is).
//!
//! Values cross into JavaScript as plain JSON-shaped objects, so the service worker reads the
//! outbox records the same way.

use std::cell::RefCell;
use std::rc::Rc;

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use super::OfflineError;
use super::outbox::QueuedOp;
use crate::model::sync::SyncEntity;

/// Shared with `public/sw.js`.
pub const DATABASE: &str = "kitchen-pantry";
const VERSION: u32 = 1;
pub const OUTBOX: &str = "outbox";
const META: &str = "meta";

pub fn entity_store(entity: SyncEntity) -> &'static str {
    match entity {
        SyncEntity::Organization => "organizations",
        SyncEntity::Contact => "contacts",
        SyncEntity::Interaction => "interactions",
        SyncEntity::Opportunity => "opportunities",
    }
}

pub const ENTITIES: [SyncEntity; 4] =
    [SyncEntity::Organization, SyncEntity::Contact, SyncEntity::Interaction, SyncEntity::Opportunity];

thread_local! {
    static OPENED: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

impl From<rexie::Error> for OfflineError {
    fn from(e: rexie::Error) -> Self {
        let text = e.to_string();
        if text.contains("Quota") { OfflineError::Full } else { OfflineError::Storage(text) }
    }
}

async fn database() -> Result<Rc<Rexie>, OfflineError> {
    if let Some(db) = OPENED.with(|o| o.borrow().clone()) {
        return Ok(db);
    }
    let mut builder = Rexie::builder(DATABASE).version(VERSION);
    for entity in ENTITIES {
        builder = builder.add_object_store(ObjectStore::new(entity_store(entity)).key_path("id"));
    }
    let db = builder
        .add_object_store(ObjectStore::new(OUTBOX).key_path("seq").auto_increment(true))
        .add_object_store(ObjectStore::new(META))
        .build()
        .await?;
    let db = Rc::new(db);
    OPENED.with(|o| *o.borrow_mut() = Some(db.clone()));
    Ok(db)
}

fn to_js(value: &impl Serialize) -> Result<JsValue, OfflineError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| OfflineError::Storage(format!("cannot store: {e}")))
}

fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, OfflineError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| OfflineError::Storage(format!("cannot read: {e}")))
}

/// Writes `rows` to an entity store and deletes `gone`, in one transaction.
pub async fn write_rows(entity: SyncEntity, rows: &[serde_json::Value], gone: &[String]) -> Result<(), OfflineError> {
    let rows = rows.iter().map(to_js).collect::<Result<Vec<_>, _>>()?;
    write_js_rows(entity, &rows, gone).await
}

/// [`write_rows`] for rows that are already JavaScript objects (as the server sent them).
pub async fn write_js_rows(entity: SyncEntity, rows: &[JsValue], gone: &[String]) -> Result<(), OfflineError> {
    let db = database().await?;
    let name = entity_store(entity);
    let tx = db.transaction(&[name], TransactionMode::ReadWrite)?;
    let store = tx.store(name)?;
    for row in rows {
        store.put(row, None).await?;
    }
    for id in gone {
        store.delete(JsValue::from_str(id)).await?;
    }
    tx.done().await?;
    Ok(())
}

pub async fn rows<T: DeserializeOwned>(entity: SyncEntity) -> Result<Vec<T>, OfflineError> {
    let db = database().await?;
    let name = entity_store(entity);
    let tx = db.transaction(&[name], TransactionMode::ReadOnly)?;
    let values = tx.store(name)?.get_all(None, None).await?;
    // A row this build cannot read (written by an older one) is skipped, not fatal.
    Ok(values.into_iter().filter_map(|v| from_js(v).ok()).collect())
}

pub async fn row<T: DeserializeOwned>(entity: SyncEntity, id: &str) -> Result<Option<T>, OfflineError> {
    let db = database().await?;
    let name = entity_store(entity);
    let tx = db.transaction(&[name], TransactionMode::ReadOnly)?;
    let value = tx.store(name)?.get(JsValue::from_str(id)).await?;
    value.map(from_js).transpose()
}

/// Empties the entity stores and the pull cursor (another user's copy), never the outbox.
pub async fn clear_copy() -> Result<(), OfflineError> {
    let db = database().await?;
    let mut names: Vec<&str> = ENTITIES.iter().map(|e| entity_store(*e)).collect();
    names.push(META);
    let tx = db.transaction(&names, TransactionMode::ReadWrite)?;
    for name in names {
        tx.store(name)?.clear().await?;
    }
    tx.done().await?;
    Ok(())
}

pub async fn meta<T: DeserializeOwned>(key: &str) -> Result<Option<T>, OfflineError> {
    let db = database().await?;
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let value = tx.store(META)?.get(JsValue::from_str(key)).await?;
    Ok(value.and_then(|v| from_js(v).ok()))
}

pub async fn set_meta(key: &str, value: &impl Serialize) -> Result<(), OfflineError> {
    let db = database().await?;
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    tx.store(META)?.put(&to_js(value)?, Some(&JsValue::from_str(key))).await?;
    tx.done().await?;
    Ok(())
}

/// Adds an op and waits until IndexedDB has committed it: only then may the page say "saved".
pub async fn add_op(op: &QueuedOp) -> Result<(), OfflineError> {
    let db = database().await?;
    let tx = db.transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
    tx.store(OUTBOX)?.add(&to_js(op)?, None).await?;
    tx.done().await?;
    Ok(())
}

pub async fn ops() -> Result<Vec<QueuedOp>, OfflineError> {
    let db = database().await?;
    let tx = db.transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
    let values = tx.store(OUTBOX)?.get_all(None, None).await?;
    values.into_iter().map(from_js).collect()
}

/// Writes what the server's answers did: ops to keep (with their new state) and ops done.
pub async fn settle_ops(keep: &[QueuedOp], done: &[u32]) -> Result<(), OfflineError> {
    let db = database().await?;
    let tx = db.transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
    let store = tx.store(OUTBOX)?;
    for op in keep {
        store.put(&to_js(op)?, None).await?;
    }
    for seq in done {
        store.delete(JsValue::from(*seq)).await?;
    }
    tx.done().await?;
    Ok(())
}
