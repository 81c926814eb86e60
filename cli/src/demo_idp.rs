//! `ssopilot demo-idp`: the built-in demo IdP's certificate, metadata, and responses minted for testers of SPs.
//! The signing key lives in the OS keychain (made on first use); arguments are checked before it is touched, so
//! usage errors exit 2 without a keychain.

use std::process::ExitCode;

use crate::demo_idp_rotate::RotateCommand;
use crate::outcome::{fail, usage};

use clap::{Args, Subcommand};
use ssopilot_peers::clock::SharedClock;

use ssopilot_peers::demo_idp::directory::{Directory, User};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::{self, App, SignMode};
use ssopilot_peers::demo_idp::rotation::{KeyRing, Phase};
use ssopilot_peers::demo_idp::{self as demo, DEFAULT_PORT};
use ssopilot_peers::secrets::Secrets;
use ssopilot_saml::values::{AcsUrl, EntityId};

#[derive(Args)]
pub struct DemoIdpArgs {
    #[command(subcommand)]
    command: DemoIdpCommand,
}

#[derive(Subcommand)]
enum DemoIdpCommand {
    /// Print the demo IdP's signing certificate (PEM), making its key on first use; during a rotation's overlap, the
    /// next certificate after it.
    Cert,
    /// Print the demo IdP's metadata XML (entity ID, signing certificates, SSO endpoints).
    Metadata {
        /// The port the demo IdP serves on (its URLs and entity ID depend on it).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
    },
    /// Run the demo IdP on 127.0.0.1 until Ctrl-C: prints its metadata URL, the demo users and their password.
    Serve {
        /// The port to listen on (its URLs and entity ID depend on it).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Address to listen on: loopback only (127.0.0.1 or ::1); anything else is refused.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The applications (TOML; see `ssopilot_peers::demo_idp::config`): slug, SP entity ID, ACS URL, granted groups...
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
    },
    /// Print a signed SAMLResponse (base64, as a browser POSTs it) for any user, for testers of SPs.
    Mint {
        /// The SP's entity ID: the Audience the response is for.
        #[arg(long, value_name = "ID")]
        sp_entity_id: String,
        /// The SP's Assertion Consumer Service URL: where the response is posted (its Destination and Recipient).
        #[arg(long, value_name = "URL")]
        acs_url: String,
        /// The user's email, any case (it is sent lower-case): a demo user (see `ssopilot demo-idp serve`) or the
        /// user your SP knows, such as alice@corp.example.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// The user's first name (default: a demo user's own, else from the email: alice.smith@... gives Alice).
        #[arg(long, value_name = "NAME")]
        first_name: Option<String>,
        /// The user's last name (default: a demo user's own, else from the email: alice.smith@... gives Smith,
        /// alice@... gives User).
        #[arg(long, value_name = "NAME")]
        last_name: Option<String>,
        /// The AuthnRequest ID to answer (SP-initiated); without it the response is IdP-initiated.
        #[arg(long)]
        request_id: Option<String>,
        /// What to sign: assertion (JumpCloud's default), response, or both.
        #[arg(long, default_value = "assertion")]
        sign: String,
        /// A constant attribute NAME=VALUE, added to email, firstName and lastName (repeatable).
        #[arg(long = "attribute", value_name = "NAME=VALUE")]
        attributes: Vec<String>,
        /// How long the assertion is valid, 1 to 60 minutes.
        #[arg(long, default_value_t = 5)]
        valid_minutes: u32,
        /// The IdP entity ID (default: the demo IdP's, http://127.0.0.1:8740/metadata).
        #[arg(long)]
        idp_entity_id: Option<String>,
    },
    /// Rehearse a signing-key rotation: `status`, then `start` (publish a next certificate), `switch` (sign with
    /// it), `retire` (drop the old one).
    #[command(subcommand)]
    Rotate(RotateCommand),
}

fn key() -> Result<IdpKey, ExitCode> {
    let secrets = Secrets::os().map_err(fail)?;
    IdpKey::load_or_create(&secrets).map_err(fail)
}

/// The keys kept in the keychain, a rotation under way included (see `ssopilot demo-idp rotate`).
fn key_ring() -> Result<KeyRing, ExitCode> {
    let secrets = Secrets::os().map_err(fail)?;
    KeyRing::load(std::sync::Arc::new(secrets)).map_err(fail)
}

/// `cert`: the certificate an SP trusts now and, during the overlap, the next one it must take before the switch.
/// After the switch the old one is no longer printed (the metadata still lists it until it is retired).
fn cert() -> ExitCode {
    let ring = match key_ring() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let phase = ring.phase();
    let certs: Vec<_> = ring
        .certificates()
        .into_iter()
        .filter(|c| c.signing || phase == Phase::Overlap)
        .collect();
    for c in &certs {
        print!("{}", c.pem);
    }
    if certs.len() > 1 {
        eprintln!(
            "Two certificates: the first signs now, the second is the next one (a rotation is under way; see `ssopilot demo-idp rotate status`)."
        );
    }
    ExitCode::SUCCESS
}

pub fn run(args: DemoIdpArgs, clock: &SharedClock) -> ExitCode {
    match args.command {
        DemoIdpCommand::Cert => cert(),
        DemoIdpCommand::Rotate(cmd) => crate::demo_idp_rotate::run(cmd),
        DemoIdpCommand::Metadata { port } => {
            let id = match demo::entity_id(port) {
                Ok(id) => id,
                Err(e) => return usage(e.message_for("IdP Entity ID")),
            };
            match key_ring() {
                Ok(ring) => {
                    let keys = ring.published();
                    let keys: Vec<&IdpKey> = keys.iter().map(std::sync::Arc::as_ref).collect();
                    print!(
                        "{}",
                        mint::metadata_with_keys(&id, &demo::sso_url(port), &keys, false)
                    );
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        DemoIdpCommand::Serve { port, bind, config } => serve(port, bind, config, clock),
        DemoIdpCommand::Mint {
            sp_entity_id,
            acs_url,
            user,
            first_name,
            last_name,
            request_id,
            sign,
            attributes,
            valid_minutes,
            idp_entity_id,
        } => {
            let sp = match EntityId::parse(&sp_entity_id, "SP Entity ID") {
                Ok(v) => v,
                Err(e) => return usage(e.message_for("--sp-entity-id")),
            };
            let acs = match AcsUrl::parse(&acs_url, "ACS URL") {
                Ok(v) => v,
                Err(e) => return usage(e.message_for("--acs-url")),
            };
            let idp = match idp_entity_id {
                Some(raw) => EntityId::parse(&raw, "IdP Entity ID")
                    .map_err(|e| e.message_for("--idp-entity-id")),
                None => demo::entity_id(DEFAULT_PORT).map_err(|e| e.message_for("IdP Entity ID")),
            };
            let idp = match idp {
                Ok(v) => v,
                Err(msg) => return usage(msg),
            };
            let mut app = App::new(sp, acs, idp);
            app.sign = match sign.parse::<SignMode>() {
                Ok(m) => m,
                Err(e) => return usage(e),
            };
            app.valid_minutes = valid_minutes;
            for a in &attributes {
                match mint::parse_constant(a) {
                    Ok(c) => app.constants.push(c),
                    Err(e) => return usage(e),
                }
            }
            if let Err(e) = app.check() {
                return usage(e);
            }
            if let Some(id) = &request_id {
                if let Err(e) = mint::check_request_id(id) {
                    return usage(e);
                }
            }
            let directory = match Directory::demo() {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            // A demo user by name keeps their own names unless others are given; anyone else is made up for this
            // response only.
            let demo_user = directory.user(&user);
            let user = match User::for_minting(
                first_name
                    .as_deref()
                    .or(demo_user.map(|u| u.first_name.as_str())),
                last_name
                    .as_deref()
                    .or(demo_user.map(|u| u.last_name.as_str())),
                demo_user.map_or(user.as_str(), |u| u.email.as_str()),
            ) {
                Ok(u) => u,
                Err(e) => return usage(format!("--user {user}: {e}")),
            };
            let user = &user;
            let k = match key() {
                Ok(k) => k,
                Err(code) => return code,
            };
            match mint::mint(&app, user, request_id.as_deref(), &k, clock.now()) {
                Ok(xml) => {
                    println!("{}", mint::post_value(&xml));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn serve(
    port: u16,
    bind: std::net::IpAddr,
    config: Option<std::path::PathBuf>,
    clock: &SharedClock,
) -> ExitCode {
    use ssopilot_peers::demo_idp::directory::DEMO_PASSWORD;
    use ssopilot_peers::demo_idp::server::{Server, ServerError, State};
    if !bind.is_loopback() {
        return usage(ServerError::NotLoopback(bind));
    }
    let id = match demo::entity_id(port) {
        Ok(id) => id,
        Err(e) => return usage(e.message_for("IdP Entity ID")),
    };
    let mut directory = match Directory::demo() {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let apps = match &config {
        Some(path) => {
            match ssopilot_peers::demo_idp::config::load(path, &id, &mut directory, clock.now()) {
                Ok(a) => a,
                Err(e) => return fail(e),
            }
        }
        None => Vec::new(),
    };
    let ring = match key_ring() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let state = match State::with_key_ring(directory, apps, ring) {
        Ok(s) => s.with_clock(std::sync::Arc::clone(clock)),
        Err(e) => return fail(e),
    };
    let rt = match ssopilot_peers::runtime::current_thread() {
        Ok(rt) => rt,
        Err(e) => return fail(e),
    };
    rt.block_on(async move {
        let server = match Server::bind(std::net::SocketAddr::new(bind, port), state).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let base = server.base_url().to_string();
        println!("SSO Pilot demo IdP running at {base} (Ctrl-C stops it)");
        println!("  Metadata URL:  {base}/metadata");
        println!("  SSO URL:       {base}/sso (HTTP-Redirect and HTTP-POST)");
        let keys = server.state().keys();
        println!(
            "  Certificate SHA-256: {} (signs responses)",
            keys.signing().fingerprint_sha256().as_str()
        );
        for c in keys.certificates().iter().filter(|c| !c.signing) {
            println!(
                "  Also published:      {} (a rotation is under way: `ssopilot demo-idp rotate status`)",
                c.sha256.as_str()
            );
        }
        let apps = server.state().apps();
        if apps.is_empty() {
            println!("  No applications yet: pass --config FILE to add one.");
        }
        for (slug, app) in &apps {
            println!(
                "  Application {slug}: SP {} -> ACS {}; IdP-initiated at {base}/saml2/{slug}",
                app.sp_entity_id, app.acs_url
            );
        }
        println!("Demo users (password \"{DEMO_PASSWORD}\"):");
        server.state().with_directory(|d| {
            for u in d.users() {
                let groups = d.groups_of(&u.email).join(", ");
                println!(
                    "  {} {} <{}>  groups: {}",
                    u.first_name,
                    u.last_name,
                    u.email,
                    if groups.is_empty() {
                        "none".to_string()
                    } else {
                        groups
                    }
                );
            }
        });
        server.run().await;
        ExitCode::SUCCESS
    })
}
