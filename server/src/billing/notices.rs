//! The messages billing sends a store's owner — a failed payment, a suspension, an archive —
//! keyed by their cause so a redelivered event writes each once. The wording is the mail
//! module's; this names the cause and the recipient.

use crate::mail::messages;
use app::domain::Mail;

/// The store a message is about, and its owner.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The owner's email address.
    pub email: &'a str,
    /// The store's subdomain.
    pub subdomain: &'a str,
}

fn key(cause: &str, kind: &str) -> String {
    format!("{cause}:{kind}")
}

/// A payment failed: the store keeps serving until `grace_ends_at_ms`, then is suspended.
/// `cause` (the Stripe event id) makes the message unique.
pub fn payment_failed(
    cause: &str,
    to: Recipient<'_>,
    grace_ends_at_ms: i64,
    portal_hint: &str,
) -> Mail {
    messages::payment_failed(
        &key(cause, messages::PAYMENT_FAILED),
        to.email,
        to.subdomain,
        grace_ends_at_ms,
        portal_hint,
    )
}

/// The store was suspended by billing.
pub fn suspended(cause: &str, to: Recipient<'_>, canceled: bool) -> Mail {
    let reason = if canceled {
        "Its subscription has ended."
    } else {
        "Its payment is overdue. Pay the open invoice to bring it back."
    };
    messages::suspended(
        &key(cause, messages::SUSPENDED),
        to.email,
        to.subdomain,
        reason,
    )
}

/// The store was archived after its subscription ended.
pub fn archived(cause: &str, to: Recipient<'_>) -> Mail {
    messages::archived(&key(cause, messages::ARCHIVED), to.email, to.subdomain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: Recipient<'static> = Recipient {
        email: "owner@example.com",
        subdomain: "shop<1>",
    };

    #[test]
    fn keys_name_the_cause_and_kind() {
        let m = payment_failed("evt_1", TO, 0, "https://fleet.example/stores/shop");
        assert_eq!(m.key, "evt_1:payment_failed");
        assert_eq!(m.to, "owner@example.com");
        assert!(m.html.contains("shop&lt;1&gt;"), "{}", m.html);
        let suspended = suspended("evt_2", TO, false);
        assert_eq!(suspended.key, "evt_2:suspended");
        assert!(suspended.text.contains("overdue"));
        assert_eq!(archived("sweep", TO).kind, messages::ARCHIVED);
    }
}
