//! The overview's "Standby pools" section, drawn on the server like the charts, so the
//! browser's bundle carries none of it: each plan's size (a plain form posting to
//! `admin/pools/set`, which sends the browser back), its ready, being-made and failed
//! standbys and today's claims, and how fast recent stores became ready with a standby and
//! without.

use std::fmt::Write as _;

use app::domain::pool::{duration_text, PoolView, Pools, ReadyTimes};

use super::chart::escape;

/// The section's HTML.
pub fn render(pools: &Pools) -> String {
    let mut html = String::from(
        "<section aria-labelledby=\"pools-heading\">\
         <h2 id=\"pools-heading\">Standby pools</h2>\
         <p class=\"muted\">Ready stores kept per plan: a sign-up claims one and is live in \
         seconds. 0 keeps none.</p>\
         <table data-testid=\"pools\"><thead><tr><th scope=\"col\">Plan</th>\
         <th scope=\"col\">Size</th><th scope=\"col\">Ready</th>\
         <th scope=\"col\">Being made</th><th scope=\"col\">Failed</th>\
         <th scope=\"col\">Claimed today</th></tr></thead><tbody>",
    );
    for pool in &pools.pools {
        row(&mut html, pool);
    }
    html.push_str(
        "</tbody></table><h3>Sign-up to ready, last 30 days</h3>\
         <ul class=\"plain\" data-testid=\"ready-times\">",
    );
    for times in &pools.ready_times {
        let _ = write!(html, "<li>{}</li>", escape(&times_text(times)));
    }
    html.push_str("</ul></section>");
    html
}

fn row(html: &mut String, pool: &PoolView) {
    let plan = escape(&pool.plan);
    let _ = write!(
        html,
        "<tr data-testid=\"pool-{plan}\"><th scope=\"row\">{plan}</th><td>\
         <form method=\"post\" action=\"/api/admin/pools/set\" class=\"pool-form\">\
         <input type=\"hidden\" name=\"plan\" value=\"{plan}\">\
         <input type=\"number\" name=\"size\" min=\"0\" max=\"100\" required value=\"{size}\" \
         aria-label=\"Standby stores kept for {plan}\">\
         <button type=\"submit\" class=\"small\">Set</button></form></td>\
         <td data-testid=\"pool-ready\">{ready}</td><td>{making}</td><td>{failed}</td>\
         <td>{claimed}</td></tr>",
        size = pool.size,
        ready = pool.ready,
        making = pool.provisioning,
        failed = pool.failed,
        claimed = pool.claimed_today,
    );
}

fn times_text(times: &ReadyTimes) -> String {
    let what = if times.from_standby {
        "With a standby"
    } else {
        "Built from scratch"
    };
    match (times.p50_ms, times.p95_ms) {
        (Some(p50), Some(p95)) => format!(
            "{what}: p50 {}, p95 {} ({} stores)",
            duration_text(p50),
            duration_text(p95),
            times.stores
        ),
        _ => format!("{what}: no store in the last 30 days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plan_has_a_size_form_and_its_counts() {
        let pools = Pools {
            pools: vec![PoolView {
                plan: "starter<x>".into(),
                size: 3,
                ready: 2,
                provisioning: 1,
                failed: 0,
                claimed_today: 4,
            }],
            ready_times: vec![
                ReadyTimes {
                    from_standby: true,
                    stores: 4,
                    p50_ms: Some(1_240),
                    p95_ms: Some(2_050),
                },
                ReadyTimes {
                    from_standby: false,
                    stores: 0,
                    p50_ms: None,
                    p95_ms: None,
                },
            ],
        };
        let html = render(&pools);
        assert!(html.contains("value=\"starter&lt;x&gt;\""), "{html}");
        assert!(!html.contains("<x>"), "names are escaped: {html}");
        assert!(html.contains("value=\"3\""), "{html}");
        assert!(
            html.contains("<td data-testid=\"pool-ready\">2</td><td>1</td><td>0</td><td>4</td>"),
            "{html}"
        );
        assert!(html.contains("With a standby: p50 1.2 s, p95 2.0 s (4 stores)"));
        assert!(html.contains("Built from scratch: no store in the last 30 days"));
    }
}
