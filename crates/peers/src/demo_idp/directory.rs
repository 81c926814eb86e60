//! The demo IdP's user directory, modelled on JumpCloud: users (first name, last name, email), user groups, and
//! applications granted to groups. Users are denied every application until one of their groups is granted it.
//!
//! Emails are kept as the admin typed them (mixed case) but compared without case and sent lower-case in
//! assertions, as JumpCloud does: that is the behaviour that breaks SPs with case-sensitive user names, and the
//! demo must reproduce it faithfully. Passwords are stored only as salted PBKDF2-HMAC-SHA256 hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::num::NonZeroU32;

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// PBKDF2 iterations for new hashes. Stored with each hash, so it can be raised later without breaking old ones.
pub const PBKDF2_ITERATIONS: u32 = 100_000;
/// Upper bound accepted from a stored hash (a hostile config file must not make a login take minutes).
const MAX_PBKDF2_ITERATIONS: u32 = 2_000_000;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;
/// Bounds on what a directory entry may hold.
pub const MAX_NAME_LEN: usize = 128;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;
pub const MAX_USERS: usize = 10_000;
pub const MAX_GROUPS: usize = 1_000;

/// What is wrong with a directory change, or why a sign-in failed. Sign-in failures never say whether the email
/// exists (no user enumeration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("{field} is empty: fill it in")]
    Empty { field: &'static str },
    #[error("{field} is too long ({len} characters; at most {max})")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} contains a control character or line break: type it on one line")]
    Control { field: &'static str },
    #[error("\"{email}\" is not an email address: it needs one @ with a name before it and a domain after it (for example ada@example.com)")]
    BadEmail { email: String },
    #[error("a user with the email {email} already exists (emails are compared without case)")]
    DuplicateUser { email: String },
    #[error("the password is too short ({len} characters): use at least {MIN_PASSWORD_LEN}")]
    PasswordTooShort { len: usize },
    #[error("the password is too long: at most {MAX_PASSWORD_LEN} characters")]
    PasswordTooLong,
    #[error("no user with the email {email}: add the user first")]
    UnknownUser { email: String },
    #[error("no user group named \"{name}\": create the group first")]
    UnknownGroup { name: String },
    #[error("a user group named \"{name}\" already exists")]
    DuplicateGroup { name: String },
    #[error("the directory is full (at most {max} {what})")]
    Full { what: &'static str, max: usize },
    #[error("wrong email or password")]
    BadCredentials,
    #[error("the stored password hash of {email} is damaged: set the user's password again")]
    BadHash { email: String },
    #[error("the operating system's random number generator failed: retry")]
    Random,
}

/// A salted PBKDF2-HMAC-SHA256 hash, stored as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

impl PasswordHash {
    pub fn new(password: &str) -> Result<Self, DirectoryError> {
        check_password(password)?;
        let mut salt = [0u8; SALT_LEN];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| DirectoryError::Random)?;
        Ok(Self::with_salt(password, &salt, PBKDF2_ITERATIONS))
    }

    fn with_salt(password: &str, salt: &[u8], iterations: u32) -> Self {
        let mut out = [0u8; HASH_LEN];
        let iters = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iters,
            salt,
            password.as_bytes(),
            &mut out,
        );
        PasswordHash(format!(
            "pbkdf2-sha256${iterations}${}${}",
            B64.encode(salt),
            B64.encode(out)
        ))
    }

    /// The parts of a well-formed hash: iterations, salt, derived key.
    fn parts(&self) -> Option<(NonZeroU32, Vec<u8>, Vec<u8>)> {
        let mut it = self.0.split('$');
        if it.next()? != "pbkdf2-sha256" {
            return None;
        }
        let iters: u32 = it.next()?.parse().ok()?;
        if iters > MAX_PBKDF2_ITERATIONS {
            return None;
        }
        let iters = NonZeroU32::new(iters)?;
        let salt = B64.decode(it.next()?).ok()?;
        let hash = B64.decode(it.next()?).ok()?;
        if it.next().is_some() || salt.len() < 8 || hash.len() != HASH_LEN {
            return None;
        }
        Some((iters, salt, hash))
    }

    /// Constant-time check (ring's `pbkdf2::verify`). `None` when the stored hash is malformed.
    fn verify(&self, password: &str) -> Option<bool> {
        let (iters, salt, hash) = self.parts()?;
        Some(
            pbkdf2::verify(
                pbkdf2::PBKDF2_HMAC_SHA256,
                iters,
                &salt,
                password.as_bytes(),
                &hash,
            )
            .is_ok(),
        )
    }
}

fn check_password(password: &str) -> Result<(), DirectoryError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DirectoryError::PasswordTooShort { len });
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(DirectoryError::PasswordTooLong);
    }
    Ok(())
}

fn check_text(raw: &str, field: &'static str, max: usize) -> Result<String, DirectoryError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DirectoryError::Empty { field });
    }
    let len = s.chars().count();
    if len > max {
        return Err(DirectoryError::TooLong { field, len, max });
    }
    if s.chars().any(char::is_control) {
        return Err(DirectoryError::Control { field });
    }
    Ok(s.to_string())
}

/// Checks the shape of an email (one @, non-empty local part, a dotted domain, no spaces). Deliberately simple: the
/// demo only needs to catch typos, not implement RFC 5322.
fn check_email(raw: &str) -> Result<String, DirectoryError> {
    let s = check_text(raw, "Email", MAX_EMAIL_LEN)?;
    let bad = || DirectoryError::BadEmail { email: s.clone() };
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || s.chars().any(char::is_whitespace)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(s)
}

/// The lookup key of an email: compared without case.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A directory user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub first_name: String,
    pub last_name: String,
    /// As the admin typed it, case kept (what the directory shows).
    pub email: String,
    password: PasswordHash,
}

impl User {
    /// A user who exists only to be named in a minted response (`ssopilot demo-idp mint --user` for the user an SP
    /// knows): checked like a directory user, but with no password and in no directory, so no one signs in as them.
    /// Names left out are taken from the email's local part: `alice.smith@corp.example` is Alice Smith,
    /// `alice@corp.example` is Alice User.
    pub fn for_minting(
        first_name: Option<&str>,
        last_name: Option<&str>,
        email: &str,
    ) -> Result<Self, DirectoryError> {
        let email = check_email(email)?;
        let local = email.split('@').next().unwrap_or_default();
        let mut words = local
            .split(['.', '_', '-', '+'])
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            });
        let derived_first = words.next().unwrap_or_else(|| "Test".into());
        let rest: Vec<String> = words.collect();
        let derived_last = if rest.is_empty() {
            "User".to_string()
        } else {
            rest.join(" ")
        };
        Ok(Self {
            first_name: check_text(
                first_name.unwrap_or(&derived_first),
                "First name",
                MAX_NAME_LEN,
            )?,
            last_name: check_text(
                last_name.unwrap_or(&derived_last),
                "Last name",
                MAX_NAME_LEN,
            )?,
            email,
            // No hash at all: `verify` finds it malformed, so this user can never sign in.
            password: PasswordHash(String::new()),
        })
    }

    /// The email as the IdP sends it in assertions: lower case, like JumpCloud.
    pub fn email_as_sent(&self) -> String {
        self.email.to_lowercase()
    }
}

/// The directory: users, user groups (by name), and which groups each application is granted to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Keyed by lower-case email.
    users: BTreeMap<String, User>,
    /// Group name -> member keys (lower-case emails).
    groups: BTreeMap<String, BTreeSet<String>>,
    /// Application (e.g. the IDP URL slug) -> granted group names.
    grants: BTreeMap<String, BTreeSet<String>>,
}

/// Demo users' password (printed by `demo-idp serve`; the demo IdP listens on loopback only).
pub const DEMO_PASSWORD: &str = "demo-password";

impl Directory {
    pub fn new() -> Self {
        Self::default()
    }

    /// The seeded demo directory: three users with mixed-case emails, an "Engineering" group holding two of them and
    /// an empty "Sales" group; no application is granted to anyone yet (denied by default, like JumpCloud).
    pub fn demo() -> Result<Self, DirectoryError> {
        let mut d = Self::new();
        // One hash for the three: the demo password is public (shown beside the login form), and each PBKDF2 run
        // is CPU taken from the app's start-up, where the demo IdP starts.
        let hash = PasswordHash::new(DEMO_PASSWORD)?;
        d.add_user_hashed("Ada", "Lovelace", "Ada.Lovelace@Example.com", || {
            Ok(hash.clone())
        })?;
        d.add_user_hashed("Alan", "Turing", "alan.turing@example.com", || {
            Ok(hash.clone())
        })?;
        d.add_user_hashed("Grace", "Hopper", "Grace.Hopper@Example.COM", || Ok(hash))?;
        d.add_group("Engineering")?;
        d.add_group("Sales")?;
        d.add_member("Engineering", "ada.lovelace@example.com")?;
        d.add_member("Engineering", "alan.turing@example.com")?;
        Ok(d)
    }

    pub fn add_user(
        &mut self,
        first_name: &str,
        last_name: &str,
        email: &str,
        password: &str,
    ) -> Result<&User, DirectoryError> {
        self.add_user_hashed(first_name, last_name, email, || PasswordHash::new(password))
    }

    /// Adds a user once every check has passed, hashing (slow, on purpose) only then: a bad name, a bad or
    /// duplicate e-mail or a full directory fails at once.
    fn add_user_hashed(
        &mut self,
        first_name: &str,
        last_name: &str,
        email: &str,
        hash: impl FnOnce() -> Result<PasswordHash, DirectoryError>,
    ) -> Result<&User, DirectoryError> {
        let first_name = check_text(first_name, "First name", MAX_NAME_LEN)?;
        let last_name = check_text(last_name, "Last name", MAX_NAME_LEN)?;
        let email = check_email(email)?;
        let key = email_key(&email);
        if self.users.contains_key(&key) {
            return Err(DirectoryError::DuplicateUser { email });
        }
        if self.users.len() >= MAX_USERS {
            return Err(DirectoryError::Full {
                what: "users",
                max: MAX_USERS,
            });
        }
        let user = User {
            first_name,
            last_name,
            email,
            password: hash()?,
        };
        Ok(self.users.entry(key).or_insert(user))
    }

    pub fn set_password(&mut self, email: &str, password: &str) -> Result<(), DirectoryError> {
        let hash = PasswordHash::new(password)?;
        let user =
            self.users
                .get_mut(&email_key(email))
                .ok_or_else(|| DirectoryError::UnknownUser {
                    email: email.trim().to_string(),
                })?;
        user.password = hash;
        Ok(())
    }

    pub fn user(&self, email: &str) -> Option<&User> {
        self.users.get(&email_key(email))
    }

    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    pub fn add_group(&mut self, name: &str) -> Result<(), DirectoryError> {
        let name = check_text(name, "Group name", MAX_NAME_LEN)?;
        if self.groups.contains_key(&name) {
            return Err(DirectoryError::DuplicateGroup { name });
        }
        if self.groups.len() >= MAX_GROUPS {
            return Err(DirectoryError::Full {
                what: "groups",
                max: MAX_GROUPS,
            });
        }
        self.groups.insert(name, BTreeSet::new());
        Ok(())
    }

    pub fn add_member(&mut self, group: &str, email: &str) -> Result<(), DirectoryError> {
        let key = email_key(email);
        if !self.users.contains_key(&key) {
            return Err(DirectoryError::UnknownUser {
                email: email.trim().to_string(),
            });
        }
        let members =
            self.groups
                .get_mut(group.trim())
                .ok_or_else(|| DirectoryError::UnknownGroup {
                    name: group.trim().to_string(),
                })?;
        members.insert(key);
        Ok(())
    }

    pub fn remove_member(&mut self, group: &str, email: &str) -> Result<bool, DirectoryError> {
        let members =
            self.groups
                .get_mut(group.trim())
                .ok_or_else(|| DirectoryError::UnknownGroup {
                    name: group.trim().to_string(),
                })?;
        Ok(members.remove(&email_key(email)))
    }

    /// Grants an application to a user group (JumpCloud: the application's User Groups tab).
    pub fn grant(&mut self, app: &str, group: &str) -> Result<(), DirectoryError> {
        let app = check_text(app, "Application", MAX_NAME_LEN)?;
        let group = group.trim();
        if !self.groups.contains_key(group) {
            return Err(DirectoryError::UnknownGroup {
                name: group.to_string(),
            });
        }
        self.grants
            .entry(app)
            .or_default()
            .insert(group.to_string());
        Ok(())
    }

    pub fn revoke(&mut self, app: &str, group: &str) -> bool {
        self.grants
            .get_mut(app.trim())
            .is_some_and(|g| g.remove(group.trim()))
    }

    /// Groups the application is granted to.
    pub fn granted_groups(&self, app: &str) -> Vec<&str> {
        self.grants
            .get(app.trim())
            .map(|g| g.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every user group with its members (as the directory shows their emails), by name.
    pub fn groups(&self) -> impl Iterator<Item = (&str, Vec<&User>)> {
        self.groups.iter().map(|(name, members)| {
            (
                name.as_str(),
                members.iter().filter_map(|k| self.users.get(k)).collect(),
            )
        })
    }

    /// Groups a user belongs to (for a `memberOf`-style attribute).
    pub fn groups_of(&self, email: &str) -> Vec<&str> {
        let key = email_key(email);
        self.groups
            .iter()
            .filter(|(_, m)| m.contains(&key))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Checks an email and password. The same error, and the same PBKDF2 work, whether the email is unknown or the
    /// password wrong, so a sign-in page cannot be used to find out who has an account.
    pub fn authenticate(&self, email: &str, password: &str) -> Result<&User, DirectoryError> {
        if password.len() > MAX_PASSWORD_LEN || email.len() > MAX_EMAIL_LEN * 4 {
            return Err(DirectoryError::BadCredentials);
        }
        match self.users.get(&email_key(email)) {
            Some(user) => match user.password.verify(password) {
                Some(true) => Ok(user),
                Some(false) => Err(DirectoryError::BadCredentials),
                None => Err(DirectoryError::BadHash {
                    email: user.email.clone(),
                }),
            },
            None => {
                // Spend the same time as a real check.
                let _ = dummy_hash().verify(password);
                Err(DirectoryError::BadCredentials)
            }
        }
    }

    /// Whether the user may use the application: only through a group the application is granted to.
    pub fn is_assigned(&self, email: &str, app: &str) -> bool {
        let key = email_key(email);
        if !self.users.contains_key(&key) {
            return false;
        }
        self.grants.get(app.trim()).is_some_and(|granted| {
            granted.iter().any(|g| {
                self.groups
                    .get(g)
                    .is_some_and(|members| members.contains(&key))
            })
        })
    }
}

fn dummy_hash() -> PasswordHash {
    PasswordHash::with_salt("dummy password", &[0u8; SALT_LEN], PBKDF2_ITERATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_and_verify() {
        let a = PasswordHash::new("correct horse").unwrap();
        let b = PasswordHash::new("correct horse").unwrap();
        assert_ne!(a, b, "two hashes of one password must differ (salt)");
        assert_eq!(a.verify("correct horse"), Some(true));
        assert_eq!(a.verify("correct horsE"), Some(false));
        assert!(!format!("{a:?}").contains("pbkdf2"));
        assert!(a.0.starts_with("pbkdf2-sha256$100000$"));
    }

    #[test]
    fn emails_keep_their_case_match_without_it_and_are_sent_lower_case() {
        let d = Directory::demo().unwrap();
        let u = d.user("ADA.LOVELACE@example.com").unwrap();
        assert_eq!(u.email, "Ada.Lovelace@Example.com");
        assert_eq!(u.email_as_sent(), "ada.lovelace@example.com");
        assert_eq!(u.first_name, "Ada");
        assert_eq!(u.last_name, "Lovelace");
        let mut d = d;
        assert_eq!(
            d.add_user("A", "L", "ada.lovelace@EXAMPLE.com", "another-pass")
                .unwrap_err(),
            DirectoryError::DuplicateUser {
                email: "ada.lovelace@EXAMPLE.com".into()
            }
        );
    }

    #[test]
    fn authenticate_accepts_only_the_right_password_and_hides_who_exists() {
        let d = Directory::demo().unwrap();
        let u = d
            .authenticate("grace.hopper@example.com", DEMO_PASSWORD)
            .unwrap();
        assert_eq!(u.email, "Grace.Hopper@Example.COM");
        let wrong = d
            .authenticate("grace.hopper@example.com", "demo-passwordX")
            .unwrap_err();
        let unknown = d
            .authenticate("nobody@example.com", DEMO_PASSWORD)
            .unwrap_err();
        assert_eq!(wrong, DirectoryError::BadCredentials);
        assert_eq!(
            unknown, wrong,
            "unknown user and wrong password look the same"
        );
        assert_eq!(wrong.to_string(), "wrong email or password");
        let huge = "x".repeat(MAX_PASSWORD_LEN + 1);
        assert_eq!(
            d.authenticate("grace.hopper@example.com", &huge),
            Err(DirectoryError::BadCredentials)
        );
    }

    #[test]
    fn users_are_denied_until_a_group_of_theirs_is_granted() {
        let mut d = Directory::demo().unwrap();
        let app = "infisical";
        for u in [
            "ada.lovelace@example.com",
            "alan.turing@example.com",
            "grace.hopper@example.com",
        ] {
            assert!(!d.is_assigned(u, app), "{u} must be denied by default");
        }
        d.grant(app, "Engineering").unwrap();
        assert!(d.is_assigned("Ada.Lovelace@Example.com", app));
        assert!(d.is_assigned("alan.turing@example.com", app));
        assert!(
            !d.is_assigned("grace.hopper@example.com", app),
            "not in a granted group"
        );
        assert!(
            !d.is_assigned("ada.lovelace@example.com", "other-app"),
            "grants are per application"
        );
        assert!(!d.is_assigned("nobody@example.com", app));
        d.add_member("Sales", "grace.hopper@example.com").unwrap();
        assert!(!d.is_assigned("grace.hopper@example.com", app));
        d.grant(app, "Sales").unwrap();
        assert!(d.is_assigned("grace.hopper@example.com", app));
        assert_eq!(d.granted_groups(app), vec!["Engineering", "Sales"]);
        assert!(d.revoke(app, "Engineering"));
        assert!(!d.is_assigned("ada.lovelace@example.com", app));
        assert!(d
            .remove_member("Sales", "GRACE.HOPPER@example.com")
            .unwrap());
        assert!(!d.is_assigned("grace.hopper@example.com", app));
        assert_eq!(d.groups_of("alan.turing@example.com"), vec!["Engineering"]);
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let mut d = Directory::new();
        let cases: Vec<(DirectoryError, &str)> = vec![
            (
                d.add_user("", "L", "a@example.com", "password1")
                    .unwrap_err(),
                "First name is empty",
            ),
            (
                d.add_user("A", "L\nX", "a@example.com", "password1")
                    .unwrap_err(),
                "Last name contains a control character",
            ),
            (
                d.add_user("A", "L", "not-an-email", "password1")
                    .unwrap_err(),
                "is not an email address",
            ),
            (
                d.add_user("A", "L", "a@localhost", "password1")
                    .unwrap_err(),
                "is not an email address",
            ),
            (
                d.add_user("A", "L", "a b@example.com", "password1")
                    .unwrap_err(),
                "is not an email address",
            ),
            (
                d.add_user("A", "L", "a@example.com", "short").unwrap_err(),
                "too short",
            ),
            (
                d.add_user(
                    &"n".repeat(MAX_NAME_LEN + 1),
                    "L",
                    "a@example.com",
                    "password1",
                )
                .unwrap_err(),
                "too long",
            ),
            (
                d.add_member("Nope", "a@example.com").unwrap_err(),
                "no user with the email",
            ),
            (d.grant("app", "Nope").unwrap_err(), "no user group named"),
        ];
        for (err, expected) in cases {
            assert!(err.to_string().contains(expected), "{err} / {expected}");
        }
        assert_eq!(d.users().count(), 0, "nothing half-added");
        d.add_group("G").unwrap();
        assert!(matches!(
            d.add_group(" G "),
            Err(DirectoryError::DuplicateGroup { .. })
        ));
        d.add_user("A", "L", "a@example.com", "password1").unwrap();
        d.set_password("A@EXAMPLE.COM", "new-password").unwrap();
        assert!(d.authenticate("a@example.com", "password1").is_err());
        assert!(d.authenticate("a@example.com", "new-password").is_ok());
    }

    #[test]
    fn the_directory_round_trips_through_json_without_plain_passwords() {
        let d = Directory::demo().unwrap();
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains(DEMO_PASSWORD));
        let back: Directory = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert!(back
            .authenticate("alan.turing@example.com", DEMO_PASSWORD)
            .is_ok());
    }

    #[test]
    fn malformed_or_hostile_hashes_are_refused() {
        for bad in [
            "",
            "md5$1$aa$bb",
            "pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "pbkdf2-sha256$999999999$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pbkdf2-sha256$1000$!!$AAAA",
            "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAA$extra",
        ] {
            assert_eq!(PasswordHash(bad.to_string()).verify("x"), None, "{bad}");
        }
    }

    #[test]
    fn a_user_for_minting_takes_any_email_and_names_from_it_or_the_flags() {
        let u = User::for_minting(None, None, "Alice.Smith@Corp.example").unwrap();
        assert_eq!(
            (u.first_name.as_str(), u.last_name.as_str()),
            ("Alice", "Smith")
        );
        assert_eq!(u.email_as_sent(), "alice.smith@corp.example");
        let u = User::for_minting(None, None, "alice@corp.example").unwrap();
        assert_eq!(
            (u.first_name.as_str(), u.last_name.as_str()),
            ("Alice", "User")
        );
        let u = User::for_minting(Some("Al"), Some("Ice"), "alice@corp.example").unwrap();
        assert_eq!((u.first_name.as_str(), u.last_name.as_str()), ("Al", "Ice"));
        assert_eq!(u.password.verify(""), None, "no password to sign in with");
        assert!(matches!(
            User::for_minting(None, None, "not-an-email"),
            Err(DirectoryError::BadEmail { .. })
        ));
        assert!(User::for_minting(Some("a\nb"), None, "a@b.example").is_err());
    }
}
