//! Every message storefleet sends, rendered as an outbox [`Mail`] in plain text and HTML.
//! Pure: the caller writes the result to the outbox in the transaction of the change that
//! causes it (`db::outbox::enqueue`, `db::tenants::transition_with_mail`).
//!
//! Each function takes the outbox `key` first: the caller names the cause (for example
//! `ready:<job id>`), so writing the same message twice for one cause is a no-op. Values are
//! HTML-escaped in the HTML body; links are only made clickable when they are http(s).

use app::domain::Mail;

/// Kind of the message sent after sign-up.
pub const WELCOME: &str = "welcome";
/// Kind of the message sent when a store is provisioned.
pub const STORE_READY: &str = "store_ready";
/// Kind of the message sent when a payment failed.
pub const PAYMENT_FAILED: &str = "payment_failed";
/// Kind of the message sent when a store is suspended.
pub const SUSPENDED: &str = "suspended";
/// Kind of the message sent when a store is archived.
pub const ARCHIVED: &str = "archived";
/// Kind of the message sent to admins when a restore drill failed.
pub const DRILL_FAILED: &str = "drill_failed";

/// The welcome message to a new account, sent at sign-up. `site_url` is where to log in
/// (the server's public URL); left out when empty.
pub fn welcome(key: &str, to: &str, site_url: &str) -> Mail {
    let mut body = vec![
        Part::text("Welcome to storefleet."),
        Part::text(
            "Your account is ready. Pick a plan and a subdomain, and your store is built \
             for you in a few moments.",
        ),
    ];
    if !site_url.is_empty() {
        body.push(Part::link("Log in", site_url));
    }
    render(key, WELCOME, to, "Welcome to storefleet", &body)
}

/// Tells the owner that the store at `subdomain` is up: `store_url` is the store itself,
/// `owner_page_url` the page where the owner manages it.
pub fn store_ready(
    key: &str,
    to: &str,
    subdomain: &str,
    store_url: &str,
    owner_page_url: &str,
) -> Mail {
    let body = [
        Part::text(format!("Your store {subdomain} is ready.")),
        Part::link("Open your store", store_url),
        Part::text("Manage its settings, domains, backups and billing on its owner page."),
        Part::link("Owner page", owner_page_url),
    ];
    render(
        key,
        STORE_READY,
        to,
        &format!("Your store {subdomain} is ready"),
        &body,
    )
}

/// Tells the owner that the payment for the store at `subdomain` failed and that the store is
/// suspended at `grace_ends_at_ms` (ms since the epoch) unless paid. `portal_hint` says where
/// to update the payment method: a URL (made a link) or a sentence.
pub fn payment_failed(
    key: &str,
    to: &str,
    subdomain: &str,
    grace_ends_at_ms: i64,
    portal_hint: &str,
) -> Mail {
    let mut body = vec![
        Part::text(format!("The payment for your store {subdomain} failed.")),
        Part::text(format!(
            "Your store keeps running until {}. If it is still unpaid then, it is suspended \
             until the payment goes through.",
            human_time(grace_ends_at_ms)
        )),
    ];
    if is_web_link(portal_hint) {
        body.push(Part::link("Update your payment method", portal_hint));
    } else if !portal_hint.is_empty() {
        body.push(Part::text(portal_hint));
    }
    render(
        key,
        PAYMENT_FAILED,
        to,
        &format!("Payment failed for your store {subdomain}"),
        &body,
    )
}

/// Tells the owner that the store at `subdomain` is suspended, and why (`reason`, a
/// sentence for people, e.g. "The payment is overdue.").
pub fn suspended(key: &str, to: &str, subdomain: &str, reason: &str) -> Mail {
    let mut body = vec![Part::text(format!(
        "Your store {subdomain} is suspended: it no longer serves visitors. Its data is kept."
    ))];
    if !reason.is_empty() {
        body.push(Part::text(format!("Reason: {reason}")));
    }
    body.push(Part::text(
        "Once the cause is resolved, the store is resumed as it was.",
    ));
    render(
        key,
        SUSPENDED,
        to,
        &format!("Your store {subdomain} is suspended"),
        &body,
    )
}

/// Tells the owner that the store at `subdomain` is archived: its workloads are removed and
/// its data (volumes, configuration) is kept.
pub fn archived(key: &str, to: &str, subdomain: &str) -> Mail {
    let body = [
        Part::text(format!(
            "Your store {subdomain} is archived: it no longer runs, and its data is kept."
        )),
        Part::text("Reply to this message if you want it back."),
    ];
    render(
        key,
        ARCHIVED,
        to,
        &format!("Your store {subdomain} is archived"),
        &body,
    )
}

/// Tells an admin that the restore drill of the store at `subdomain` failed: its backup
/// `backup_id`, taken at `backup_at_ms` (ms since the epoch), did not restore, for `error`.
pub fn drill_failed(
    key: &str,
    to: &str,
    subdomain: &str,
    backup_id: &str,
    backup_at_ms: i64,
    error: &str,
) -> Mail {
    let body = [
        Part::text(format!(
            "The restore drill of the store {subdomain} failed: its latest backup did not \
             restore as it should."
        )),
        Part::text(format!(
            "Backup: {backup_id}, taken {}.",
            human_time(backup_at_ms)
        )),
        Part::text(format!("Error: {error}")),
        Part::text(
            "Until a drill passes, this store's backups cannot be trusted: take a new backup \
             and drill it again.",
        ),
    ];
    render(
        key,
        DRILL_FAILED,
        to,
        &format!("Restore drill failed: {subdomain}"),
        &body,
    )
}

/// A paragraph of a message.
enum Part {
    Text(String),
    Link { label: &'static str, url: String },
}

impl Part {
    fn text(text: impl Into<String>) -> Self {
        Part::Text(text.into())
    }

    fn link(label: &'static str, url: &str) -> Self {
        Part::Link {
            label,
            url: url.to_owned(),
        }
    }
}

fn render(key: &str, kind: &str, to: &str, subject: &str, body: &[Part]) -> Mail {
    let mut text = String::new();
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n",
    );
    for part in body {
        match part {
            Part::Text(paragraph) => {
                text.push_str(paragraph);
                html.push_str(&format!("<p>{}</p>\n", escape_html(paragraph)));
            }
            Part::Link { label, url } => {
                text.push_str(&format!("{label}: {url}"));
                if is_web_link(url) {
                    html.push_str(&format!(
                        "<p><a href=\"{}\">{}</a></p>\n",
                        escape_html(url),
                        escape_html(label)
                    ));
                } else {
                    html.push_str(&format!(
                        "<p>{}: {}</p>\n",
                        escape_html(label),
                        escape_html(url)
                    ));
                }
            }
        }
        text.push_str("\n\n");
    }
    text.push_str("-- \nstorefleet\n");
    html.push_str("<p style=\"color: #666\">storefleet</p>\n</body></html>\n");
    Mail {
        key: key.to_owned(),
        kind: kind.to_owned(),
        to: to.to_owned(),
        subject: one_line(subject),
        text,
        html,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn is_web_link(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A subject never spans lines, whatever the values in it.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A stored time as people read it in a message: `2026-11-18 11:06 UTC`.
fn human_time(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "a later date".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_links_to_the_site_in_both_bodies() {
        let mail = welcome("welcome:u1", "ann@example.com", "https://fleet.example.com");
        assert_eq!(mail.key, "welcome:u1");
        assert_eq!(mail.kind, WELCOME);
        assert_eq!(mail.to, "ann@example.com");
        assert_eq!(mail.subject, "Welcome to storefleet");
        assert!(mail.text.contains("Log in: https://fleet.example.com"));
        assert!(mail
            .html
            .contains("<a href=\"https://fleet.example.com\">Log in</a>"));
        let without = welcome("welcome:u1", "ann@example.com", "");
        assert!(!without.text.contains("Log in"));
    }

    #[test]
    fn store_ready_names_the_store_and_its_pages() {
        let mail = store_ready(
            "ready:j1",
            "ann@example.com",
            "bakery",
            "https://bakery.shops.test",
            "https://fleet.example.com/stores/bakery",
        );
        assert_eq!(mail.kind, STORE_READY);
        assert_eq!(mail.subject, "Your store bakery is ready");
        assert!(mail
            .text
            .contains("Open your store: https://bakery.shops.test"));
        assert!(mail
            .text
            .contains("Owner page: https://fleet.example.com/stores/bakery"));
        assert!(mail
            .html
            .contains("<a href=\"https://bakery.shops.test\">Open your store</a>"));
    }

    #[test]
    fn payment_failed_says_when_the_grace_ends() {
        let mail = payment_failed(
            "payment_failed:inv1",
            "ann@example.com",
            "bakery",
            1_795_000_000_123,
            "https://billing.example.com/portal",
        );
        assert_eq!(mail.subject, "Payment failed for your store bakery");
        assert!(mail.text.contains("until 2026-11-18 11:06 UTC"));
        assert!(mail
            .html
            .contains("<a href=\"https://billing.example.com/portal\">"));
        let hint = payment_failed(
            "k",
            "ann@example.com",
            "bakery",
            0,
            "Open Billing on your owner page.",
        );
        assert!(hint.text.contains("Open Billing on your owner page."));
        assert!(!hint.html.contains("<a "));
    }

    #[test]
    fn suspended_and_archived_explain_what_happens_next() {
        let mail = suspended(
            "s:j1",
            "ann@example.com",
            "bakery",
            "The payment is overdue.",
        );
        assert_eq!(mail.subject, "Your store bakery is suspended");
        assert!(mail.text.contains("Reason: The payment is overdue."));
        let mail = archived("a:j1", "ann@example.com", "bakery");
        assert_eq!(mail.kind, ARCHIVED);
        assert!(mail.text.contains("its data is kept"));
        assert!(mail.html.contains("its data is kept"));
    }

    #[test]
    fn values_are_escaped_in_html_and_links_must_be_web_links() {
        let mail = suspended(
            "k",
            "ann@example.com",
            "bakery",
            "<script>alert('x')</script> & \"more\"",
        );
        assert!(mail
            .html
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.text.contains("<script>alert('x')</script>"));
        let mail = store_ready(
            "k",
            "ann@example.com",
            "bakery",
            "javascript:alert(1)",
            "https://x.test/?a=1&b=\"2\"",
        );
        assert!(!mail.html.contains("href=\"javascript:"));
        assert!(mail
            .html
            .contains("href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\""));
    }

    #[test]
    fn subjects_stay_on_one_line() {
        let mail = store_ready("k", "a@b.test", "x\r\nBcc: evil@x.test", "", "");
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
    }
}
