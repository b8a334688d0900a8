//! `storefleet config reference`: every setting of `storefleet serve`, written from the
//! command line's own definition, so `docs/configuration.md` cannot drift from the code.

use clap::{Arg, CommandFactory};

use crate::cli::Cli;

/// The configuration reference, as Markdown.
pub fn reference() -> String {
    let cli = Cli::command();
    let serve = cli
        .find_subcommand("serve")
        .expect("the command line has a serve command");
    let settings = cli
        .get_arguments()
        .chain(serve.get_arguments())
        .filter(|arg| arg.get_env().is_some());
    let mut out = String::from(
        "# Configuration reference\n\n\
         Written by `storefleet config reference > docs/configuration.md` from the command \
         line's own definition; a test fails when this file and the code disagree.\n\n\
         Every setting is an environment variable and a flag of `storefleet serve` (the flag \
         wins). Settings marked *secret* are never logged or shown; give them through the \
         environment, from a Kubernetes Secret, rather than as flags.\n\n\
         | Variable | Flag | Default | Meaning |\n\
         |---|---|---|---|\n",
    );
    for arg in settings {
        out.push_str(&row(arg));
    }
    out
}

fn row(arg: &Arg) -> String {
    let env = arg
        .get_env()
        .map(|e| e.to_string_lossy())
        .unwrap_or_default();
    let flag = arg
        .get_long()
        .map(|long| format!("`--{long}`"))
        .unwrap_or_default();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy().into_owned())
        .collect();
    let default = match defaults.join(",") {
        joined if joined.is_empty() => "unset".to_owned(),
        joined => format!("`{joined}`"),
    };
    let mut meaning = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|help| help.to_string())
        .unwrap_or_default();
    // Clap drops the full stop that ends a one-sentence doc comment.
    if !meaning.ends_with('.') {
        meaning.push('.');
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| format!("`{}`", value.get_name()))
        .collect();
    if !choices.is_empty() && !matches!(defaults.as_slice(), [b] if b == "false" || b == "true") {
        meaning.push_str(&format!(" One of {}.", choices.join(", ")));
    }
    if arg.is_hide_env_values_set() {
        meaning.push_str(" *Secret.*");
    }
    format!("| `{env}` | {flag} | {default} | {} |\n", cell(&meaning))
}

/// Text fit for one cell of a Markdown table: one line, no bare pipe.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_reference_in_docs_is_the_one_the_code_writes() {
        let written = include_str!("../../../docs/configuration.md");
        assert!(
            written == reference(),
            "docs/configuration.md is out of date: run \
             `storefleet config reference > docs/configuration.md`"
        );
    }

    #[test]
    fn the_reference_names_every_setting_with_its_default_and_marks_secrets() {
        let reference = reference();
        assert!(reference
            .contains("| `DATABASE_URL` | `--database-url` | `sqlite://data/storefleet.db` |"));
        assert!(reference.contains("| `STOREFLEET_BIND` | `--bind` | `127.0.0.1:3000` |"));
        let metrics = reference
            .lines()
            .find(|line| line.starts_with("| `STOREFLEET_METRICS_TOKEN`"))
            .expect("the metrics token is a setting");
        assert!(metrics.contains("| unset |") && metrics.ends_with("*Secret.* |"));
        assert!(reference.lines().all(|line| !line.contains("`--help`")));
    }
}
