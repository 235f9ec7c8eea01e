//! The server over real HTTP: the JSON API, server functions as browsers call them (with and
//! without JavaScript), and the pages. Each test starts its own server on a free port with
//! its own SQLite database, signed in as the admin (the roles are tested in security.rs).

mod common;

use common::TestApp;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, REFERER};
use serde_json::{Value, json};
use server::config::Config;
use server::startup::Application;
use uuid::Uuid;

#[tokio::test]
async fn organizations_round_trip_through_the_api() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&json!({"name": "Golden Fork Bistro", "priority": "A", "phone": "512 555 0142", "tags": ["patio"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let org: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/organizations/{}", org["id"].as_str().unwrap()));
    assert_eq!((org["phone"].as_str(), org["version"].as_i64()), (Some("+15125550142"), Some(1)));

    let (status, read) = app.get(&location).await;
    assert_eq!((status, &read), (StatusCode::OK, &org));

    let (status, changed) = app.patch(&location, json!({"version": 1, "city": "Austin", "priority": "B"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["city"].as_str(), changed["priority"].as_str(), changed["version"].as_i64()),
        (Some("Austin"), Some("B"), Some(2))
    );
    assert_eq!(changed["tags"], json!(["patio"]), "PATCH leaves other fields alone");

    let (status, replaced) =
        app.json(reqwest::Method::PUT, &location, Some(json!({"version": 2, "name": "Golden Fork"}))).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(
        (replaced["city"].clone(), replaced["tags"].clone()),
        (Value::Null, json!([])),
        "PUT replaces everything"
    );

    let (status, history) = app.get(&format!("{location}/history")).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "update", "create"]);
    assert_eq!(history[0]["ip"], "127.0.0.1");

    let (status, deleted) = app.json(reqwest::Method::DELETE, &format!("{location}?version=3"), None).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(app.get(&location).await.0, StatusCode::NOT_FOUND);
    let (status, restored) = app.post(&format!("{location}/restore"), json!({})).await;
    assert_eq!((status, restored["version"].as_i64()), (StatusCode::OK, Some(5)));
}

#[tokio::test]
async fn api_errors_say_what_and_where() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post("/api/v1/organizations", json!({"name": " ", "phone": "12", "email": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["kind"], "invalid");
    assert_eq!(body["fields"]["name"], "Name is required.");
    assert!(body["fields"]["phone"].as_str().unwrap().contains("area code"));
    assert!(body["error"].as_str().unwrap().starts_with("Please correct the 3"));

    let (status, body) = app.post("/api/v1/organizations", json!({"name": "X", "nmae": "typo"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["nmae"].as_str().unwrap().starts_with("Unknown field"));

    let (status, body) = app.post("/api/v1/organizations", json!({"name": "X", "annual_revenue_cents": "lots"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["annual_revenue_cents"].is_string());

    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .header(CONTENT_TYPE, "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("not valid JSON"));

    let response = app.client.post(app.url("/api/v1/organizations")).body("name=x").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let org = app.create_organization(json!({"name": "Versioned Deli"})).await;
    let path = format!("/api/v1/organizations/{}", org["id"].as_str().unwrap());
    let (status, body) = app.patch(&path, json!({"city": "Waco"})).await;
    assert_eq!((status, body["fields"]["version"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    app.patch(&path, json!({"version": 1, "city": "Waco"})).await;
    let (status, body) = app.patch(&path, json!({"version": 1, "city": "Temple"})).await;
    assert_eq!(
        (status, body["kind"].as_str(), body["current_version"].as_i64()),
        (StatusCode::CONFLICT, Some("conflict"), Some(2))
    );
    let (status, _) = app.json(reqwest::Method::DELETE, &format!("{path}?version=1"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);

    assert_eq!(app.get("/api/v1/organizations/not-a-uuid").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/organizations/{}", Uuid::new_v4())).await.0, StatusCode::NOT_FOUND);
    let (status, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!((status, body["kind"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, body) = app.get("/api/v1/organizations?priority=Z&per_page=500").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["priority"].is_string() && body["fields"]["per_page"].is_string());
}

#[tokio::test]
async fn lists_filter_sort_and_count() {
    let app = TestApp::spawn().await;
    for (name, priority, city) in
        [("Alpha Diner", "A", "Austin"), ("Bravo Grill", "B", "Boston"), ("Cafe Charlie", "A", "Chicago")]
    {
        app.create_organization(json!({"name": name, "priority": priority, "city": city})).await;
    }
    let (status, body) = app.get("/api/v1/organizations?priority=A&sort=name&dir=desc").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Cafe Charlie", "Alpha Diner"]);
    assert_eq!(body["total"], 2);
    assert_eq!(body["priority_counts"], json!({"A": 2, "B": 1, "C": 0, "D": 0}));
    let (_, body) = app.get("/api/v1/organizations?q=GRILL").await;
    assert_eq!(body["items"][0]["name"], "Bravo Grill");
    let (_, body) = app.get("/api/v1/organizations?per_page=1&page=3").await;
    assert_eq!((body["items"][0]["name"].as_str(), body["total"].as_i64()), (Some("Cafe Charlie"), Some(3)));
}

#[tokio::test]
async fn contacts_through_the_api() {
    let app = TestApp::spawn().await;
    let org = app.create_organization(json!({"name": "Harbor Seafood"})).await;
    let org_id = org["id"].as_str().unwrap();
    let (status, ana) = app
        .post(
            "/api/v1/contacts",
            json!({"organization_id": org_id, "first_name": "Ana", "is_primary": true, "mobile": "(713) 555-0100"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ana}");
    let (_, ben) =
        app.post("/api/v1/contacts", json!({"organization_id": org_id, "first_name": "Ben", "is_primary": true})).await;
    let (status, ana_now) = app.get(&format!("/api/v1/contacts/{}", ana["id"].as_str().unwrap())).await;
    assert_eq!(
        (status, ana_now["is_primary"].as_bool(), ana_now["version"].as_i64()),
        (StatusCode::OK, Some(false), Some(2))
    );
    assert_eq!(ben["is_primary"], true);

    let (_, page) = app.get(&format!("/api/v1/organizations/{org_id}/contacts")).await;
    let names: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|c| c["first_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ben", "Ana"]);

    let (status, body) =
        app.post("/api/v1/contacts", json!({"organization_id": Uuid::new_v4(), "first_name": "Nobody"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["organization_id"].is_string());
    let (status, body) = app
        .post(
            "/api/v1/contacts",
            json!({"organization_id": org_id, "first_name": "Cy", "preferred_contact_method": "text"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["preferred_contact_method"].as_str().unwrap().contains("mobile"));

    let (status, users) = app.get("/api/v1/users").await;
    assert_eq!((status, users.as_array().map(Vec::len)), (StatusCode::OK, Some(common::ACCOUNTS.len())));
}

/// The form posts a browser without JavaScript makes: on success a redirect to the record,
/// on error a redirect back to the form with the error (and what was typed) in the URL.
#[tokio::test]
async fn forms_work_without_javascript() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4();
    let form = [
        ("form[id]", id.to_string()),
        ("form[version]", String::new()),
        ("form[name]", "Plain HTML Bistro".into()),
        ("form[priority]", "B".into()),
        ("form[phone]", "(512) 555-0199".into()),
        ("form[annual_revenue]", "250,000".into()),
    ];
    let post = |form: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/api/organizations/save"))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, app.url("/organizations/new"))
            .form(&form)
            .send()
    };
    let response = post(form.to_vec()).await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[LOCATION], format!("/organizations/{id}").as_str());
    // A second post of the same form (a double tap) creates nothing more.
    let again = post(form.to_vec()).await.unwrap();
    assert_eq!(again.status(), StatusCode::FOUND);
    let (_, list) = app.get("/api/v1/organizations").await;
    assert_eq!(list["total"], 1);
    assert!(app.page(&format!("/organizations/{id}")).await.1.contains("Plain HTML Bistro"));

    let (status, html) = app.page(&format!("/organizations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Plain HTML Bistro") && html.contains("(512) 555-0199") && html.contains("$250,000"));

    let mut bad = form.to_vec();
    bad[0].1 = Uuid::new_v4().to_string();
    bad[2].1 = String::new();
    bad[4].1 = "12".into();
    let response = post(bad).await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(back.starts_with(&app.url("/organizations/new?")) && back.contains("__err="), "{back}");
    let (status, html) = app.page(back.trim_start_matches(&app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Name is required."), "the field error is shown");
    assert!(html.contains(r#"value="12""#), "what was typed is shown again");
}

/// The same server function called by the app's JavaScript answers with the error's own status.
#[tokio::test]
async fn server_function_errors_carry_their_status() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/organizations/save"))
        .form(&[("form[id]", Uuid::new_v4().to_string()), ("form[name]", String::new())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["kind"].as_str(), body["fields"]["name"].as_str()), (Some("invalid"), Some("Name is required.")));

    let response = app
        .client
        .get(app.url("/api/organizations/detail"))
        .query(&[("id", Uuid::new_v4().to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_render_on_the_server_with_their_status() {
    let app = TestApp::spawn().await;
    let org = app.create_organization(json!({"name": "Rendered <Bistro> & Co", "city": "Katy", "priority": "A"})).await;
    let attack = app.create_organization(json!({"name": "</title><script>alert(1)</script>"})).await;
    let (status, html) = app.page("/organizations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rendered &lt;Bistro&gt; &amp; Co"), "text is escaped");
    assert!(html.contains("1–2 of 2"));
    let (status, html) = app.page(&format!("/organizations/{}", org["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Rendered &lt;Bistro&gt; &amp; Co · Kitchen Pantry CRM</title>"));
    let (_, html) = app.page(&format!("/organizations/{}", attack["id"].as_str().unwrap())).await;
    assert!(!html.contains("<script>alert(1)</script>"), "names never become markup, titles included");
    assert!(html.contains("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Kitchen Pantry CRM</title>"));
    assert_eq!(app.page(&format!("/organizations/{}", Uuid::new_v4())).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/organizations/not-an-id/edit").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/no/such/page").await.0, StatusCode::NOT_FOUND);
    let (status, html) = app.page("/organizations?priority=Z").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("were not understood"));
    let (status, _) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn invalid_configuration_is_refused_before_serving() {
    let config = Config::for_database("mysql://somewhere/db");
    let error = Application::build(&config).await.err().expect("refused");
    assert!(error.to_string().contains("DATABASE_URL must start with sqlite: or postgres://"));

    let config = Config::for_database("postgres://nobody:secret@127.0.0.1:1/none");
    let error = Application::build(&config).await.err().expect("refused").to_string();
    assert!(error.starts_with("cannot connect to the database at postgres://nobody:***@127.0.0.1:1/none"), "{error}");
    assert!(!error.contains("secret"));
}

#[tokio::test]
async fn demo_data_is_seeded_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let config = Config { demo_data: true, ..Config::for_database(url) };
    let first = Application::build(&config).await.unwrap();
    let store = first.store().clone();
    let query = app::model::OrganizationQuery::default();
    let seeded = store.list_organizations(&query).await.unwrap().page.total;
    assert_eq!(seeded, 300);
    assert_eq!(store.active_users().await.unwrap().len(), 5);
    let account = store.login_account("rep1@kitchenpantry.test").await.unwrap().expect("demo rep");
    assert!(app::auth::verify_password(account.password_hash, "pantry-demo".into()).await, "the demo password works");
    drop(first);
    let second = Application::build(&config).await.unwrap();
    assert_eq!(second.store().list_organizations(&query).await.unwrap().page.total, 300, "a restart adds nothing");
}

#[tokio::test]
async fn lists_export_as_csv_as_filtered_with_formulas_defused() {
    let app = TestApp::spawn().await;
    for (name, priority) in
        [("=HYPERLINK(\"http://evil.example\")", "A"), ("Quiet Cafe", "B"), ("Loud Diner, Inc.", "A")]
    {
        let (status, body) = app.post("/api/v1/organizations", json!({"name": name, "priority": priority})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let response = app.client.get(app.url("/api/v1/organizations.csv?priority=A&sort=name")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"organizations-"), "{disposition}");
    let text = response.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheets");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("Name"));
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(
        names,
        ["'=HYPERLINK(\"http://evil.example\")", "Loud Diner, Inc."],
        "only A, formula defused, commas quoted"
    );

    let bad = app.client.get(app.url("/api/v1/organizations.csv?priority=Z")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let interactions = app.client.get(app.url("/api/v1/interactions.csv?user=me")).send().await.unwrap();
    assert_eq!(interactions.status(), StatusCode::OK);
    assert!(interactions.text().await.unwrap().starts_with("\u{feff}When,Organization,Contact,Kind"));
}

/// CSV import over HTTP: a browser's multipart form goes on to the import's page, an API
/// client gets the check as JSON, starting runs it in the background, the error report
/// lists the refused rows with their cells defused, a file over 10 MB is refused with its
/// size, and a rep may not import.
#[tokio::test]
async fn csv_imports_upload_check_run_and_report() {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn().await;
    let file = "Name,City,Contact first name,Contact email\n\
                Good Diner,Austin,Ann,ann@good.test\n\
                ,Dallas,,\n\
                =cmd|' /C calc'!A0,Houston,,\n";
    let form = |bytes: Vec<u8>| Form::new().part("file", Part::bytes(bytes).file_name("accounts.csv"));

    let response = app
        .client
        .post(app.url("/api/v1/imports"))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .multipart(form(file.as_bytes().to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(page.starts_with("/organizations/import/"), "{page}");
    let (status, html) = app.page(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Good Diner") && html.contains("Name is required."), "the preview");
    assert!(html.contains("which a spreadsheet runs as a formula"), "the formula cell is named");

    let response = app.client.post(app.url("/api/v1/imports")).multipart(form(file.as_bytes().to_vec())).send().await;
    let response = response.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let detail: Value = response.json().await.unwrap();
    assert_eq!(
        (detail["summary"]["new_rows"].as_i64(), detail["summary"]["invalid_rows"].as_i64()),
        (Some(1), Some(2))
    );
    let id = detail["summary"]["id"].as_str().unwrap().to_owned();

    let started = app
        .client
        .post(app.url("/api/imports/start"))
        .form(&[("id", id.as_str()), ("on_duplicate", "skip")])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    let mut summary = Value::Null;
    for _ in 0..200 {
        summary = app.get(&format!("/api/imports/detail?id={id}")).await.1["summary"].clone();
        if summary["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(summary["status"], "done", "{summary}");
    assert_eq!(summary["created_count"], 1);
    assert_eq!(app.get("/api/v1/organizations?q=Good Diner").await.1["total"], 1);

    let report = app.client.get(app.url(&format!("/api/v1/imports/{id}/errors.csv"))).send().await.unwrap();
    assert_eq!(report.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = report.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.strip_prefix('\u{feff}').unwrap().as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Row", "Problems", "Name", "City", "Contact first name", "Contact email"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!((&rows[0][0], &rows[0][1], &rows[0][3]), ("3", "Name is required.", "Dallas"));
    assert_eq!(&rows[1][2], "'=cmd|' /C calc'!A0", "defused in the report too");

    let big = vec![b'a'; app::model::import::IMPORT_MAX_BYTES + 100];
    let response = app
        .client
        .post(app.url("/api/v1/imports"))
        .header(ACCEPT, "text/html")
        .multipart(form(big))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(response.headers()[LOCATION].to_str().unwrap()).await;
    assert!(html.contains("The file is 10.1 MB; one import takes at most 10 MB"), "the size is said");

    let template = app.client.get(app.url("/api/v1/imports/template.csv")).send().await.unwrap().text().await.unwrap();
    assert!(template.starts_with("\u{feff}Name,Priority,Segment,Type,Phone"), "{template}");

    let rep = app.signed_in("rep1").await;
    let refused = rep.post(app.url("/api/v1/imports")).multipart(form(file.as_bytes().to_vec())).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// The offline client's protocol over HTTP: a batch applied once (sent twice, answered the
/// same), bad batches refused whole, sign-in required, and the delta pull's cursor checked.
#[tokio::test]
async fn sync_batches_apply_once_and_pulls_page_by_cursor() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep1").await;
    let (org_id, visit_id) = (Uuid::new_v4(), Uuid::new_v4());
    let now = chrono::Utc::now().to_rfc3339();
    let batch = json!({"ops": [
        {"op_id": Uuid::new_v4(), "entity": "organization", "action": "create", "entity_id": org_id,
         "changes": {"name": "Cellar Cafe", "city": "Austin"}, "client_time": now},
        {"op_id": Uuid::new_v4(), "entity": "interaction", "action": "create", "entity_id": visit_id,
         "changes": {"organization_id": org_id, "kind": "visit", "notes": "No signal down here"}, "client_time": now},
        {"op_id": Uuid::new_v4(), "entity": "organization", "action": "update", "entity_id": org_id,
         "base_version": 1, "base": {"email": null}, "changes": {"email": "nope"}, "client_time": now},
    ]});
    let (status, first) = app.call(&rep, reqwest::Method::POST, "/api/v1/sync", Some(batch.clone())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let statuses: Vec<&str> =
        first["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["applied", "applied", "rejected"], "{first}");
    assert!(first["results"][2]["fields"]["email"].is_string(), "{first}");

    // The answer was lost; the client sends the batch again.
    let (status, again) = app.call(&rep, reqwest::Method::POST, "/api/v1/sync", Some(batch.clone())).await;
    assert_eq!(status, StatusCode::OK);
    for (a, b) in first["results"].as_array().unwrap().iter().zip(again["results"].as_array().unwrap()) {
        assert_eq!(b["replayed"], true);
        assert_eq!((&a["status"], &a["version"]), (&b["status"], &b["version"]));
    }
    let (_, history) =
        app.call(&rep, reqwest::Method::GET, &format!("/api/v1/organizations/{org_id}/history"), None).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "created once: {history}");

    let twice = json!({"ops": [batch["ops"][0].clone(), batch["ops"][0].clone()]});
    let (status, body) = app.call(&rep, reqwest::Method::POST, "/api/v1/sync", Some(twice)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) =
        app.call(&rep, reqwest::Method::POST, "/api/v1/sync", Some(json!({"ops": [{"op_id": 1}]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app.call(&common::anonymous(), reqwest::Method::POST, "/api/v1/sync", Some(batch)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an outbox waits for the user to sign in again");

    let (status, page) = app.call(&rep, reqwest::Method::GET, "/api/v1/sync/changes", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cursor = page["cursor"].as_str().unwrap().to_owned();
    assert!(!cursor.is_empty() && page["more"] == false, "{page}");
    let (status, _) = app.call(&rep, reqwest::Method::GET, &format!("/api/v1/sync/changes?since={cursor}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.call(&rep, reqwest::Method::GET, "/api/v1/sync/changes?since=yesterday", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// The window size of a brotli stream (its log2), from the stream's first byte.
fn brotli_window_bits(first: u8) -> i32 {
    match (first & 1, (first >> 1) & 0b111, (first >> 4) & 0b111) {
        (0, _, _) => 16,
        (_, n @ 1.., _) => 17 + i32::from(n),
        (_, 0, 0) => 17,
        (_, 0, n) => 8 + i32::from(n),
    }
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_ask() {
    let app = TestApp::spawn().await;
    for n in 0..30 {
        app.create_organization(json!({"name": format!("Compressed Corner Cafe {n}"), "city": "Austin"})).await;
    }
    let fetch = async |encoding: &str| {
        let response = app
            .client
            .get(app.url("/api/v1/organizations?per_page=30&sort=name"))
            .header(reqwest::header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let coding = response.headers().get(reqwest::header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned());
        if coding.is_some() {
            let vary: Vec<_> = response.headers().get_all(reqwest::header::VARY).iter().collect();
            assert!(
                vary.iter().any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")),
                "{vary:?}"
            );
            assert!(response.headers().get(reqwest::header::CONTENT_LENGTH).is_none());
        }
        (coding, response.bytes().await.unwrap().to_vec())
    };
    let (coding, plain) = fetch("identity").await;
    assert_eq!(coding, None);

    // What browsers send: brotli is preferred, with the server's own window (RFC 7932 9.1: the
    // stream's first bits give it), not the encoder's default 4 MiB.
    for accepted in ["br", "gzip, deflate, br, zstd"] {
        let (coding, brotli) = fetch(accepted).await;
        assert_eq!(coding.as_deref(), Some("br"), "{accepted}");
        let mut decoded = Vec::new();
        brotli_decompressor::BrotliDecompress(&mut brotli.as_slice(), &mut decoded).unwrap();
        assert_eq!(decoded, plain, "brotli decodes to the same answer");
        assert!(brotli.len() * 4 < plain.len(), "brotli {} of {} bytes", brotli.len(), plain.len());
        assert_eq!(brotli_window_bits(brotli[0]), server::compression::WINDOW_BITS);
    }

    let (coding, gzip) = fetch("gzip, br;q=0.5").await;
    assert_eq!(coding.as_deref(), Some("gzip"));
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip.as_slice()), &mut decoded).unwrap();
    assert_eq!(decoded, plain, "gzip decodes to the same answer");
}
