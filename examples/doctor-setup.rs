//! A setup for `fgc doctor` to check, for bench/doctor.sh and manual runs: the mock upstream
//! (each of N upstreams on its own path prefix, listing its model), a credential file, and a
//! flowgate.yaml with one alias per upstream and the gateway at `--gateway-port` (start
//! `fgc serve -c DIR/flowgate.yaml` there). With `--hang-port`, also a port that accepts
//! connections and never answers (the kernel completes the handshake; nothing reads).
//!
//! cargo run --release --example doctor-setup -- DIR [--upstreams 3] [--gateway-port 4000]
//!     [--hang-port P]
//!
//! Writes DIR/ready when everything listens, then runs until stdin closes.

use std::io::Read;
use std::path::PathBuf;

use fgc::serve::mock::{Mock, MockConfig, ModelList};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut upstreams = 3usize;
    let mut gateway_port = 4000u16;
    let mut hang_port: Option<u16> = None;
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--upstreams" => upstreams = val().parse().unwrap_or_else(|_| die("bad --upstreams")),
            "--gateway-port" => {
                gateway_port = val().parse().unwrap_or_else(|_| die("bad --gateway-port"))
            }
            "--hang-port" => {
                hang_port = Some(val().parse().unwrap_or_else(|_| die("bad --hang-port")))
            }
            d if dir.is_none() && !d.starts_with('-') => dir = Some(PathBuf::from(d)),
            other => die(&format!("unknown argument {other}")),
        }
    }
    let dir = dir.unwrap_or_else(|| {
        die("usage: doctor-setup DIR [--upstreams N] [--gateway-port P] [--hang-port P]")
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    rt.block_on(async move {
        let mock = Mock::start(MockConfig {
            record: false,
            ..MockConfig::default()
        })
        .await
        .unwrap_or_else(|e| die(&format!("cannot start the mock: {e}")));
        let mut deps = String::new();
        for i in 0..upstreams {
            mock.set_models(&format!("u{i}"), ModelList::OpenAi(vec![format!("model-{i}")]));
            deps.push_str(&format!(
                "    - model_name: alias-{i}\n      litellm_params: {{model: openai/model-{i}, api_base: \"{}/u{i}/v1\", api_key_ref: upstream}}\n",
                mock.url()
            ));
        }
        let yaml = format!(
            "credentials:\n  upstream:\n    upstream: {{file: secrets/upstream}}\nlitellm_base:\n  model_list:\n{deps}  general_settings:\n    master_key: os.environ/DOCTOR_BENCH_KEY\nintegration:\n  default_model: alias-0\nservices:\n  litellm: {{host: 127.0.0.1, port: {gateway_port}}}\n"
        );
        std::fs::create_dir_all(dir.join("secrets")).unwrap_or_else(|e| die(&e.to_string()));
        let secret = dir.join("secrets/upstream");
        std::fs::write(&secret, "sk-doctor-bench-upstream\n").unwrap_or_else(|e| die(&e.to_string()));
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
                .unwrap_or_else(|e| die(&e.to_string()));
        }
        std::fs::write(dir.join("flowgate.yaml"), yaml).unwrap_or_else(|e| die(&e.to_string()));
        // Bound and listening, never accepted from.
        let _hang = hang_port.map(|p| {
            std::net::TcpListener::bind(("127.0.0.1", p))
                .unwrap_or_else(|e| die(&format!("cannot listen on {p}: {e}")))
        });
        std::fs::write(dir.join("ready"), mock.url()).unwrap_or_else(|e| die(&e.to_string()));
        eprintln!("doctor-setup: mock at {}, config in {}", mock.url(), dir.display());
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .ok();
    });
}

fn die(msg: &str) -> ! {
    eprintln!("doctor-setup: {msg}");
    std::process::exit(2)
}
