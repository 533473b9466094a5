//! Nothing from a config reaches a shell, a dotenv file or a comment unquoted (issue 11,
//! item 1): the checker refuses names that are not identifiers and names with control
//! characters, and the emitters quote every value for its format whatever the names are.

use std::fs;

use fgc::emit::claude_code::{self, Format, KEYS};
use fgc::emit::{Input, codex, litellm};
use fgc::rules::CheckOptions;
use fgc::source::SourceFile;
use proptest::prelude::*;
use serde_json::json;

use crate::common::{run_in, transcript};

/// The issue's reproducer: check refuses it, so no emit ever writes it.
#[test]
fn an_env_reference_that_is_not_a_name_is_a_check_error() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = r#"litellm_base:
  model_list:
    - model_name: m
      litellm_params: {model: openai/x, api_base: "http://127.0.0.1:1/v1"}
integration:
  default_model: m
  claude_code:
    auth_token: 'os.environ/X}"; touch PWNED; echo "${Y'
  codex:
    env_key: "GATEWAY KEY"
  opencode:
    env_key: "KEY}"
  qwen_code:
    env_key: "9KEY"
  continue:
    env_key: "KEY }} ${{ secrets.OTHER"
"#;
    fs::write(dir.path().join("f.yaml"), yaml).unwrap();
    let out = run_in(dir.path(), &["check", "f.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("invalid-env-name").count(), 5, "{text}");
    for key in ["codex", "opencode", "qwen_code", "continue"] {
        assert!(
            text.contains(&format!("`integration.{key}.env_key`")),
            "{key}: {text}"
        );
    }
    for client in ["opencode", "qwen-code", "continue"] {
        let out = run_in(dir.path(), &["emit", client, "-c", "f.yaml"]);
        assert_eq!(out.status.code(), Some(1), "{client}: {}", transcript(&out));
        assert!(out.stdout.is_empty(), "{client}");
    }
    let out = run_in(
        dir.path(),
        &["emit", "claude-code", "-c", "f.yaml", "--format", "shell"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("PWNED").exists());
}

#[test]
fn names_with_line_breaks_are_a_check_error() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "litellm_base:\n  model_list:\n    - model_name: \"m\\u2028x\"\n      litellm_params: {model: openai/x}\nprofiles:\n  \"balanced\\nexport X=1\":\n    litellm_settings: {num_retries: 1}\ncredentials:\n  upstream:\n    \"c\\r\": {env: C}\n";
    fs::write(dir.path().join("f.yaml"), yaml).unwrap();
    let out = run_in(dir.path(), &["check", "f.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("control-character").count(), 3, "{text}");
    // The message shows the name escaped, on one line.
    assert!(text.contains(r#""balanced\nexport X=1""#), "{text}");
}

/// A config whose names and values are all `names` (JSON is YAML, so every string is
/// written exactly).
fn config(v: &Values) -> String {
    let token = if v.token_is_env {
        format!("os.environ/{}", v.token)
    } else {
        v.token.clone()
    };
    let doc = json!({
        "litellm_base": {
            "model_list": [
                {"model_name": v.alias, "litellm_params": {"model": "openai/x", "api_base": "http://127.0.0.1:1/v1"}},
                {"model_name": v.fast, "litellm_params": {"model": "openai/y", "api_base": "http://127.0.0.1:1/v1"}},
            ],
            "general_settings": {"master_key": format!("os.environ/{}", v.master)},
        },
        "profiles": {v.profile.clone(): {"litellm_settings": {"num_retries": 1}}},
        "integration": {
            "default_model": v.alias,
            "fast_model": v.fast,
            "base_url": v.base_url,
            "claude_code": {"auth_token": token},
            "codex": {"env_key": v.master, "provider_name": v.fast},
        },
    });
    serde_json::to_string_pretty(&doc).unwrap()
}

#[derive(Debug, Clone)]
struct Values {
    alias: String,
    fast: String,
    profile: String,
    base_url: String,
    token: String,
    token_is_env: bool,
    master: String,
    source_name: String,
}

/// Strings made to break out of quotes, comments and assignments.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,12}",
        "[ -~]{0,24}",
        Just("x\"; touch PWNED; echo \"".to_string()),
        Just("'; touch PWNED; '".to_string()),
        Just("$(touch PWNED)".to_string()),
        Just("`touch PWNED`".to_string()),
        Just("a\nexport EVIL=1".to_string()),
        Just("X}\"; touch PWNED; echo \"${Y".to_string()),
        Just("\\".to_string()),
        Just("#".to_string()),
        proptest::collection::vec(
            prop_oneof![
                Just('\n'),
                Just('\r'),
                Just('\u{85}'),
                Just('\u{2028}'),
                Just('\''),
                Just('"'),
                Just('$'),
                Just('`'),
                Just('\\'),
                Just(';'),
                Just('#'),
                Just(' '),
                Just('='),
                Just('{'),
                Just('}'),
                Just('a'),
                Just('é'),
            ],
            0..16
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

fn values() -> impl Strategy<Value = Values> {
    (
        (nasty(), nasty(), nasty(), nasty()),
        (nasty(), any::<bool>(), nasty(), nasty()),
    )
        .prop_map(
            |((alias, fast, profile, base_url), (token, token_is_env, master, source_name))| {
                Values {
                    alias,
                    fast,
                    profile,
                    base_url,
                    token,
                    token_is_env,
                    master,
                    source_name,
                }
            },
        )
}

/// What the emitters write for `v`, checked or not: the emitters must be safe on their own,
/// not only behind the checker.
fn emit_all(v: &Values) -> Option<Vec<(Format, String)>> {
    let text = config(v);
    let loaded = fgc::check::check_source(
        SourceFile::new("f.yaml", "f.yaml", text),
        &CheckOptions::default(),
    );
    let model = loaded.model.as_ref()?;
    let input = Input {
        view: model.view(Some(&v.profile)),
        source_name: &v.source_name,
        source: &loaded.source,
    };
    let mut out = Vec::new();
    for f in [Format::Shell, Format::Env] {
        out.push((f, claude_code::emit(&input, f, false).ok()?.text));
    }
    // Comments of the other targets: every line is a comment or belongs to the format.
    let toml = codex::emit(&input, None).ok()?.text;
    assert!(toml.parse::<toml_edit::DocumentMut>().is_ok(), "{toml}");
    let yaml = litellm::emit(&input, false).ok()?.text;
    for (text, what) in [(&toml, "codex"), (&yaml, "litellm")] {
        let header: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        assert!(
            header.iter().all(|l| l.starts_with('#')),
            "{what} header broken:\n{text}"
        );
    }
    Some(out)
}

/// Outside single quotes, `$`, `` ` `` and `\` may only appear as `"${IDENT}"`.
fn no_expansion_outside_quotes(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut at_word_start = true;
    while i < b.len() {
        match b[i] {
            b'#' if at_word_start => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
                at_word_start = false;
                continue;
            }
            b'"' => {
                let rest = &text[i..];
                let Some(inner) = rest
                    .strip_prefix("\"${")
                    .and_then(|r| r.split_once("}\""))
                    .map(|(name, _)| name)
                    .filter(|n| fgc::names::is_env_name(n))
                else {
                    return Err(format!("a double quote that is not \"${{NAME}}\" at {i}"));
                };
                i += inner.len() + 5;
                at_word_start = false;
                continue;
            }
            // `'\''`: a single quote written between two single-quoted parts.
            b'\\' if b.get(i + 1) == Some(&b'\'') => {
                i += 2;
                at_word_start = false;
                continue;
            }
            b'$' | b'`' | b'\\' => {
                // dotenv's bare `${NAME}`
                let rest = &text[i..];
                if let Some(name) = rest
                    .strip_prefix("${")
                    .and_then(|r| r.split_once('}'))
                    .map(|(n, _)| n)
                    .filter(|n| fgc::names::is_env_name(n))
                {
                    i += name.len() + 3;
                    at_word_start = false;
                    continue;
                }
                return Err(format!("unquoted {:?} at {i}", b[i] as char));
            }
            b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                return Err(format!("unquoted {:?} at {i}", b[i] as char));
            }
            _ => {}
        }
        at_word_start = matches!(b.get(i), Some(b' ' | b'\t' | b'\n'));
        i += 1;
    }
    Ok(())
}

fn expected(v: &Values) -> Vec<String> {
    let token = if v.token_is_env && fgc::names::is_env_name(&v.token) {
        format!("${{{}}}", v.token)
    } else if v.token_is_env {
        format!("os.environ/{}", v.token)
    } else {
        v.token.clone()
    };
    let base = v.base_url.trim_end_matches('/').to_string();
    vec![
        base,
        token,
        v.alias.clone(),
        v.alias.clone(),
        v.alias.clone(),
        v.fast.clone(),
    ]
}

proptest! {
    #![proptest_config(crate::common::proptest_config(256))]

    /// For any names and values, the shell and dotenv outputs read back (as a POSIX shell
    /// splits words) as exactly six assignments (exported in shell), each holding the value it
    /// should, with nothing a shell would expand or run outside single quotes.
    #[test]
    fn emitted_shell_holds_only_assignments(v in values()) {
        let Some(outputs) = emit_all(&v) else { return Ok(()) };
        let want = expected(&v);
        for (format, text) in outputs {
            let words = shell_words::split(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            let per = if format == Format::Shell { 2 } else { 1 };
            prop_assert_eq!(words.len(), 6 * per, "{:?}\n{}", words, text);
            for (i, pair) in words.chunks(per).enumerate() {
                if format == Format::Shell {
                    prop_assert_eq!(&pair[0], "export", "{}", text);
                }
                let (k, val) = pair[per - 1].split_once('=').unwrap_or(("", ""));
                prop_assert_eq!(k, KEYS[i], "{}", text);
                prop_assert_eq!(val, want[i].as_str(), "{}", text);
            }
            no_expansion_outside_quotes(&text).map_err(|e| TestCaseError::fail(format!("{e}:\n{text}")))?;
        }
    }
}

#[test]
fn the_scanner_catches_what_it_should() {
    for bad in [
        "export A=$(x)\n",
        "export A=`x`\n",
        "export A=\"x\"\n",
        "export A=x; y\n",
        "export A=\\x\n",
    ] {
        assert!(no_expansion_outside_quotes(bad).is_err(), "{bad}");
    }
    assert!(
        no_expansion_outside_quotes("# a $x `y`\nexport A='$x' B=\"${OK}\" C=${OK} D='it'\\''s'\n")
            .is_ok()
    );
}

/// The notes Claude Code's output gets about routed families (main's scenario routing) name
/// aliases: an alias holding a line break stays inside its comment, unchecked or not.
#[test]
fn routing_notes_stay_in_their_comments() {
    let bad = "fast\nexport PWNED=1";
    let doc = json!({
        "litellm_base": {
            "model_list": [
                {"model_name": "main", "litellm_params": {"model": "openai/x", "api_base": "http://127.0.0.1:1/v1"}},
                {"model_name": bad, "litellm_params": {"model": "openai/y", "api_base": "http://127.0.0.1:1/v1"}},
            ],
        },
        "routing": {"families": {"opus": bad, "haiku": bad}},
        "integration": {"default_model": "main", "claude_code": {"haiku_model": bad}},
    });
    let loaded = fgc::check::check_source(
        SourceFile::new("f.yaml", "f.yaml", serde_json::to_string(&doc).unwrap()),
        &CheckOptions::default(),
    );
    let model = loaded.model.as_ref().expect("a model, errors or not");
    let input = Input {
        view: model.view(None),
        source_name: "f.yaml",
        source: &loaded.source,
    };
    for f in [Format::Shell, Format::Env] {
        let text = claude_code::emit(&input, f, false).unwrap().text;
        assert!(text.contains("is left out"), "{text}");
        assert!(text.contains("is kept"), "{text}");
        // In comments the name is shown escaped, as everywhere else.
        assert!(text.contains(r#"`"fast\nexport PWNED=1"`"#), "{text}");
        let words = shell_words::split(&text).unwrap();
        assert!(
            !words.iter().any(|w| w == "PWNED=1"),
            "{f:?}: a name broke out:\n{text}"
        );
    }
}
