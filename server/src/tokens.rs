//! API tokens for automations (CI): made and revoked by admins and operators, shown once,
//! kept as a SHA-256 of the token, each use noted and each refusal audited.
//!
//! A token is `sf_` and 40 random letters and digits (about 238 bits): too many to guess, so
//! one fast hash keeps it as well as a password hash would, and lets a call be checked with
//! one indexed lookup.

use app::domain::audit::action;
use app::domain::token::{self, Scope, TokenView};
use app::domain::Actor;
use app::error::AppError;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::audit::Recorder;
use crate::clock::{now_ms, rfc3339};
use crate::db::api_tokens::{self, TokenRecord};
use crate::db::DbError;

/// What every token starts with, so that secret scanners can recognise one.
pub const PREFIX: &str = "sf_";

/// Why a token was not made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is not a token name.
    #[error(
        "a token name is 1 to {} lowercase letters, digits, '-' or '_'",
        token::MAX_NAME_LEN
    )]
    Name,
    /// The scopes are unknown or missing.
    #[error("{0}")]
    Scopes(String),
    /// A token of that name exists (revoked ones too: names are never reused).
    #[error("a token named {0} exists already")]
    Exists(String),
    /// No token of that name that is not revoked.
    #[error("no token named {0} that is not revoked")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<TokenError> for AppError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Name | TokenError::Scopes(_) => AppError::Invalid(error.to_string()),
            TokenError::Exists(_) => AppError::Conflict(error.to_string()),
            TokenError::NotFound(_) => AppError::NotFound,
            TokenError::Db(error) => error.into(),
        }
    }
}

/// Why a call with a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, an unknown one, or a revoked one: 401.
    Unauthenticated,
    /// A good token without the scope the call needs: 403.
    OutOfScope,
}

/// A token just made: the only time its secret is seen.
#[derive(Debug)]
pub struct NewToken {
    /// How admins see it.
    pub view: TokenView,
    /// The token to give the automation.
    pub secret: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes, revokes and checks API tokens.
#[derive(Clone)]
pub struct TokenService {
    pool: AnyPool,
    audit: Recorder,
}

impl TokenService {
    /// The tokens of this database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
        }
    }

    /// Makes a token named `name` with `scopes` (names separated by spaces or commas);
    /// audited as `token.create`.
    pub async fn create(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &str,
    ) -> Result<NewToken, TokenError> {
        let name = name.trim();
        if !token::valid_name(name) {
            return Err(TokenError::Name);
        }
        let scopes = Scope::parse_list(scopes).map_err(TokenError::Scopes)?;
        let secret = format!(
            "{PREFIX}{}",
            Alphanumeric.sample_string(&mut rand::rngs::OsRng, 40)
        );
        let record = TokenRecord {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            scopes: Scope::join(&scopes),
            created_by: actor.cause(),
            created_at: now_ms(),
            last_used_at: None,
            revoked_at: None,
        };
        if !api_tokens::insert(&self.pool, &record, &hash(&secret)).await? {
            return Err(TokenError::Exists(name.to_owned()));
        }
        self.audit
            .record(actor, action::TOKEN_CREATE, name, &record.scopes)
            .await;
        Ok(NewToken {
            view: view(record),
            secret,
        })
    }

    /// Revokes the token named `name`: every later call with it is refused. Audited as
    /// `token.revoke`.
    pub async fn revoke(&self, actor: &Actor, name: &str) -> Result<(), TokenError> {
        let name = name.trim();
        if !api_tokens::revoke(&self.pool, name, now_ms()).await? {
            return Err(TokenError::NotFound(name.to_owned()));
        }
        self.audit
            .record(actor, action::TOKEN_REVOKE, name, "")
            .await;
        Ok(())
    }

    /// Every token, newest first, never their secrets.
    pub async fn list(&self) -> Result<Vec<TokenView>, TokenError> {
        Ok(api_tokens::all(&self.pool)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// The actor a call with `bearer` (the `Authorization` header's token, if any) acts as,
    /// when the token is known, not revoked and has `scope`; its use is noted. A refusal is
    /// audited as `token.refused` (with the token's name when it is known).
    pub async fn authenticate(
        &self,
        bearer: Option<&str>,
        scope: Scope,
        client_addr: &str,
    ) -> Result<Result<Actor, Refusal>, DbError> {
        let found = match bearer.filter(|b| b.starts_with(PREFIX)) {
            Some(secret) => api_tokens::by_hash(&self.pool, &hash(secret)).await?,
            None => None,
        };
        let (refusal, name) = match found {
            Some(token) if token.revoked_at.is_none() => {
                let allowed = Scope::parse_list(&token.scopes)
                    .map(|scopes| scopes.contains(&scope))
                    .unwrap_or(false);
                if allowed {
                    api_tokens::used(&self.pool, &token.id, now_ms()).await?;
                    return Ok(Ok(Actor::token(&token.name, client_addr)));
                }
                (Refusal::OutOfScope, token.name)
            }
            Some(token) => (Refusal::Unauthenticated, token.name),
            None => (Refusal::Unauthenticated, "unknown".to_owned()),
        };
        let reason = match (refusal, bearer.is_some()) {
            (Refusal::OutOfScope, _) => format!("lacks {}", scope.as_str()),
            (Refusal::Unauthenticated, false) => "no token".to_owned(),
            (Refusal::Unauthenticated, true) => "unknown or revoked token".to_owned(),
        };
        self.audit
            .record(
                &Actor::token(&name, client_addr),
                action::TOKEN_REFUSED,
                &name,
                &reason,
            )
            .await;
        Ok(Err(refusal))
    }
}

fn view(record: TokenRecord) -> TokenView {
    TokenView {
        name: record.name,
        scopes: Scope::parse_list(&record.scopes).unwrap_or_default(),
        created_by: record.created_by,
        created_at: rfc3339(record.created_at),
        last_used_at: record.last_used_at.map(rfc3339),
        revoked_at: record.revoked_at.map(rfc3339),
    }
}
