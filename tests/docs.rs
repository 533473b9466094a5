//! The docs show commands that work: every `fgc ...` line in a shell block of README.md and
//! docs/*.md parses with fgc's own argument parser, and every one that needs no network, no
//! running gateway and no client runs as written in a scratch checkout. The others (`serve`,
//! `run`, `redirect`, `doctor`, and lines with placeholders) are listed below as not runnable
//! offline; their behaviour is tested against the mock in their own modules. Non-fgc lines
//! (curl, litellm, codex) are not run.

use clap::Parser;

use crate::common::root;

/// Shell words of one command (quotes and backslashes as sh reads them; no expansion).
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut any = false;
    let mut chars = cmd.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => cur.extend(chars.next()),
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, '\\') => cur.extend(chars.next()),
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The `fgc` commands of the shell blocks in `text`: continuation lines joined, comments,
/// redirections and what follows `|`, `&&`, `;` cut off.
fn fgc_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_shell = false;
    let mut pending = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(lang) = t.strip_prefix("```") {
            in_shell = !in_shell && matches!(lang, "bash" | "sh" | "shell");
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = t.split(" #").next().unwrap_or(t).trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        let full = format!("{pending}{line}");
        pending.clear();
        for part in full.split("&&").flat_map(|p| p.split(';')) {
            let cmd = part.split(['|', '>']).next().unwrap_or("").trim();
            if cmd.starts_with("fgc ") || cmd == "fgc" {
                out.push(cmd.to_string());
            }
        }
    }
    out
}

#[test]
fn every_fgc_command_in_the_docs_parses() {
    let mut files = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    files.sort();
    let mut n = 0;
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for cmd in fgc_commands(&text) {
            n += 1;
            if let Err(e) = fgc::cli::Cli::try_parse_from(words(&cmd)) {
                bad.push(format!("{}: `{cmd}`: {}", f.display(), e.kind()));
            }
        }
    }
    assert!(n > 40, "only {n} commands found");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn shell_words() {
    assert_eq!(
        words(r#"fgc emit -c 'a b' --x "c\"d" e\ f"#),
        ["fgc", "emit", "-c", "a b", "--x", "c\"d", "e f"]
    );
}

/// Subcommands whose doc examples need a network, a running gateway, a client or the usage
/// store a gateway wrote, or run until
/// stopped: not run here (their behaviour has tests of its own against the mock).
const NOT_OFFLINE: &[&str] = &["serve", "run", "redirect", "doctor", "usage"];

/// Placeholders a reader replaces: a command holding one is shown, not run.
const PLACEHOLDERS: &[&str] = &[
    "litellm/config.yaml",
    " config.yaml",
    "path/to/",
    "FILE",
    "URL",
    "VAR",
    "NAME",
    "OLD",
    "NEW",
    "CODE",
    "sk-...",
];

/// Every other `fgc` command in the docs runs as written in a scratch FlowGate checkout
/// (`config/flowgate.yaml` = examples/flowgate.yaml, its secret file and variables, a fresh
/// HOME): exit 0 or 1 (a stale file, a diff), never a usage or I/O error (2).
#[test]
fn offline_fgc_commands_in_the_docs_run_as_written() {
    use std::os::unix::fs::PermissionsExt;
    let mut files = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    files.sort();
    let mut ran = 0;
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let cmds = fgc_commands(&text);
        if cmds.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("config")).unwrap();
        std::fs::create_dir_all(d.join("examples")).unwrap();
        for ex in ["flowgate.yaml", "router-default.yaml"] {
            std::fs::copy(
                crate::common::inputs().join("examples").join(ex),
                d.join("examples").join(ex),
            )
            .unwrap();
        }
        std::fs::copy(
            d.join("examples/flowgate.yaml"),
            d.join("config/flowgate.yaml"),
        )
        .unwrap();
        std::fs::create_dir_all(d.join(".router/secrets")).unwrap();
        let secret = d.join(".router/secrets/upstream_cliproxyapi_api_key");
        std::fs::write(&secret, "sk-docs-test\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let home = d.join("home");
        std::fs::create_dir_all(home.join(".codex")).unwrap();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        for (d, from, to) in [
            (".config/opencode", "opencode.jsonc", "opencode.json"),
            (".qwen", "qwen-settings.json", "settings.json"),
            (".continue", "continue-config.yaml", "config.yaml"),
        ] {
            std::fs::create_dir_all(home.join(d)).unwrap();
            let fixtures = crate::common::inputs().join("tests/fixtures/emit");
            std::fs::copy(fixtures.join(from), home.join(d).join(to)).unwrap();
        }
        // The client files a user has (rename edits them in place).
        let fixtures = crate::common::inputs().join("tests/fixtures/emit");
        std::fs::copy(
            fixtures.join("codex-config.toml"),
            home.join(".codex/config.toml"),
        )
        .unwrap();
        std::fs::copy(
            fixtures.join("claude-settings.json"),
            home.join(".claude/settings.json"),
        )
        .unwrap();
        for cmd in cmds {
            let w = words(&cmd);
            let sub = w.get(1).map(String::as_str).unwrap_or("");
            if NOT_OFFLINE.contains(&sub) || PLACEHOLDERS.iter().any(|p| cmd.contains(p)) {
                continue;
            }
            let args: Vec<String> = w[1..]
                .iter()
                .map(|a| match a.strip_prefix("~/") {
                    Some(rest) => home.join(rest).display().to_string(),
                    None => a.clone(),
                })
                .collect();
            let mut c = crate::common::fgc();
            c.current_dir(d)
                .args(&args)
                .env("HOME", &home)
                .env("LITELLM_MASTER_KEY", "sk-docs-master-0123456789abcdef")
                .env("CUSTOM_API_KEY", "sk-docs-vendor")
                .env("UPSTREAM_OPENAI_API_KEY", "sk-docs-openai");
            let out = c.output().unwrap();
            ran += 1;
            if !matches!(out.status.code(), Some(0 | 1)) {
                bad.push(format!(
                    "{}: `{cmd}`: {}",
                    f.file_name().unwrap().to_string_lossy(),
                    crate::common::transcript(&out)
                ));
            }
        }
    }
    assert!(ran > 20, "only {ran} commands ran");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
