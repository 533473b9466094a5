#!/usr/bin/env python3
"""Differential check: one config through real LiteLLM and through `fgc serve`, against the
mock upstream, under the same fault scripts. Compares, per deployment, the number of upstream
calls and the final status. Outside the test suite (it needs LiteLLM): see docs/serve.md.

    pip install 'litellm[proxy]'
    cargo build --release --bin fgc --example fgc-mock
    python3 scripts/litellm-diff.py [--markdown]

Everything listens on 127.0.0.1; the processes it starts are stopped at the end.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASTER_KEY = "sk-fgc-diff-" + "0123456789abcdef" * 2

# Each scenario: the faults the mock applies, per deployment prefix, in order (then `ok`),
# and the settings that differ from the defaults. `a` is `main`'s deployment, `b` the
# fallback's (`backup`), `c` a third alias's (`third`).
SCENARIOS = [
    ("500 x1", {"a": ["500"]}, {}),
    ("500 x3", {"a": ["500"] * 3}, {}),
    ("500 x4", {"a": ["500"] * 4}, {}),
    ("500 x3, no fallback", {"a": ["500"] * 3}, {"fallbacks": False}),
    ("429 Retry-After 1 s, x1", {"a": ["429:1"]}, {}),
    ("429 Retry-After 1 s, x3", {"a": ["429:1"] * 3}, {}),
    ("400 x1", {"a": ["400"]}, {}),
    ("401 x1", {"a": ["401"]}, {}),
    ("timeout x1 (timeout 2 s)", {"a": ["hang"]}, {"timeout": 2}),
    ("timeout x3 (timeout 2 s), no fallback", {"a": ["hang"] * 3}, {"timeout": 2, "fallbacks": False}),
    ("429 x3, no fallback", {"a": ["429"] * 3}, {"fallbacks": False}),
    ("500 x3, num_retries 0", {"a": ["500"] * 3}, {"num_retries": 0}),
    ("500 x3, num_retries 3", {"a": ["500"] * 3}, {"num_retries": 3}),
    ("500 everywhere", {"a": ["500"] * 8, "b": ["500"] * 8}, {}),
    ("401 x1 on a (cools down), then a request", {"a": ["401"]}, {"twice": True}),
    (
        "both blocks: ls num_retries 0 + fallbacks to c, rs num_retries 1 + fallbacks to b; 500 x3",
        {"a": ["500"] * 3},
        {"num_retries": 0, "router": {"num_retries": 1, "fallbacks": [{"main": ["backup"]}]}, "ls_fallbacks": [{"main": ["third"]}]},
    ),
    ("retry_policy InternalServerErrorRetries 3; 500 x3", {"a": ["500"] * 3}, {"router": {"retry_policy": {"InternalServerErrorRetries": 3}}}),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ready(url, proc, seconds, headers=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process for {url} exited with {proc.returncode}")
        try:
            status, _ = http("GET", url, headers=headers, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url} not ready after {seconds} s")


def config(mock_port, gw_port, settings):
    fallbacks = settings.get("fallbacks", True)
    ls = {}
    if "ls_fallbacks" in settings:
        ls["fallbacks"] = settings["ls_fallbacks"]
    elif fallbacks:
        ls["fallbacks"] = [{"main": ["backup"]}]
    if "num_retries" in settings:
        ls["num_retries"] = settings["num_retries"]
    if "timeout" in settings:
        ls["request_timeout"] = settings["timeout"]
    lines = [
        "litellm_base:",
        "  model_list:",
        "    - model_name: main",
        f"      litellm_params: {{model: openai/up-a, api_base: 'http://127.0.0.1:{mock_port}/a/v1', api_key: os.environ/DIFF_UPSTREAM_KEY}}",
        "    - model_name: backup",
        f"      litellm_params: {{model: openai/up-b, api_base: 'http://127.0.0.1:{mock_port}/b/v1', api_key: os.environ/DIFF_UPSTREAM_KEY}}",
        "    - model_name: third",
        f"      litellm_params: {{model: openai/up-c, api_base: 'http://127.0.0.1:{mock_port}/c/v1', api_key: os.environ/DIFF_UPSTREAM_KEY}}",
        f"  litellm_settings: {json.dumps(ls)}",
        f"  router_settings: {json.dumps(settings.get('router', {}))}",
        "  general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}",
        f"services: {{litellm: {{host: 127.0.0.1, port: {gw_port}}}}}",
    ]
    return "\n".join(lines) + "\n"


class Procs:
    def __init__(self):
        self.procs = []

    def start(self, args, env, log):
        p = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def stop_all(self):
        for p in self.procs:
            self.stop(p)


def run_one(name, gateway, gw_url, mock_url, faults, requests=1):
    http("POST", f"{mock_url}/_mock/reset")
    for prefix, fs in faults.items():
        http("POST", f"{mock_url}/_mock/script", {"prefix": prefix, "faults": fs})
    t = time.time()
    statuses = []
    for _ in range(requests):
        status, body = http(
            "POST",
            f"{gw_url}/v1/chat/completions",
            {"model": "main", "messages": [{"role": "user", "content": "hi"}]},
            headers={"authorization": f"Bearer {MASTER_KEY}"},
            timeout=120,
        )
        statuses.append(str(status))
    elapsed = time.time() - t
    _, hits = http("GET", f"{mock_url}/_mock/hits")
    by = json.loads(hits)["by_prefix"]
    return {"status": ",".join(statuses), "a": by.get("a", 0), "b": by.get("b", 0), "c": by.get("c", 0), "seconds": round(elapsed, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fgc", default=os.path.join(ROOT, "target/release/fgc"))
    ap.add_argument("--mock", default=os.path.join(ROOT, "target/release/examples/fgc-mock"))
    ap.add_argument("--litellm", default=shutil.which("litellm") or "litellm")
    ap.add_argument("--only", help="run only scenarios whose name contains this")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="fgc-diff-")
    procs = Procs()
    log = open(os.path.join(work, "log.txt"), "wb")
    env = dict(os.environ)
    env.update(
        {
            "LITELLM_MASTER_KEY": MASTER_KEY,
            "DIFF_UPSTREAM_KEY": "sk-upstream-diff",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HOME": work,
            "XDG_STATE_HOME": work,
        }
    )
    mock_port = free_port()
    mock = procs.start([args.mock, "--port", str(mock_port)], env, log)
    mock_url = f"http://127.0.0.1:{mock_port}"
    time.sleep(0.5)
    rows = []
    try:
        for name, faults, settings in SCENARIOS:
            if args.only and args.only not in name:
                continue
            row = {"scenario": name}
            for gateway in ("litellm", "fgc"):
                port = free_port()
                cfg = os.path.join(work, f"{gateway}-flowgate.yaml")
                with open(cfg, "w") as f:
                    f.write(config(mock_port, port, settings))
                if gateway == "litellm":
                    out = os.path.join(work, "litellm.yaml")
                    subprocess.run([args.fgc, "emit", "litellm", "-c", cfg, "-o", out], env=env, check=True, stdout=log, stderr=log)
                    p = procs.start([args.litellm, "--config", out, "--host", "127.0.0.1", "--port", str(port)], env, log)
                    wait_ready(f"http://127.0.0.1:{port}/health/liveliness", p, 120)
                else:
                    p = procs.start([args.fgc, "serve", "-c", cfg, "--no-usage-log", "--log-level", "error"], env, log)
                    wait_ready(f"http://127.0.0.1:{port}/health/liveness", p, 30)
                row[gateway] = run_one(name, gateway, f"http://127.0.0.1:{port}", mock_url, faults, 2 if settings.get("twice") else 1)
                procs.stop(p)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    finally:
        procs.stop_all()
        log.close()
    same = lambda r: all(r["litellm"][k] == r["fgc"][k] for k in ("status", "a", "b", "c"))
    if args.markdown:
        print("| scenario | LiteLLM: status, calls a/b/c | fgc serve: status, calls a/b/c | same |")
        print("| --- | --- | --- | --- |")
        for r in rows:
            l, g = r["litellm"], r["fgc"]
            print(f"| {r['scenario']} | {l['status']}, {l['a']}/{l['b']}/{l['c']} ({l['seconds']} s) | {g['status']}, {g['a']}/{g['b']}/{g['c']} ({g['seconds']} s) | {'yes' if same(r) else '**no**'} |")
    else:
        for r in rows:
            print(json.dumps(r))
    print(f"logs: {work}/log.txt", file=sys.stderr)
    return 0 if all(same(r) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
