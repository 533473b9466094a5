//! The phases of one `fgc redirect` run in process, without the network: load and check the
//! config, read the model lists, match and merge (with the check of the result), and the diff.
//! Prints one JSON line per phase with the median and the maximum over `ITERATIONS` runs.
//!
//! `cargo run --release --example redirect-bench -- CONFIG MODELS_FILE [ITERATIONS]`
//! (bench/redirect.sh generates the inputs and runs it).

use std::path::Path;
use std::time::{Duration, Instant};

use fgc::redirect::Session;

// The allocator the fgc binary uses (src/main.rs), so the phases cost what they cost there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use fgc::redirect::fetch::ModelsFile;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (config, models) = match (args.get(1), args.get(2)) {
        (Some(c), Some(m)) => (c.clone(), m.clone()),
        _ => {
            eprintln!("usage: redirect-bench CONFIG MODELS_FILE [ITERATIONS]");
            std::process::exit(2);
        }
    };
    let iterations: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let names = [
        "load+check",
        "models file",
        "match+merge+check",
        "diff",
        "total",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut added = 0;
    for _ in 0..iterations {
        let t0 = Instant::now();
        let session = Session::load(Path::new(&config)).expect("the config loads");
        let t1 = Instant::now();
        let text = std::fs::read_to_string(&models).expect("the models file reads");
        let file = ModelsFile::parse(&text).expect("the models file parses");
        let sel = session.select(&[], false).expect("upstreams");
        let listings = session.from_file(&sel, &file);
        let t2 = Instant::now();
        let plan = session.plan(&sel, listings).expect("the plan is made");
        let t3 = Instant::now();
        let diff = plan.change.diff(false);
        let t4 = Instant::now();
        added = plan.report.added;
        std::hint::black_box(diff);
        for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]
            .into_iter()
            .enumerate()
        {
            times[i].push(d);
        }
    }
    for (name, mut t) in names.iter().zip(times) {
        t.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{{\"phase\": \"{name}\", \"median_ms\": {:.2}, \"max_ms\": {:.2}, \"entries\": {added}, \"iterations\": {iterations}}}",
            ms(t[t.len() / 2]),
            ms(t[t.len() - 1])
        );
    }
}
