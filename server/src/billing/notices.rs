//! The messages billing sends a store's owner: a failed payment, a suspension and an
//! archive. Plain text with a simple HTML twin; written to the outbox with the change.

use crate::db::outbox::Mail;

/// The store a message is about, and its owner.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The owner's email address.
    pub email: &'a str,
    /// The store's subdomain.
    pub subdomain: &'a str,
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn mail(
    key: String,
    kind: &str,
    to: Recipient<'_>,
    subject: String,
    paragraphs: &[String],
) -> Mail {
    let text = paragraphs.join("\n\n") + "\n";
    let html = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape(p)))
        .collect::<String>();
    Mail {
        key,
        kind: kind.to_owned(),
        to: to.email.to_owned(),
        subject,
        text,
        html: format!("<html><body>{html}</body></html>"),
    }
}

/// A payment failed: the store keeps serving for `grace_days`, then is suspended. `cause`
/// (the Stripe event id) makes the message unique.
pub fn payment_failed(cause: &str, to: Recipient<'_>, grace_days: u32, portal_hint: &str) -> Mail {
    let kind = "payment_failed";
    mail(
        format!("{cause}:{kind}"),
        kind,
        to,
        format!("Payment failed for your store {}", to.subdomain),
        &[
            format!(
                "We could not collect the payment for your store {}.",
                to.subdomain
            ),
            format!(
                "Your store keeps running for {grace_days} days. If the payment still fails \
                 then, the store is suspended until it is paid."
            ),
            format!("Please update your payment method: {portal_hint}"),
        ],
    )
}

/// The store was suspended by billing.
pub fn suspended(cause: &str, to: Recipient<'_>, canceled: bool) -> Mail {
    let kind = "billing_suspended";
    let why = if canceled {
        "Its subscription has ended."
    } else {
        "Its payment is overdue."
    };
    mail(
        format!("{cause}:{kind}"),
        kind,
        to,
        format!("Your store {} is suspended", to.subdomain),
        &[
            format!("Your store {} is suspended. {why}", to.subdomain),
            "Its data is kept. Pay the open invoice to bring it back.".to_owned(),
        ],
    )
}

/// The store was archived after its subscription ended.
pub fn archived(cause: &str, to: Recipient<'_>, retention_days: u32) -> Mail {
    let kind = "billing_archived";
    mail(
        format!("{cause}:{kind}"),
        kind,
        to,
        format!("Your store {} is archived", to.subdomain),
        &[
            format!(
                "Your store {} was suspended for {retention_days} days after its \
                 subscription ended, and is now archived.",
                to.subdomain
            ),
            "Its workloads are removed; its data is kept for now.".to_owned(),
        ],
    )
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
        let m = payment_failed("evt_1", TO, 7, "https://fleet.example/stores/shop");
        assert_eq!(m.key, "evt_1:payment_failed");
        assert_eq!(m.to, "owner@example.com");
        assert!(m.text.contains("7 days"));
        assert!(m.html.contains("shop&lt;1&gt;"), "{}", m.html);
        assert_eq!(suspended("evt_2", TO, true).key, "evt_2:billing_suspended");
        assert!(archived("sweep", TO, 30).text.contains("30 days"));
    }
}
