#!/usr/bin/env python3
"""Write tests/fixtures/yaml11/pyyaml-scalars.json: how PyYAML's safe_load (what LiteLLM uses)
reads a corpus of plain scalars, for the test that fgc reads them the same way.

    python scripts/yaml11-corpus.py tests/fixtures/yaml11/pyyaml-scalars.json
"""
import datetime
import itertools
import json
import math
import sys

import yaml

words = [
    "", "~", "null", "Null", "NULL", "nUll", "true", "True", "TRUE", "tRue", "false", "yes", "Yes",
    "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ".inf", ".Inf", "+.inf", "-.inf", "-.INF", ".nan", ".NaN", "+.NaN", "NaN", "inf",
    "0", "00", "007", "0777", "09", "0o17", "0b101", "0b", "0x1F", "0x_1F", "0x", "0xg", "-0", "+12",
    "1_000", "20_000", "1__0", "1_", "_1", "1,000", "1e5", "1E5", "1e+5", "1.0e5", "1.0e+5",
    "1.0E-5", "1.", "0.", ".5", "-.5", "+.5", "._5", "1_000.5", "1.2.3", "0.0.0", "1:30", "1:5",
    "1:60", "0:30", "-1:30", "190:20:30", "1:30.5", "12:345", "2024-01-01", "2024-1-1",
    "2024-01-01 10:00:00", "2024-01-01T10:00:00Z", "2001-12-14t21:59:43.10-05:00",
    "2024-01-01x", "router-default", "gpt-5.2", "openai/gpt-5.2", "os.environ/KEY",
    "http://127.0.0.1:4000/v1", "sk-1234", "v1", "1a", "a1", "-x", "+x", "0.5.1", "3.11",
    "12e3", "1_0e1", "0b_1", "+0x10", "-0b11", "999999999999999999999",
]
digits = ["0", "1", "9", "_", ".", ":", "e", "+", "-", "x", "b"]
for n in (1, 2, 3):
    for t in itertools.product(digits, repeat=n):
        words.append("1" + "".join(t))


def kind(v):
    if v is None:
        return ["null"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", "nan" if math.isnan(v) else repr(v)]
    if isinstance(v, (datetime.date, datetime.datetime)):
        return ["timestamp"]
    return ["str", v]


out = {}
for w in dict.fromkeys(words):
    try:
        v = yaml.safe_load("k: " + w)
    except yaml.YAMLError:
        continue  # not a scalar PyYAML reads; fgc's parser decides those
    if not isinstance(v, dict) or "k" not in v:
        continue
    out[w] = kind(v["k"])
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump({"pyyaml": yaml.__version__, "scalars": out}, f, indent=1, ensure_ascii=False)
    f.write("\n")
