//! `ssopilot secrets`: check the OS keychain, print (creating it on first use) a self-hosted SP's AUTH_SECRET, and
//! delete what SSO Pilot stored. Values only ever go to the keychain and, when asked for, to standard output.

use std::process::ExitCode;

use crate::outcome::fail;

use clap::{Args, Subcommand, ValueEnum};

use ssopilot_peers::secrets::{generate_auth_secret, SecretName, Secrets, SERVICE};

#[derive(Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    command: SecretsCommand,
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Check that the OS keychain is reachable and unlocked (exit 0), or say what to do (exit 1).
    Check,
    /// Print the AUTH_SECRET of a self-hosted SP instance, generating and storing it on first use
    /// (32 random bytes, base64, as `openssl rand -base64 32`).
    AuthSecret {
        /// The instance it belongs to, e.g. its SITE_URL.
        #[arg(long)]
        instance: String,
        /// Replace the stored value with a new one (the SP must then be given the new value).
        #[arg(long)]
        rotate: bool,
    },
    /// Delete a secret SSO Pilot stored.
    Delete {
        /// Which secret: demo-idp-key (the demo IdP's signing key; a new one, with a new certificate, is made on
        /// next use), test-sp-key and test-sp-encryption-key (the test SP's signing and encryption keys, likewise),
        /// auth-secret or api-token (with --instance).
        kind: Kind,
        /// The instance or provider label (for auth-secret and api-token).
        #[arg(long)]
        instance: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    DemoIdpKey,
    /// The loopback test SP's request-signing key (IdPs that imported its metadata must import it again).
    TestSpKey,
    /// The loopback test SP's encryption key (IdPs that encrypt for it must be given its new certificate).
    TestSpEncryptionKey,
    AuthSecret,
    ApiToken,
}

/// What to do, with the arguments checked before the keychain is touched (usage errors exit 2 without it).
enum Plan {
    Check,
    AuthSecret { name: SecretName, rotate: bool },
    Delete(SecretName),
}

fn plan(command: SecretsCommand) -> Result<Plan, &'static str> {
    Ok(match command {
        SecretsCommand::Check => Plan::Check,
        SecretsCommand::AuthSecret { instance, rotate } => Plan::AuthSecret {
            name: SecretName::AuthSecret(instance),
            rotate,
        },
        SecretsCommand::Delete { kind, instance } => Plan::Delete(match (kind, instance) {
            (Kind::DemoIdpKey, None) => SecretName::DemoIdpKey,
            (Kind::DemoIdpKey, Some(_)) => return Err("demo-idp-key takes no --instance"),
            (Kind::TestSpKey, None) => SecretName::TestSpKey,
            (Kind::TestSpKey, Some(_)) => return Err("test-sp-key takes no --instance"),
            (Kind::TestSpEncryptionKey, None) => SecretName::TestSpEncryptionKey,
            (Kind::TestSpEncryptionKey, Some(_)) => {
                return Err("test-sp-encryption-key takes no --instance")
            }
            (Kind::AuthSecret, Some(i)) => SecretName::AuthSecret(i),
            (Kind::ApiToken, Some(i)) => SecretName::ApiToken(i),
            (_, None) => return Err("auth-secret and api-token need --instance LABEL"),
        }),
    })
}

pub fn run(args: SecretsArgs) -> ExitCode {
    let plan = match plan(args.command) {
        Ok(p) => p,
        Err(usage) => {
            eprintln!("error: {usage}");
            return ExitCode::from(2);
        }
    };
    let secrets = match Secrets::os() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match plan {
        Plan::Check => {
            println!("OS keychain reachable and unlocked (entries are stored under the service \"{SERVICE}\")");
            ExitCode::SUCCESS
        }
        Plan::AuthSecret { name, rotate } => {
            if rotate {
                let fresh = match generate_auth_secret() {
                    Ok(v) => v,
                    Err(e) => return fail(e),
                };
                if let Err(e) = secrets.set(&name, &fresh) {
                    return fail(e);
                }
            }
            match secrets.get_or_create_text(&name, generate_auth_secret) {
                Ok(v) => {
                    println!("{}", v.expose());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Plan::Delete(name) => match secrets.delete(&name) {
            Ok(true) => {
                println!("deleted");
                ExitCode::SUCCESS
            }
            Ok(false) => fail("there was no such secret in the OS keychain"),
            Err(e) => fail(e),
        },
    }
}
