//! A small load generator for `bench/serve.sh`: the same requests at the same rate and
//! concurrency against any OpenAI-compatible URL (the gateway or the mock directly).
//!
//! fgc-load rate   URL --rate 1000 --concurrency 16 --seconds 5 [--key K] [--model M]
//!     open loop: one request every 1/rate s while fewer than `concurrency` are out
//!     (a tick with all slots busy counts as `late`); latency percentiles in ms
//! fgc-load max    URL --concurrency 16 --seconds 5 ...   closed loop, as fast as it goes
//! fgc-load stream URL --rate 50 --seconds 5 ...          streaming; time to first byte
//! fgc-load stream-total URL --rate 50 ...                  streaming; time to the last byte
//! fgc-load startup --cmd "fgc serve -c X --port P" --url URL [--key K]
//!     start the command, poll URL every 1 ms; time to the first 200
//! fgc-load flood URL --connections 300 --seconds 5 [--slow]
//!     open that many connections that send nothing (or, with --slow, a request head one
//!     line per second), then, while they are open, time a fresh-connection
//!     `GET /health/liveness` and a chat request (URL) every 100 ms
//!
//! URL is the chat completions endpoint, e.g. http://127.0.0.1:4000/v1/chat/completions; the
//! body (`model`, `max_tokens`, `messages`, `stream`) is also a valid Anthropic Messages request,
//! so `/v1/messages` works too (the translated path of `fgc serve`).
//! Output: one JSON line.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

struct Opts {
    url: String,
    rate: f64,
    concurrency: usize,
    seconds: f64,
    key: String,
    model: String,
    cmd: String,
    threads: usize,
    /// Streaming: time to the last byte instead of the first.
    to_end: bool,
    /// flood: connections held open, and whether they trickle a request head.
    connections: usize,
    slow: bool,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args
        .next()
        .unwrap_or_else(|| die("mode: rate | max | stream | startup"));
    let mut o = Opts {
        url: String::new(),
        rate: 1000.0,
        concurrency: 16,
        seconds: 5.0,
        key: std::env::var("FGC_LOAD_KEY").unwrap_or_default(),
        model: "bench".into(),
        cmd: String::new(),
        threads: 1,
        to_end: false,
        connections: 300,
        slow: false,
    };
    while let Some(a) = args.next() {
        let mut v = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--rate" => o.rate = v().parse().unwrap_or_else(|_| die("bad --rate")),
            "--concurrency" => {
                o.concurrency = v().parse().unwrap_or_else(|_| die("bad --concurrency"))
            }
            "--seconds" => o.seconds = v().parse().unwrap_or_else(|_| die("bad --seconds")),
            "--key" => o.key = v(),
            "--model" => o.model = v(),
            "--cmd" => o.cmd = v(),
            "--url" => o.url = v(),
            "--threads" => o.threads = v().parse().unwrap_or_else(|_| die("bad --threads")),
            "--connections" => {
                o.connections = v().parse().unwrap_or_else(|_| die("bad --connections"))
            }
            "--slow" => o.slow = true,
            u if !u.starts_with('-') && o.url.is_empty() => o.url = u.to_string(),
            other => die(&format!("unknown argument {other}")),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.threads.max(1))
        .enable_all()
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    let out = rt.block_on(async {
        match mode.as_str() {
            "rate" => run(&o, false, Some(o.rate)).await,
            "max" => run(&o, false, None).await,
            "stream" => run(&o, true, Some(o.rate)).await,
            "stream-total" => {
                o.to_end = true;
                run(&o, true, Some(o.rate)).await
            }
            "startup" => startup(&o).await,
            "flood" => flood(&o).await,
            m => die(&format!("unknown mode {m}")),
        }
    });
    println!("{out}");
}

fn client() -> reqwest::Client {
    fgc::serve::forward::install_crypto();
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .build()
        .unwrap_or_else(|e| die(&e.to_string()))
}

/// One request; the latency to the full answer (or to the first byte when streaming).
async fn one(
    c: &reqwest::Client,
    o: &Opts,
    body: &bytes::Bytes,
    stream: bool,
) -> Result<Duration, String> {
    let t0 = Instant::now();
    let mut r = c
        .post(&o.url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", o.key))
        .body(body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("status {}", r.status()));
    }
    if stream {
        let first = r.chunk().await.map_err(|e| e.to_string())?;
        let ttfb = t0.elapsed();
        if first.is_none() {
            return Err("empty stream".into());
        }
        while r.chunk().await.map_err(|e| e.to_string())?.is_some() {}
        Ok(if o.to_end { t0.elapsed() } else { ttfb })
    } else {
        r.bytes().await.map_err(|e| e.to_string())?;
        Ok(t0.elapsed())
    }
}

#[derive(Default)]
struct Tally {
    lat_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

async fn run(o: &Opts, stream: bool, rate: Option<f64>) -> serde_json::Value {
    let c = client();
    let body = bytes::Bytes::from(
        json!({"model": o.model, "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": "Say hello in five words."}]})
            .to_string(),
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let o = Arc::new(Opts { ..clone_opts(o) });
    // Warm the pool.
    for _ in 0..o.concurrency.min(8) {
        let _ = one(&c, &o, &body, stream).await;
    }
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(o.seconds);
    let mut late = 0u64;
    let mut sent = 0u64;
    match rate {
        Some(r) => {
            let sem = Arc::new(tokio::sync::Semaphore::new(o.concurrency));
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / r));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut tasks = Vec::new();
            while Instant::now() < end {
                tick.tick().await;
                let Ok(permit) = Arc::clone(&sem).try_acquire_owned() else {
                    late += 1;
                    continue;
                };
                sent += 1;
                let (c, o, body, tally) =
                    (c.clone(), Arc::clone(&o), body.clone(), Arc::clone(&tally));
                tasks.push(tokio::spawn(async move {
                    let r = one(&c, &o, &body, stream).await;
                    record(&tally, r);
                    drop(permit);
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        }
        None => {
            let mut tasks = Vec::new();
            for _ in 0..o.concurrency {
                let (c, o, body, tally) =
                    (c.clone(), Arc::clone(&o), body.clone(), Arc::clone(&tally));
                tasks.push(tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < end {
                        let r = one(&c, &o, &body, stream).await;
                        record(&tally, r);
                        n += 1;
                    }
                    n
                }));
            }
            for t in tasks {
                sent += t.await.unwrap_or(0);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    t.lat_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        if t.lat_us.is_empty() {
            return 0.0;
        }
        let i = ((t.lat_us.len() as f64 * p).ceil() as usize).clamp(1, t.lat_us.len()) - 1;
        t.lat_us[i] as f64 / 1000.0
    };
    json!({
        "url": o.url, "stream": stream, "target_rate": rate, "concurrency": o.concurrency,
        "seconds": elapsed, "sent": sent, "ok": t.lat_us.len(), "errors": t.errors, "late": late,
        "first_error": t.first_error,
        "achieved_rps": (t.lat_us.len() as f64 / elapsed).round(),
        "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99), "max_ms": pct(1.0),
    })
}

fn clone_opts(o: &Opts) -> Opts {
    Opts {
        url: o.url.clone(),
        rate: o.rate,
        concurrency: o.concurrency,
        seconds: o.seconds,
        key: o.key.clone(),
        model: o.model.clone(),
        cmd: o.cmd.clone(),
        threads: o.threads,
        to_end: o.to_end,
        connections: o.connections,
        slow: o.slow,
    }
}

fn record(t: &Mutex<Tally>, r: Result<Duration, String>) {
    let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
    match r {
        Ok(d) => t.lat_us.push(d.as_micros() as u64),
        Err(e) => {
            t.errors += 1;
            t.first_error.get_or_insert(e);
        }
    }
}

/// Start `--cmd` and time the first 200 from `--url` (GET with the key).
async fn startup(o: &Opts) -> serde_json::Value {
    let parts: Vec<&str> = o.cmd.split_whitespace().collect();
    let Some((prog, rest)) = parts.split_first() else {
        die("--cmd is empty")
    };
    let c = client();
    let t0 = Instant::now();
    let mut child = std::process::Command::new(prog)
        .args(rest)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| die(&format!("cannot start {prog}: {e}")));
    let mut answered = None;
    while t0.elapsed() < Duration::from_secs(120) {
        let ok = c
            .get(&o.url)
            .header("authorization", format!("Bearer {}", o.key))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            answered = Some(t0.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rss_kb = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        });
    let _ = child.kill();
    let _ = child.wait();
    json!({"cmd": o.cmd, "first_answer_ms": answered.map(|d| d.as_secs_f64() * 1000.0), "rss_kb_at_first_answer": rss_kb})
}

/// Hold `--connections` idle (or slow) connections open while timing probes and requests.
async fn flood(o: &Opts) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = reqwest::Url::parse(&o.url).unwrap_or_else(|e| die(&e.to_string()));
    let addr = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port_or_known_default().unwrap_or(80)
    );
    let live = format!("{}://{addr}/health/liveness", url.scheme());
    let mut held = Vec::new();
    let mut refused = 0u64;
    for _ in 0..o.connections {
        match tokio::net::TcpStream::connect(&addr).await {
            Ok(s) => held.push(s),
            Err(_) => refused += 1,
        }
    }
    let slow = o.slow;
    let mut tricklers = Vec::new();
    if slow {
        for mut s in std::mem::take(&mut held) {
            tricklers.push(tokio::spawn(async move {
                let _ = s
                    .write_all(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
                    .await;
                for i in 0.. {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if s.write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return true;
                    }
                }
                false
            }));
        }
    }
    // No pooling: every probe needs a new connection, as a health checker's does.
    fgc::serve::forward::install_crypto();
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    let body = json!({"model": o.model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}).to_string();
    let (mut probes, mut requests) = (Tally::default(), Tally::default());
    let end = Instant::now() + Duration::from_secs_f64(o.seconds);
    while Instant::now() < end {
        let t = Instant::now();
        let r = c.get(&live).send().await;
        match r {
            Ok(r) if r.status().is_success() => probes.lat_us.push(t.elapsed().as_micros() as u64),
            Ok(r) => {
                probes.errors += 1;
                probes
                    .first_error
                    .get_or_insert(format!("status {}", r.status()));
            }
            Err(e) => {
                probes.errors += 1;
                probes.first_error.get_or_insert(e.to_string());
            }
        }
        let t = Instant::now();
        let r = c
            .post(&o.url)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", o.key))
            .body(body.clone())
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                let _ = r.bytes().await;
                requests.lat_us.push(t.elapsed().as_micros() as u64)
            }
            Ok(r) => {
                requests.errors += 1;
                requests
                    .first_error
                    .get_or_insert(format!("status {}", r.status()));
            }
            Err(e) => {
                requests.errors += 1;
                requests.first_error.get_or_insert(e.to_string());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // How many of the held connections the server has closed by now.
    let mut closed = 0u64;
    for mut s in held {
        let mut b = [0u8; 64];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(5), s.read(&mut b)).await {
            closed += 1;
        }
    }
    for t in tricklers {
        t.abort();
        if let Ok(true) = t.await {
            closed += 1;
        }
    }
    let summary = |t: &mut Tally| {
        t.lat_us.sort_unstable();
        let at = |p: f64| {
            t.lat_us
                .get(((t.lat_us.len() as f64 * p) as usize).min(t.lat_us.len().saturating_sub(1)))
                .map(|v| *v as f64 / 1000.0)
        };
        json!({"ok": t.lat_us.len(), "errors": t.errors, "first_error": t.first_error, "p50_ms": at(0.5), "max_ms": at(1.0)})
    };
    json!({
        "connections": o.connections, "slow": slow, "refused_at_connect": refused,
        "closed_by_server": closed,
        "probes": summary(&mut probes), "requests": summary(&mut requests),
    })
}

fn die(msg: &str) -> ! {
    eprintln!("fgc-load: {msg}");
    std::process::exit(2)
}
