//! `fgc run`: a stand-in client on PATH (a shell script recording its arguments, environment
//! and settings file) started against `fgc serve`, which `fgc run` starts for the run and
//! stops afterwards; the client's exit status passes through. Real Claude Code and Codex
//! were run by hand (docs/integration.md).

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::common::{fgc, transcript};

/// A stand-in for `name`: records what it was given, checks the gateway listens, exits 7.
fn fake_client(bin: &Path, name: &str, port: u16) {
    let script = format!(
        "#!/bin/bash\n\
         out=\"$(dirname \"$0\")/{name}.out\"\n\
         {{ printf 'arg=%s\\n' \"$@\"; env | grep -E '^(ANTHROPIC_|FGC_GATEWAY_KEY|UP_KEY)' | sort;\n\
           if [ \"$1\" = --settings ]; then printf 'settings=%s mode=%s\\n' \"$(cat \"$2\")\" \"$(stat -c %a \"$2\")\"; fi\n\
           if (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; then echo gateway=up; fi; }} > \"$out\"\n\
         exit 7\n"
    );
    let p = bin.join(name);
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(dir: &Path, bin: &Path, args: &[&str]) -> Output {
    let mut c = fgc();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.current_dir(dir)
        .arg("run")
        .args(args)
        .env("PATH", path)
        .env("UP_KEY", "sk-up-run-1")
        .env("ANTHROPIC_API_KEY", "sk-ant-must-not-reach");
    c.output().unwrap()
}

fn setup(port: u16) -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("flowgate.yaml"),
        format!(
            "litellm_base:\n  model_list:\n    - model_name: router-default\n      litellm_params:\n        model: openai/m\n        api_base: http://127.0.0.1:9/v1\n        api_key: os.environ/UP_KEY\n  general_settings:\n    master_key: os.environ/FGC_GATEWAY_KEY\nservices:\n  litellm: {{host: 127.0.0.1, port: {port}}}\nintegration:\n  default_model: router-default\n"
        ),
    )
    .unwrap();
    let bin = t.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    fake_client(&bin, "claude", port);
    fake_client(&bin, "codex", port);
    (t, bin)
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn claude_on_a_gateway_started_for_the_run() {
    let port = free_port();
    let (t, bin) = setup(port);
    let out = run(t.path(), &bin, &["claude", "--", "-p", "say hi"]);
    // The client's exit status, and the gateway stopped again.
    assert_eq!(out.status.code(), Some(7), "{}", transcript(&out));
    assert!(!listening(port));
    let rec = std::fs::read_to_string(bin.join("claude.out")).unwrap();
    assert!(rec.contains("gateway=up"), "{rec}");
    assert!(rec.contains("arg=-p\narg=say hi\n"), "{rec}");
    assert!(
        rec.contains(&format!("ANTHROPIC_BASE_URL=http://127.0.0.1:{port}\n")),
        "{rec}"
    );
    assert!(rec.contains("ANTHROPIC_AUTH_TOKEN=sk-fgc-run-"), "{rec}");
    assert!(rec.contains("ANTHROPIC_MODEL=router-default"), "{rec}");
    assert!(!rec.contains("ANTHROPIC_API_KEY"), "{rec}");
    // The settings file wins over the user's settings.json; mode 0600, removed afterwards.
    assert!(
        rec.contains("\"ANTHROPIC_BASE_URL\":\"http://127.0.0.1:"),
        "{rec}"
    );
    assert!(rec.contains("mode=600"), "{rec}");
    let settings = rec.lines().find(|l| l.starts_with("arg=/")).unwrap();
    assert!(!Path::new(&settings[4..]).exists());
}

#[test]
fn codex_gets_its_provider_on_the_command_line_and_the_key_in_its_variable() {
    let port = free_port();
    let (t, bin) = setup(port);
    let out = run(t.path(), &bin, &["codex", "--", "exec", "say hi"]);
    assert_eq!(out.status.code(), Some(7), "{}", transcript(&out));
    let rec = std::fs::read_to_string(bin.join("codex.out")).unwrap();
    assert!(rec.contains("gateway=up"), "{rec}");
    assert!(rec.contains("arg=model=\"router-default\"\n"), "{rec}");
    assert!(
        rec.contains(&format!(
            "arg=model_providers.flowgate.base_url=\"http://127.0.0.1:{port}/v1\"\n"
        )),
        "{rec}"
    );
    assert!(rec.contains("arg=model_providers.flowgate.env_key=\"FGC_GATEWAY_KEY\"\n"));
    assert!(rec.contains("FGC_GATEWAY_KEY=sk-fgc-run-"), "{rec}");
    assert!(rec.ends_with("arg=exec\narg=say hi\n") || rec.contains("arg=exec\narg=say hi\n"));
    assert!(!listening(port));
}

#[test]
fn errors_before_the_client_starts() {
    let port = free_port();
    let (t, bin) = setup(port);
    // A config with errors: exit 1, no client started.
    std::fs::write(
        t.path().join("flowgate.yaml"),
        "integration:\n  default_model: nope\n",
    )
    .unwrap();
    let out = run(t.path(), &bin, &["claude"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(!bin.join("claude.out").exists());
    // An unknown client is a usage error.
    let out = run(t.path(), &bin, &["vim"]);
    assert_eq!(out.status.code(), Some(2));
}
