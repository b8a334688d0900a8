//! An email as the server sends it: rendered in full, and named by its cause so that it is
//! written to the outbox at most once. Pure data, stored by the database layer and sent by
//! the mail worker.

/// A message to send, fully rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Writing a message with a key already in the outbox does nothing, so the cause of a
    /// message (e.g. `ready:<job id>`) names it at most once.
    pub key: String,
    /// What kind of message it is, e.g. `store_ready`, for logs and tests.
    pub kind: String,
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}
