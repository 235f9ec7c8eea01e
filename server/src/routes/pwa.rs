//! `/sw.js`: the service worker (public/sw.js) with this build's precache list written in;
//! `/offline.html`: the page the worker shows for a page not kept offline, with a policy
//! that lets it load its own stylesheet, script and icon (plain static files get none).
//! The list is every file the build put under `pkg/` (the hashed script, WebAssembly and
//! stylesheet, and every split route chunk) plus the app's own static files, read once at
//! start. Its version changes with the list, so a new build is a new worker: browsers see
//! the byte change, install it, and the page tells the user a new version is ready.

use std::hash::{Hash, Hasher};
use std::path::Path;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The statement of public/sw.js that takes the list.
const PLACEHOLDER: &str = "const PRECACHE = self.__PRECACHE__;";
/// Static files the offline app needs besides the build's own.
const APP_FILES: &[&str] = &[
    "/offline-shell",
    "/offline.html",
    "/offline.css",
    "/offline.js",
    "/manifest.webmanifest",
    "/favicon.svg",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
];

/// The worker's script and the offline page, each `None` when the site has not been built.
#[derive(Clone)]
pub struct OfflineFiles {
    script: Option<std::sync::Arc<str>>,
    offline_page: Option<std::sync::Arc<str>>,
}

impl OfflineFiles {
    pub fn load(site_root: &Path, pkg_dir: &str) -> OfflineFiles {
        let offline_page = std::fs::read_to_string(site_root.join("offline.html")).ok().map(Into::into);
        let Ok(template) = std::fs::read_to_string(site_root.join("sw.js")) else {
            return OfflineFiles { script: None, offline_page };
        };
        let mut assets = built_files(&site_root.join(pkg_dir), &format!("/{pkg_dir}"));
        assets.sort();
        assets.extend(APP_FILES.iter().map(|f| f.to_string()));
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&template, &assets).hash(&mut hasher);
        let precache = serde_json::json!({ "version": format!("{:016x}", hasher.finish()), "assets": assets });
        let script = template.replacen(PLACEHOLDER, &format!("const PRECACHE = {precache};"), 1);
        OfflineFiles { script: Some(script.into()), offline_page }
    }

    pub fn script(&self) -> Option<&str> {
        self.script.as_deref()
    }
}

/// The files of a build directory as URL paths, leaving out the pre-compressed copies (the
/// server picks those by `Accept-Encoding` for the same URL).
fn built_files(dir: &Path, url: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            files.extend(built_files(&path, &format!("{url}/{name}")));
        } else if !name.ends_with(".br") && !name.ends_with(".gz") {
            files.push(format!("{url}/{name}"));
        }
    }
    files
}

pub async fn service_worker(axum::extract::State(files): axum::extract::State<OfflineFiles>) -> Response {
    // A worker's own policy governs its fetches: this site only (the API's `default-src
    // 'none'` would stop it precaching anything).
    served(files.script(), "text/javascript; charset=utf-8", "default-src 'self'; object-src 'none'")
}

pub async fn offline_page(axum::extract::State(files): axum::extract::State<OfflineFiles>) -> Response {
    let policy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    served(files.offline_page.as_deref(), "text/html; charset=utf-8", policy)
}

/// A file read at start, never cached by the browser (a check for a new worker must reach
/// us), with its own content security policy.
fn served(body: Option<&str>, content_type: &'static str, policy: &'static str) -> Response {
    let Some(body) = body else {
        return (StatusCode::NOT_FOUND, "The site has not been built: run `make build`.").into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy)),
    ];
    (headers, body.to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_lists_every_built_file_and_changes_version_with_them() {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("sw.js"), "// self.__PRECACHE__\nconst PRECACHE = self.__PRECACHE__;").unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(pkg.join("chunks")).unwrap();
        for file in ["app.1a2b.js", "app.1a2b.wasm", "app.1a2b.wasm.br", "chunks/route_3c4d.wasm"] {
            std::fs::write(pkg.join(file), "x").unwrap();
        }
        let script = OfflineFiles::load(site.path(), "pkg").script().unwrap().to_owned();
        let json = script.strip_prefix("// self.__PRECACHE__\nconst PRECACHE = ").unwrap().strip_suffix(';').unwrap();
        let precache: serde_json::Value = serde_json::from_str(json).unwrap();
        let assets: Vec<&str> = precache["assets"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        assert_eq!(assets[..3], ["/pkg/app.1a2b.js", "/pkg/app.1a2b.wasm", "/pkg/chunks/route_3c4d.wasm"]);
        assert!(assets.contains(&"/offline.html"));

        std::fs::write(pkg.join("app.5e6f.js"), "y").unwrap();
        let rebuilt = OfflineFiles::load(site.path(), "pkg").script().unwrap().to_owned();
        let version = |s: &str| s.split("\"version\":\"").nth(1).unwrap()[..16].to_owned();
        assert_ne!(version(&script), version(&rebuilt), "a new build is a new worker");
        assert!(OfflineFiles::load(&site.path().join("missing"), "pkg").script().is_none());
    }
}
