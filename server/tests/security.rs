//! Trying to break in: every route as every role (the roles table of domain.md), sign-in
//! abuse, sessions, cross-site requests, rate limits, injected markup and the security
//! headers. Each test runs its own server (see common/mod.rs).

mod common;

use common::{PASSWORD, TestApp, anonymous, cookie_client, email};
use reqwest::header::{
    ACCEPT, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const ROLES: [&str; 5] = ["admin", "manager", "rep1", "rep2", "viewer"];

/// One organization for each rep, with a contact each.
struct Fixture {
    org1: String,
    org2: String,
    contact1: String,
    contact2: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let mut ids = Vec::new();
    for rep in ["rep1", "rep2"] {
        let org = app
            .create_organization(
                json!({"name": format!("{rep} Diner"), "assigned_user_id": app.user(rep), "city": "Austin"}),
            )
            .await;
        let org_id = org["id"].as_str().unwrap().to_owned();
        let (status, contact) =
            app.post("/api/v1/contacts", json!({"organization_id": org_id, "first_name": format!("Chef {rep}")})).await;
        assert_eq!(status, StatusCode::CREATED, "{contact}");
        ids.push((org_id, contact["id"].as_str().unwrap().to_owned()));
    }
    let (org2, contact2) = ids.pop().unwrap();
    let (org1, contact1) = ids.pop().unwrap();
    Fixture { org1, org2, contact1, contact2 }
}

/// The version of an organization now (read as the admin).
async fn version(app: &TestApp, org: &str) -> i64 {
    app.get(&format!("/api/v1/organizations/{org}")).await.1["version"].as_i64().expect("version")
}

async fn contact_version(app: &TestApp, contact: &str) -> i64 {
    app.get(&format!("/api/v1/contacts/{contact}")).await.1["version"].as_i64().expect("version")
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

/// Every API route as every role, on SQLite.
#[tokio::test]
async fn every_route_answers_each_role_as_the_roles_table_says() {
    role_matrix(&TestApp::spawn().await).await;
}

/// The same matrix on PostgreSQL (when `TEST_POSTGRES_URL` is set; `.ci/run` sets it).
#[tokio::test]
async fn every_route_answers_each_role_as_the_roles_table_says_on_postgres() {
    TestApp::on_postgres(role_matrix).await;
}

/// `expected` lists the status per role in ROLES order.
async fn role_matrix(app: &TestApp) {
    let f = fixture(app).await;
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push((role, app.signed_in(role).await));
    }
    let (o1, o2, c1, c2) = (&f.org1, &f.org2, &f.contact1, &f.contact2);
    use StatusCode as S;
    let (ok, nf, fb) = (S::OK, S::NOT_FOUND, S::FORBIDDEN);

    // Reads: reps see their own accounts only; everyone else sees everything.
    let reads: Vec<(String, [StatusCode; 5])> = vec![
        (format!("/api/v1/organizations/{o1}"), [ok, ok, ok, nf, ok]),
        (format!("/api/v1/organizations/{o2}"), [ok, ok, nf, ok, ok]),
        (format!("/api/v1/organizations/{o2}/contacts"), [ok, ok, nf, ok, ok]),
        (format!("/api/v1/organizations/{o2}/history"), [ok, ok, nf, ok, ok]),
        (format!("/api/v1/contacts/{c1}"), [ok, ok, ok, nf, ok]),
        (format!("/api/v1/contacts/{c2}"), [ok, ok, nf, ok, ok]),
        (format!("/api/v1/contacts/{c2}/history"), [ok, ok, nf, ok, ok]),
        (format!("/api/organizations/detail?id={o2}"), [ok, ok, nf, ok, ok]),
        (format!("/api/organizations/edit?id={o2}"), [ok, ok, nf, ok, fb]),
        (format!("/api/contacts/edit?contact_id={c2}"), [ok, ok, nf, ok, fb]),
        (format!("/api/contacts/edit?organization_id={o2}"), [ok, ok, nf, ok, fb]),
        ("/api/organizations/edit".to_owned(), [ok, ok, ok, ok, fb]),
        ("/api/v1/organizations".to_owned(), [ok; 5]),
        ("/api/v1/contacts".to_owned(), [ok; 5]),
        ("/api/v1/users".to_owned(), [ok; 5]),
        ("/api/home/summary".to_owned(), [ok; 5]),
        // Alerts: managers and administrators only.
        ("/api/v1/alert-rules".to_owned(), [ok, ok, fb, fb, fb]),
        ("/api/v1/alerts".to_owned(), [ok, ok, fb, fb, fb]),
        ("/api/v1/alerts/history".to_owned(), [ok, ok, fb, fb, fb]),
        ("/api/v1/alerts/deliveries".to_owned(), [ok, ok, fb, fb, fb]),
        // The monitoring dashboard and its export: the same.
        ("/api/v1/monitoring?period=7d".to_owned(), [ok, ok, fb, fb, fb]),
        ("/api/monitoring/overview?period=24h".to_owned(), [ok, ok, fb, fb, fb]),
        ("/api/monitoring/route?route=%2Ftoday&period=7d".to_owned(), [ok, ok, fb, fb, fb]),
    ];
    for (path, expected) in &reads {
        for ((role, client), want) in clients.iter().zip(expected) {
            let (status, body) = app.call(client, Method::GET, path, None).await;
            assert_eq!(status, *want, "GET {path} as {role}: {body}");
        }
        let (status, _) = app.call(&anonymous(), Method::GET, path, None).await;
        assert_eq!(status, S::UNAUTHORIZED, "GET {path} signed out");
    }

    // Lists, searches and counts are limited the same way.
    let rep1 = &clients[2].1;
    let (_, list) = app.call(rep1, Method::GET, "/api/v1/organizations", None).await;
    assert_eq!(ids(&list), vec![o1.to_owned()]);
    let (_, list) = app.call(rep1, Method::GET, "/api/v1/organizations?q=rep2", None).await;
    assert_eq!(list["total"], 0, "search finds nothing of another rep's");
    let (_, list) =
        app.call(rep1, Method::GET, &format!("/api/v1/organizations?assigned_to={}", app.user("rep2")), None).await;
    assert_eq!(list["total"], 0, "filtering by another rep shows nothing");
    let (_, list) = app.call(rep1, Method::GET, "/api/v1/contacts?q=chef", None).await;
    assert_eq!(ids(&list), vec![c1.to_owned()]);
    let (_, summary) = app.call(rep1, Method::GET, "/api/home/summary", None).await;
    assert_eq!((summary["organizations"].as_i64(), summary["contacts"].as_i64()), (Some(1), Some(1)));
    let (_, list) = app.call(rep1, Method::GET, "/api/organizations/list?query=q%3Ddiner", None).await;
    assert_eq!(list["page"]["total"], 1);
    let (_, users) = app.call(rep1, Method::GET, "/api/v1/users", None).await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "a rep assigns only to themselves");
    let (_, list) = app.call(&clients[4].1, Method::GET, "/api/v1/organizations", None).await;
    assert_eq!(list["total"], 2, "read-only sees everything");

    // Changes to rep1's organization: admin, manager and rep1 may; rep2 may not know it exists.
    for ((role, client), want) in clients.iter().zip([ok, ok, ok, nf, fb]) {
        let body = json!({"version": version(app, o1).await, "city": format!("Waco {role}")});
        let (status, answer) =
            app.call(client, Method::PATCH, &format!("/api/v1/organizations/{o1}"), Some(body)).await;
        assert_eq!(status, want, "PATCH organization as {role}: {answer}");
        let body = json!({"version": contact_version(app, c1).await, "position": "chef"});
        let (status, answer) = app.call(client, Method::PATCH, &format!("/api/v1/contacts/{c1}"), Some(body)).await;
        assert_eq!(status, want, "PATCH contact as {role}: {answer}");
    }
    // A rep can neither give an account away nor move a contact to someone else's account.
    let body = json!({"version": version(app, o1).await, "assigned_user_id": app.user("rep2")});
    let (status, _) = app.call(rep1, Method::PATCH, &format!("/api/v1/organizations/{o1}"), Some(body)).await;
    assert_eq!(status, fb);
    let body = json!({"version": contact_version(app, c1).await, "organization_id": o2});
    let (status, _) = app.call(rep1, Method::PATCH, &format!("/api/v1/contacts/{c1}"), Some(body)).await;
    assert_eq!(status, S::UNPROCESSABLE_ENTITY, "someone else's organization is no organization");
    let body = json!({"organization_id": o2, "first_name": "Sneaky"});
    let (status, answer) = app.call(rep1, Method::POST, "/api/v1/contacts", Some(body)).await;
    assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer["fields"]["organization_id"].is_string());

    // Creating organizations: everyone but read-only; a rep's are theirs.
    for ((role, client), want) in clients.iter().zip([S::CREATED, S::CREATED, S::CREATED, S::CREATED, fb]) {
        let body = json!({"name": format!("New for {role}")});
        let (status, org) = app.call(client, Method::POST, "/api/v1/organizations", Some(body)).await;
        assert_eq!(status, want, "POST organization as {role}: {org}");
        if role.starts_with("rep") {
            assert_eq!(org["assigned_user_id"], json!(app.user(role)));
        }
    }
    let body = json!({"name": "For someone else", "assigned_user_id": app.user("rep2")});
    assert_eq!(app.call(rep1, Method::POST, "/api/v1/organizations", Some(body)).await.0, fb);

    // Deleting and restoring: the admin only.
    for ((role, client), want) in clients.iter().zip([ok, fb, fb, nf, fb]).rev() {
        let path = format!("/api/v1/contacts/{c1}?version={}", contact_version(app, c1).await);
        let (status, answer) = app.call(client, Method::DELETE, &path, None).await;
        assert_eq!(status, want, "DELETE contact as {role}: {answer}");
    }
    for ((role, client), want) in clients.iter().zip([ok, fb, fb, nf, fb]).rev() {
        let (status, answer) =
            app.call(client, Method::POST, &format!("/api/v1/contacts/{c1}/restore"), Some(json!({}))).await;
        assert_eq!(status, want, "restore contact as {role}: {answer}");
    }
    for ((role, client), want) in clients.iter().zip([ok, fb, nf, fb, fb]).rev() {
        let path = format!("/api/v1/organizations/{o2}?version={}", version(app, o2).await);
        let (status, answer) = app.call(client, Method::DELETE, &path, None).await;
        assert_eq!(status, want, "DELETE organization as {role}: {answer}");
    }
}

/// The pages and the form posts behind them follow the same rules.
#[tokio::test]
async fn pages_and_forms_follow_the_same_rules() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let rep1 = app.signed_in("rep1").await;
    let viewer = app.signed_in("viewer").await;
    assert_eq!(app.page_as(&rep1, &format!("/organizations/{}", f.org2)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.page_as(&rep1, &format!("/organizations/{}/edit", f.org2)).await.0, StatusCode::NOT_FOUND);
    let (status, html) = app.page_as(&rep1, &format!("/organizations/{}", f.org1)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/edit\"") && html.contains("Test rep1"), "a rep edits their own account");
    let (status, html) = app.page_as(&viewer, &format!("/organizations/{}", f.org1)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&format!("/organizations/{}/edit", f.org1)), "read-only gets no Edit button");
    assert_eq!(app.page_as(&viewer, "/organizations/new").await.0, StatusCode::FORBIDDEN);
    let (_, html) = app.page_as(&rep1, "/organizations").await;
    assert!(html.contains("rep1 Diner") && !html.contains("rep2 Diner"));

    // The organization form posted by rep1 for rep2's account, without JavaScript.
    let form = [
        ("form[id]", f.org2.clone()),
        ("form[version]", version(&app, &f.org2).await.to_string()),
        ("form[name]", "Taken over".to_owned()),
    ];
    let response = rep1
        .post(app.url("/api/organizations/save"))
        .header(ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = viewer.post(app.url("/api/organizations/save")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/organizations/{}", f.org2)).await.1["name"], "rep2 Diner");

    // Signed out: pages go to the sign-in page and come back after it.
    let response = anonymous().get(app.url("/organizations?priority=A")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=%2Forganizations%3Fpriority%3DA");
    let (status, html) = app.page_as(&anonymous(), "/login?next=%2Forganizations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"name="form[password]""#) && html.contains(r#"value="/organizations""#));
}

#[tokio::test]
async fn signing_in_and_out() {
    let app = TestApp::spawn().await;
    let client = cookie_client();
    let sign_in = |password: &str| {
        client.post(app.url("/api/v1/session")).json(&json!({"email": email("rep1"), "password": password})).send()
    };
    let response = sign_in("wrong password").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("email or password is not right"));
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": "nobody@example.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "unknown accounts answer the same");

    let response = sign_in(PASSWORD).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let user: Value = response.json().await.unwrap();
    assert_eq!((user["email"].as_str(), user["role"].as_str()), (Some("rep1@example.test"), Some("sales_rep")));
    let (status, me) = app.call(&client, Method::GET, "/api/v1/session", None).await;
    assert_eq!((status, me["id"].clone()), (StatusCode::OK, json!(app.user("rep1"))));

    // Signing out ends the session on the server: the old cookie opens nothing.
    let token = cookie.split(';').next().unwrap().to_owned();
    let response = client.delete(app.url("/api/v1/session")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let replay = anonymous().get(app.url("/api/v1/organizations")).header(COOKIE, &token).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

/// A session id planted before sign-in (session fixation) is never the one signed in.
#[tokio::test]
async fn every_sign_in_gets_a_new_session() {
    let app = TestApp::spawn().await;
    let sign_in = |cookie: String| {
        anonymous()
            .post(app.url("/api/v1/session"))
            .header(COOKIE, cookie)
            .json(&json!({"email": email("manager"), "password": PASSWORD}))
            .send()
    };
    let planted = "kp_session=planted-by-an-attacker".to_owned();
    let response = sign_in(planted.clone()).await.unwrap();
    let first = response.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_ne!(first, planted);
    let replay = anonymous().get(app.url("/api/v1/session")).header(COOKIE, &planted).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    // Signing in again from the same browser ends the session it had.
    let response = sign_in(first.clone()).await.unwrap();
    let second = response.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_ne!(first, second);
    let old = anonymous().get(app.url("/api/v1/session")).header(COOKIE, &first).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = anonymous().get(app.url("/api/v1/session")).header(COOKIE, &second).send().await.unwrap();
    assert_eq!(new.status(), StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let app = TestApp::spawn().await;
    let attempt = |password: &'static str| {
        anonymous().post(app.url("/api/v1/session")).json(&json!({"email": email("rep2"), "password": password})).send()
    };
    for n in 1..=4 {
        assert_eq!(attempt("guess").await.unwrap().status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let locked = attempt("guess").await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = locked.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1700..=1800).contains(&wait), "about 30 minutes: {wait}");
    let right = attempt(PASSWORD).await.unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let body: Value = right.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("locked"));
    // Another account is not affected.
    assert_eq!(
        anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": email("rep1"), "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn sign_ins_writes_and_searches_are_rate_limited() {
    let app = TestApp::spawn_with(|config| server::config::Config {
        rate_limit_sign_ins: 8,
        rate_limit_writes: 3,
        rate_limit_searches: 2,
        ..config
    })
    .await;
    // The test harness signed the admin in once; a few more attempts from the same address.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "someone@example.test", "password": "x"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    for n in 0..3 {
        let (status, _) = app.post("/api/v1/organizations", json!({"name": format!("Org {n}")})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let response =
        app.client.post(app.url("/api/v1/organizations")).json(&json!({"name": "One more"})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(RETRY_AFTER));

    assert_eq!(app.get("/api/v1/organizations?q=org").await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/organizations?q=org").await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/organizations?q=org").await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get("/api/v1/organizations").await.0, StatusCode::OK, "plain lists are not searches");
}

#[tokio::test]
async fn changes_from_other_sites_are_refused() {
    let app = TestApp::spawn().await;
    let post = |headers: &[(&'static str, &str)]| {
        let mut request = app.client.post(app.url("/api/v1/organizations")).json(&json!({"name": "Forged"}));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let host = app.base.trim_start_matches("http://").to_owned();
    assert_eq!(post(&[("origin", "https://evil.example")]).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post(&[("sec-fetch-site", "cross-site")]).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post(&[("origin", "null")]).await.unwrap().status(), StatusCode::FORBIDDEN);
    // A plain cross-site form post to a server function (no JavaScript needed to forge one).
    let forged = app
        .client
        .post(app.url("/api/organizations/save"))
        .header(ORIGIN, "https://evil.example")
        .form(&[("form[id]", Uuid::new_v4().to_string()), ("form[name]", "Forged".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/organizations?q=forged").await.1["total"], 0);
    // The app's own pages pass.
    let own = [("origin", format!("http://{host}")), ("sec-fetch-site", "same-origin".to_owned())];
    let own: Vec<(&'static str, &str)> = own.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&own).await.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn markup_typed_into_any_field_stays_text() {
    let app = TestApp::spawn().await;
    let xss = "</textarea></title><script>alert(1)</script><img src=x onerror=alert(2)>";
    let org = app
        .create_organization(json!({
            "name": format!("Bistro {xss}"), "city": xss, "street": xss, "region": xss, "postal_code": "x<b>",
            "country": xss, "distributor": xss, "notes": xss, "tags": ["<i>tag</i>"],
            "website": "https://example.com/\"><script>alert(3)</script>",
        }))
        .await;
    let id = org["id"].as_str().unwrap();
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            json!({"organization_id": id, "first_name": xss, "last_name": xss, "notes": xss, "email": "a@b.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    for path in [
        format!("/organizations/{id}"),
        "/organizations".to_owned(),
        "/".to_owned(),
        format!("/organizations/{id}/edit"),
        format!("/contacts/{}/edit", contact["id"].as_str().unwrap()),
    ] {
        let (status, html) = app.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for raw in ["<script>alert(", "<img src=x", "<i>tag</i>", "<b>"] {
            if let Some(at) = html.find(raw) {
                panic!("{path} contains raw {raw}: …{}…", &html[at.saturating_sub(300)..(at + 100).min(html.len())]);
            }
        }
    }
    let (_, html) = app.page(&format!("/organizations/{id}")).await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text");
}

#[tokio::test]
async fn security_headers_on_pages_and_api() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/organizations")).send().await.unwrap();
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a script nonce");
    assert!(nonce.len() >= 16);
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "Leptos' inline scripts carry the nonce");
    let other = app.client.get(app.url("/organizations")).send().await.unwrap();
    assert!(!other.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().contains(nonce), "a new nonce per response");
    assert_eq!(headers["cache-control"], "private, no-store");

    let login = anonymous().get(app.url("/login")).send().await.unwrap();
    assert!(login.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("'nonce-"));

    for response in [
        page_headers(&app, "/api/v1/organizations").await,
        page_headers(&app, "/organizations").await,
        anonymous().get(app.url("/api/v1/organizations")).send().await.unwrap().headers().clone(),
    ] {
        assert_eq!(response[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(response["x-frame-options"], "DENY");
        assert_eq!(response["referrer-policy"], "same-origin");
        assert!(response[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(!response.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    }
    let api = page_headers(&app, "/api/v1/organizations").await;
    assert!(api[CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));

    let https = TestApp::spawn_with(|config| server::config::Config {
        public_url: Some("https://crm.example.com".into()),
        ..config
    })
    .await;
    let headers = page_headers(&https, "/api/v1/organizations").await;
    assert!(headers["strict-transport-security"].to_str().unwrap().contains("max-age=31536000"));
}

async fn page_headers(app: &TestApp, path: &str) -> reqwest::header::HeaderMap {
    app.client.get(app.url(path)).send().await.unwrap().headers().clone()
}

#[tokio::test]
async fn the_sign_in_form_works_without_javascript() {
    let app = TestApp::spawn().await;
    let browser = cookie_client();
    let post = |password: &str| {
        browser
            .post(app.url("/api/session/sign-in"))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header("referer", app.url("/login?next=%2Forganizations"))
            .form(&[
                ("form[email]", email("manager")),
                ("form[password]", password.to_owned()),
                ("form[next]", "/organizations".to_owned()),
            ])
            .send()
    };
    let wrong = post("not it").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FOUND);
    let back = wrong.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(!back.contains("not it") && !back.contains("not+it"), "the password never goes into an address: {back}");
    let (_, html) = app.page_as(&browser, back.trim_start_matches(&app.base)).await;
    assert!(html.contains("email or password is not right") && html.contains("manager@example.test"));

    let right = post(PASSWORD).await.unwrap();
    assert_eq!(right.status(), StatusCode::FOUND);
    assert_eq!(right.headers()[LOCATION], "/organizations");
    let (status, html) = app.page_as(&browser, "/organizations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Test manager") && html.contains("Sign out"));

    let out = browser
        .post(app.url("/api/session/sign-out"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!((out.status(), out.headers()[LOCATION].to_str().unwrap()), (StatusCode::FOUND, "/login"));
    assert_eq!(browser.get(app.url("/organizations")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
}

/// Posts a form to a server function as the app's JavaScript does.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, String)],
) -> (StatusCode, Value) {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn administrators_manage_accounts_and_nobody_else_can() {
    let app = TestApp::spawn().await;
    let new_person = [
        ("form[full_name]", "Nina New".to_owned()),
        ("form[email]", "Nina@Example.test".to_owned()),
        ("form[role]", "sales_rep".to_owned()),
        ("form[territory]", "Dallas".to_owned()),
        ("form[password]", "first pantry password".to_owned()),
    ];
    for role in ["manager", "rep1", "viewer"] {
        let client = app.signed_in(role).await;
        assert_eq!(
            app.call(&client, Method::GET, "/api/users/accounts", None).await.0,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(post_form(&app, &client, "/api/users/create", &new_person).await.0, StatusCode::FORBIDDEN, "{role}");
        let reset = [("form[id]", app.user("rep2").to_string()), ("form[password]", "taken over by me".into())];
        assert_eq!(post_form(&app, &client, "/api/users/reset-password", &reset).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.page_as(&client, "/admin/users").await.0, StatusCode::FORBIDDEN);
    }

    let (status, body) = post_form(&app, &app.client, "/api/users/create", &new_person).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let nina = app.signed_in_with("nina@example.test", "first pantry password").await.expect("the new person signs in");
    let (_, me) = app.call(&nina, Method::GET, "/api/v1/session", None).await;
    assert_eq!(me["role"], "sales_rep");
    let (status, body) = post_form(&app, &app.client, "/api/users/create", &new_person).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the email is taken: {body}");
    let weak = [
        ("form[full_name]", "W".to_owned()),
        ("form[email]", "w@example.test".into()),
        ("form[role]", "admin".into()),
        ("form[password]", "short".into()),
    ];
    let (status, body) = post_form(&app, &app.client, "/api/users/create", &weak).await;
    assert_eq!((status, body["fields"]["password"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    assert!(!body.to_string().contains("short"), "a password is never echoed");

    let (_, accounts) = app.get("/api/users/accounts").await;
    let account = |email: &str| accounts.as_array().unwrap().iter().find(|a| a["email"] == email).cloned().unwrap();
    let nina_row = account("nina@example.test");
    let (_, page) = app.page("/admin/users").await;
    assert!(page.contains("Nina New") && page.contains("Dallas"));

    // Deactivating ends her session at once and keeps her out.
    let deactivate = [
        ("form[id]", nina_row["id"].as_str().unwrap().to_owned()),
        ("form[version]", nina_row["version"].to_string()),
        ("form[role]", "read_only".to_owned()),
    ];
    assert_eq!(post_form(&app, &app.client, "/api/users/access", &deactivate).await.0, StatusCode::OK);
    assert_eq!(app.call(&nina, Method::GET, "/api/v1/organizations", None).await.0, StatusCode::UNAUTHORIZED);
    assert!(app.signed_in_with("nina@example.test", "first pantry password").await.is_none());
    let (status, _) = post_form(&app, &app.client, "/api/users/access", &deactivate).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second change from the same version is stale");

    // An administrator cannot take away their own administration.
    let me = account(&email("admin"));
    let demote = [
        ("form[id]", me["id"].as_str().unwrap().to_owned()),
        ("form[version]", me["version"].to_string()),
        ("form[role]", "manager".to_owned()),
        ("form[active]", "on".to_owned()),
    ];
    assert_eq!(post_form(&app, &app.client, "/api/users/access", &demote).await.0, StatusCode::FORBIDDEN);

    // A reset password replaces the old one and signs the person out everywhere.
    let rep2 = app.signed_in("rep2").await;
    let reset = [("form[id]", app.user("rep2").to_string()), ("form[password]", "a brand new secret".to_owned())];
    assert_eq!(post_form(&app, &app.client, "/api/users/reset-password", &reset).await.0, StatusCode::OK);
    assert_eq!(app.call(&rep2, Method::GET, "/api/v1/session", None).await.0, StatusCode::UNAUTHORIZED);
    assert!(app.signed_in_with(&email("rep2"), PASSWORD).await.is_none());
    assert!(app.signed_in_with(&email("rep2"), "a brand new secret").await.is_some());
}

#[tokio::test]
async fn people_change_their_own_password() {
    let app = TestApp::spawn().await;
    let phone = app.signed_in("rep1").await;
    let laptop = app.signed_in("rep1").await;
    let change = |current: &str, new: &str, confirm: &str| {
        [
            ("form[current_password]", current.to_owned()),
            ("form[new_password]", new.to_owned()),
            ("form[confirm_password]", confirm.to_owned()),
        ]
    };
    let (status, body) = post_form(
        &app,
        &phone,
        "/api/account/password",
        &change("wrong", "walk-in cooler door", "walk-in cooler door"),
    )
    .await;
    assert_eq!((status, body["fields"]["current_password"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, body) =
        post_form(&app, &phone, "/api/account/password", &change(PASSWORD, "walk-in cooler door", "walk-in")).await;
    assert_eq!((status, body["fields"]["confirm_password"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, body) = post_form(
        &app,
        &phone,
        "/api/account/password",
        &change(PASSWORD, "walk-in cooler door", "walk-in cooler door"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.call(&phone, Method::GET, "/api/v1/session", None).await.0, StatusCode::OK, "this device stays in");
    assert_eq!(
        app.call(&laptop, Method::GET, "/api/v1/session", None).await.0,
        StatusCode::UNAUTHORIZED,
        "others are out"
    );
    assert!(app.signed_in_with(&email("rep1"), "walk-in cooler door").await.is_some());
    let (status, page) = app.page_as(&phone, "/account").await;
    assert!(status == StatusCode::OK && page.contains("Change your password") && page.contains("rep1@example.test"));
    assert_eq!(
        post_form(&app, &anonymous(), "/api/account/password", &change(PASSWORD, "x", "x")).await.0,
        StatusCode::UNAUTHORIZED
    );
}
