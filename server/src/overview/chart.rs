//! Charts drawn as SVG on the server: bars of a count per day, or lines of a measure per day.
//! Each has a title and a description in words (what a screen reader says, and what the chart
//! shows without its picture), axis labels, and a tooltip per day.

use std::fmt::Write;

/// One line of a line chart.
pub struct Line<'a> {
    /// Its name in the legend, e.g. `p95`.
    pub name: &'a str,
    /// Its value per day; `None` where there is none.
    pub values: &'a [Option<f64>],
}

/// What a chart shows, and how its figures read.
pub struct Frame<'a> {
    /// A unique id in the page (for the accessible title and description).
    pub id: &'a str,
    /// The title.
    pub title: &'a str,
    /// The days, as labels (`3 Dec`), oldest first.
    pub days: &'a [String],
    /// How a figure reads, e.g. `5` or `2.1 s`.
    pub figure: &'a dyn Fn(f64) -> String,
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 28.0;

/// A count per day, as bars.
pub fn bars(frame: &Frame<'_>, values: &[f64], description: &str) -> String {
    let top = nice_ceiling(values.iter().copied().fold(0.0, f64::max));
    let mut svg = open(frame, top, description);
    let slot = plot_width() / values.len().max(1) as f64;
    for (i, value) in values.iter().enumerate() {
        let height = value / top * plot_height();
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let y = TOP + plot_height() - height;
        let _ = write!(
            svg,
            r#"<rect class="chart-bar" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{height:.1}"><title>{}: {}</title></rect>"#,
            slot * 0.7,
            escape(&frame.days[i]),
            escape(&(frame.figure)(*value)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Measures per day, as lines (a day without a measure breaks its line).
pub fn lines(frame: &Frame<'_>, lines: &[Line<'_>], description: &str) -> String {
    let highest = lines
        .iter()
        .flat_map(|line| line.values.iter().flatten())
        .copied()
        .fold(0.0, f64::max);
    let top = nice_ceiling(highest);
    let mut svg = open(frame, top, description);
    let slot = plot_width() / frame.days.len().max(1) as f64;
    for (n, line) in lines.iter().enumerate() {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in line.values.iter().enumerate() {
            let Some(value) = value else {
                pen_down = false;
                continue;
            };
            let x = LEFT + slot * (i as f64 + 0.5);
            let y = TOP + plot_height() - value / top * plot_height();
            let _ = write!(path, "{}{x:.1} {y:.1} ", if pen_down { "L" } else { "M" });
            pen_down = true;
            let _ = write!(
                svg,
                r#"<circle class="chart-point chart-line-{n}" cx="{x:.1}" cy="{y:.1}" r="2.5"><title>{} {}: {}</title></circle>"#,
                escape(&frame.days[i]),
                escape(line.name),
                escape(&(frame.figure)(*value)),
            );
        }
        let _ = write!(
            svg,
            r#"<path class="chart-line chart-line-{n}" d="{}"/>"#,
            path.trim_end()
        );
        let legend_x = WIDTH - RIGHT - 70.0 * (lines.len() - n) as f64;
        let _ = write!(
            svg,
            r#"<rect class="chart-swatch chart-line-{n}" x="{legend_x:.1}" y="2" width="10" height="10"/><text class="chart-label" x="{:.1}" y="11">{}</text>"#,
            legend_x + 14.0,
            escape(line.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn plot_width() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// The SVG's opening: its accessible title and description, the y axis up to `top` and the
/// x axis labelled with the first, middle and last day.
fn open(frame: &Frame<'_>, top: f64, description: &str) -> String {
    let id = escape(frame.id);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMidYMid meet"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(frame.title),
        escape(description),
    );
    let mut labelled = String::new();
    for fraction in [0.0, 0.5, 1.0] {
        let y = TOP + plot_height() * (1.0 - fraction);
        let _ = write!(
            svg,
            r#"<line class="chart-grid" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#,
            WIDTH - RIGHT,
        );
        // A label only where it reads as its own figure: not 2 for 2.5, nor 0 twice.
        let value = top * fraction;
        let label = (frame.figure)(value);
        let exact = value.fract() == 0.0 || label.contains('.');
        if exact && label != labelled {
            let _ = write!(
                svg,
                r#"<text class="chart-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                escape(&label),
            );
            labelled = label;
        }
    }
    let count = frame.days.len();
    let slot = plot_width() / count.max(1) as f64;
    for i in [0, count / 2, count.saturating_sub(1)] {
        if let Some(day) = frame.days.get(i) {
            let x = LEFT + slot * (i as f64 + 0.5);
            let _ = write!(
                svg,
                r#"<text class="chart-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                HEIGHT - 8.0,
                escape(day)
            );
        }
    }
    svg
}

/// The smallest of 1, 2 or 5 times a power of ten at or above `value` (1 for nothing).
pub fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10.0 * power)
}

/// Text fit for SVG (XML) content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("{d} Dec")).collect()
    }

    fn count(value: f64) -> String {
        format!("{value:.0}")
    }

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(5.0), 5.0);
        assert_eq!(nice_ceiling(7.5), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
    }

    #[test]
    fn bars_are_one_per_day_with_their_figure_and_an_accessible_name() {
        let days = days(3);
        let frame = Frame {
            id: "signups",
            title: "Sign-ups <per> day",
            days: &days,
            figure: &count,
        };
        let svg = bars(&frame, &[0.0, 4.0, 2.0], "6 sign-ups in all");
        assert_eq!(svg.matches("<rect class=\"chart-bar\"").count(), 3);
        assert!(svg.contains("<title>2 Dec: 4</title>"), "{svg}");
        assert!(svg.contains(r#"aria-labelledby="signups-title signups-desc""#));
        assert!(svg.contains("Sign-ups &lt;per&gt; day"));
        assert!(svg.contains("<desc id=\"signups-desc\">6 sign-ups in all</desc>"));
        // The y axis goes to 5, a round figure above the highest bar; its middle, 2.5, is not
        // a count and goes unlabelled.
        assert!(svg.contains(">5</text>"), "{svg}");
        assert!(
            !svg.contains(">2</text>") && !svg.contains(">3</text>"),
            "{svg}"
        );
        assert_eq!(svg.matches(">0</text>").count(), 1, "{svg}");
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn lines_break_where_a_day_has_no_measure() {
        let days = days(4);
        let frame = Frame {
            id: "p",
            title: "Provisioning",
            days: &days,
            figure: &count,
        };
        let p50 = [Some(1.0), None, Some(2.0), Some(3.0)];
        let svg = lines(
            &frame,
            &[Line {
                name: "p50",
                values: &p50,
            }],
            "p50 between 1 and 3",
        );
        let path = svg
            .split(r#"" d=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 1, "{path}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(">p50</text>"));
    }
}
