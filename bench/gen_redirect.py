#!/usr/bin/env python3
"""Generate the `fgc redirect` benchmark input: a flowgate.yaml with UPSTREAMS upstreams and
a models file with MODELS model ids per upstream.

    bench/gen_redirect.py --upstreams 50 --models 500 --names 100 OUT_DIR

- flowgate.yaml: one hand-written deployment per upstream (`relay-N`, its own api_base and
  credential), and `redirect.standard_names`: the first NAMES built-in standard names
  (`fgc redirect --list-names`, passed in on stdin).
- models-SEED.json: per upstream, about 80% of the standard names written the ways relays write
  them (vendor prefix, date suffix, other case and separators, `:free`, some listed twice
  with two dates so they are ambiguous), the rest of MODELS filled with other ids that share
  words with them (`vendor/gpt-4o-audio-preview-k`, ...). Deterministic (seeded).
"""
import argparse
import json
import random
import sys


def variants(name: str, rng: random.Random) -> list[str]:
    k = rng.randrange(7)
    if k == 0:
        return [name]
    if k == 1:
        return [f"vendor/{name}"]
    if k == 2:
        return [name.upper().replace("-", "_")]
    if k == 3:
        return [f"{name}-2025-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}"]
    if k == 4:
        return [f"{name}:free", f"vendor/{name}"]
    if k == 5:
        return [f"{name}-2025-01-01", f"{name}-2025-06-01"]
    return [name.replace("-", ".")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstreams", type=int, default=50)
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--names", type=int, default=100)
    ap.add_argument("--seed", type=int, default=15, help="another seed: other model lists")
    ap.add_argument("--models-only", action="store_true", help="write only OUT/models-SEED.json")
    ap.add_argument("out")
    a = ap.parse_args()
    builtin = [l.strip() for l in sys.stdin if l.strip() and not l.startswith("#")]
    names = builtin[: a.names]
    if len(names) < a.names:
        sys.exit(f"only {len(names)} standard names on stdin")
    rng = random.Random(a.seed)
    lines = ["# fgc redirect benchmark input (bench/gen_redirect.py)", "credentials:", "  upstream:"]
    for i in range(a.upstreams):
        lines += [f"    relay-{i}:", f"      env: RELAY_{i}_KEY"]
    lines += ["litellm_base:", "  model_list:"]
    for i in range(a.upstreams):
        lines += [
            f"    - model_name: router-{i}",
            "      litellm_params:",
            "        model: openai/gpt-5.2",
            f"        api_base: https://relay-{i}.example/v1",
            f"        api_key_ref: relay-{i}",
        ]
    lines += ["integration:", "  default_model: router-0", "redirect:", "  standard_names:"]
    lines += [f"    - {n}" for n in names]
    if not a.models_only:
        with open(f"{a.out}/flowgate.yaml", "w") as f:
            f.write("\n".join(lines) + "\n")
    models = {}
    for i in range(a.upstreams):
        ids: list[str] = []
        for n in names:
            if rng.random() < 0.8:
                ids += variants(n, rng)
        k = 0
        while len(ids) < a.models:
            base = rng.choice(names)
            ids.append(f"vendor{k % 7}/{base}-{rng.choice(['audio', 'search', 'vision', 'tts'])}-preview-{k}")
            k += 1
        rng.shuffle(ids)
        models[f"relay-{i}"] = {"object": "list", "data": [{"id": m, "object": "model"} for m in ids[: a.models]]}
    with open(f"{a.out}/models-{a.seed}.json", "w") as f:
        json.dump(models, f)


if __name__ == "__main__":
    main()
