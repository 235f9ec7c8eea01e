use std::process::ExitCode;

use clap::Parser;

use server::config::{Cli, Command, Config, SeedArgs, UserCommand};
use server::seed::demo::DEMO_USERS;
use server::seed::generator::{Plan, generate};
use server::startup::{Application, open_store};
use server::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any thread starts, so none takes an arena beyond the cap.
    server::memory::tune_malloc(cli.config.backend());
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => {
            eprintln!("kitchen-pantry: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    if let Err(error) = cli.config.validate() {
        eprintln!("kitchen-pantry: {error}");
        return ExitCode::FAILURE;
    }
    let telemetry = match telemetry::init(&cli.config) {
        Ok(telemetry) => telemetry,
        Err(message) => {
            eprintln!("kitchen-pantry: {message}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
        Command::Migrate => migrate(&cli.config).await,
        Command::Seed(args) => seed(&cli.config, &args).await,
        Command::User(command) => user(&cli.config, command).await,
        Command::Ceiling => ceiling(&cli.config).await,
    };
    // The exporter's batch thread blocks while it sends the last spans.
    tokio::task::block_in_place(|| telemetry.shutdown());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kitchen-pantry: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: &Config) -> Result<(), String> {
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    let addr = app.local_addr();
    println!("\nKitchen Pantry CRM is ready on http://{addr}");
    if config.demo_data {
        println!("Demo accounts (password: the DEMO_PASSWORD setting, “pantry-demo” unless set):");
        for (email, name, role, _) in DEMO_USERS {
            println!("  {email:<28} {name:<16} {}", role.label());
        }
    }
    println!("Stop with Ctrl+C.\n");
    app.run_until(shutdown_signal()).await.map_err(|e| format!("the server stopped: {e}"))
}

/// The same binary, runtime and HTTP stack as the app, with nothing behind the handler.
async fn ceiling(config: &Config) -> Result<(), String> {
    const BODY: &str = "Kitchen Pantry CRM: the ceiling of this machine\n";
    let router = axum::Router::new().route("/", axum::routing::get(|| async { BODY }));
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    println!("The ceiling handler is ready on http://{}", config.addr);
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn migrate(config: &Config) -> Result<(), String> {
    let store = open_store(config, None).await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("The database is up to date.");
    Ok(())
}

async fn seed(config: &Config, args: &SeedArgs) -> Result<(), String> {
    let store = open_store(config, None).await.map_err(|e| e.to_string())?;
    let reps = server::seed::seed_reps(&store, args.reps).await.map_err(|e| e.to_string())?;
    let plan = Plan {
        organizations: args.organizations,
        contacts_per_organization: args.contacts_per_organization,
        interactions: args.interactions,
        opportunities: args.opportunities,
        seed: args.seed,
        history_days: 365,
    };
    let total = u64::from(args.organizations);
    let summary = generate(&store, &reps, &plan, |done| {
        if done % 20_000 == 0 || done == total {
            eprintln!("  {done} of {total} organizations written");
        }
    })
    .await
    .map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "Seeded {} organizations, {} contacts, {} interactions and {} opportunities in {:.1} s.",
        summary.organizations,
        summary.contacts,
        summary.interactions,
        summary.opportunities,
        summary.elapsed.as_secs_f64()
    );
    Ok(())
}

async fn user(config: &Config, command: UserCommand) -> Result<(), String> {
    use app::auth::hash_password;
    use app::model::check_new_password;
    use app::store::NewUser;

    let store = open_store(config, None).await.map_err(|e| e.to_string())?;
    let email = match &command {
        UserCommand::Add { email, .. } | UserCommand::SetPassword { email } => email.trim().to_lowercase(),
    };
    eprintln!("Type the password for {email} and press Enter:");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    check_new_password(&password, &email)?;
    let hash = hash_password(password).await.map_err(|e| e.to_string())?;
    let user_id = match command {
        UserCommand::Add { name, role, .. } => {
            let user = NewUser {
                id: uuid::Uuid::now_v7(),
                email: email.clone(),
                full_name: name,
                role,
                manager_id: None,
                territory: None,
            };
            store
                .create_user(user)
                .await
                .map_err(|e| match e {
                    app::store::StoreError::Invalid(fields) => fields.into_values().collect::<Vec<_>>().join(" "),
                    other => other.to_string(),
                })?
                .id
        }
        UserCommand::SetPassword { .. } => match store.user_by_email(&email).await.map_err(|e| e.to_string())? {
            Some(user) => user.id,
            None => return Err(format!("there is no account with the email {email}")),
        },
    };
    store.set_password_hash(user_id, Some(&hash)).await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("The password of {email} is set.");
    Ok(())
}

/// Ctrl+C or SIGTERM (what process managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
