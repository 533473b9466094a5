#!/usr/bin/env python3
"""Generate data/litellm-vocab.json: the vocabulary of LiteLLM's proxy config, from LiteLLM itself.

Run it with the Python that has LiteLLM installed (`pip install 'litellm[proxy]'`):

    python scripts/litellm-vocab.py data/litellm-vocab.json
    FGC_BLESS=1 cargo test --test main generated   # regenerates src/litellm/vocab_data.rs

Nothing here is typed by hand: every key comes from LiteLLM's types (pydantic models,
TypedDicts, function signatures), from the code that reads the config (found by walking its
syntax tree), or from running LiteLLM's own provider inference. Where each list comes from is
written next to it below and in docs/check.md.
"""

import ast
import inspect
import json
import os
import pathlib
import re
import sys

# The cost map that ships in the package, not one fetched from the network.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import litellm  # noqa: E402

litellm.suppress_debug_info = True  # get_llm_provider prints a banner on every miss
from importlib.metadata import version  # noqa: E402

PKG = pathlib.Path(litellm.__file__).parent
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def keys(it):
    """Sorted, unique, lower-case identifier keys (drops `no-log`, `self`, private names and
    constants that the syntax-tree walk picks up)."""
    return sorted({k for k in it if KEY.match(k) and not k.startswith("_") and k != "self"})


def fields(model):
    """Field names of a pydantic model or the keys of a TypedDict."""
    if hasattr(model, "model_fields"):
        return list(model.model_fields)
    return list(getattr(model, "__annotations__", {}))


def parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def named(node, names):
    """`x` or `something.x` with `x` in `names`."""
    return (isinstance(node, ast.Name) and node.id in names) or (
        isinstance(node, ast.Attribute) and node.attr in names
    )


def literal_keys_read_from(tree, names):
    """String keys read from a dict named in `names` (or an attribute of that name):
    `x.get("k")`, `x.pop("k")`, `x["k"]`, `"k" in x`, `x.setdefault("k")`."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            recv = node.func.value
            if (
                named(recv, names)
                and node.func.attr in ("get", "pop", "setdefault")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                out.add(node.args[0].value)
        elif isinstance(node, ast.Subscript):
            if (
                named(node.value, names)
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
            ):
                out.add(node.slice.value)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            if (
                isinstance(node.ops[0], (ast.In, ast.NotIn))
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
                and named(node.comparators[0], names)
            ):
                out.add(node.left.value)
    return out


def package_files(*subdirs):
    for sub in subdirs:
        yield from sorted((PKG / sub).rglob("*.py")) if sub else [PKG / "__init__.py"]


# ---------------------------------------------------------------------------------------------
# litellm_params: what a deployment may carry. The router passes litellm_params to
# litellm.completion as keyword arguments, so the vocabulary is the router's param types, the
# completion arguments, and the kwargs LiteLLM's completion path and providers read.
from litellm.types.router import (  # noqa: E402
    Deployment,
    GenericLiteLLMParams,
    LiteLLM_Params,
    ModelInfo as RouterModelInfo,
    UpdateRouterConfig,
)
from litellm.types import utils as types_utils  # noqa: E402

litellm_params = set(fields(GenericLiteLLMParams)) | set(fields(LiteLLM_Params))
litellm_params |= set(types_utils.all_litellm_params)
for fn in (litellm.completion, litellm.acompletion, litellm.utils.get_optional_params):
    litellm_params |= {
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
# Keys read from the kwargs of the completion path and from provider configs.
kwarg_dicts = {"kwargs", "litellm_params", "optional_params", "non_default_params", "passed_params"}
for path in [PKG / "main.py", PKG / "utils.py", *sorted((PKG / "llms").rglob("*.py"))]:
    litellm_params |= literal_keys_read_from(parse(path), kwarg_dicts)
# Not deployment settings: the request itself and the router's own plumbing.
litellm_params -= {"messages", "model_list", "kwargs", "input", "prompt"}

# Settings the router reads per deployment: the deployment param type's own fields, and the
# keys it looks up in a deployment's model_info or litellm_params first
# (`_first_present(model_info, litellm_params, key="cooldown_time")` in router.py).
per_deployment = set(fields(GenericLiteLLMParams))
for node in ast.walk(parse(PKG / "router.py")):
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_first_present":
        for kw in node.keywords:
            if kw.arg == "key" and isinstance(kw.value, ast.Constant):
                per_deployment.add(kw.value.value)
litellm_params |= per_deployment

# ---------------------------------------------------------------------------------------------
# A model_list entry: the Deployment model, and the keys the routing strategies read from an
# entry beside litellm_params (`deployment.get("tpm")`).
model_list_entry = set(fields(Deployment))
for path in sorted((PKG / "router_strategy").rglob("*.py")):
    model_list_entry |= literal_keys_read_from(parse(path), {"deployment", "_deployment", "d"}) & {
        "tpm",
        "rpm",
    }

# model_info: the router's ModelInfo and the cost-map entry fields LiteLLM registers from it.
model_info = set(fields(RouterModelInfo)) | set(fields(types_utils.ModelInfo))
model_info |= per_deployment - set(fields(GenericLiteLLMParams))
# Keys the router and its strategies read from a deployment's model_info
# (`mi_dict.get("adaptive_router_preferences")`).
all_files = sorted(PKG.rglob("*.py"))
all_trees = {path: parse(path) for path in all_files}
model_info_dicts = {"model_info", "_model_info", "mi", "mi_dict", "model_info_dict", "deployment_model_info"}
for path in [PKG / "router.py", *sorted((PKG / "router_strategy").rglob("*.py")), *sorted((PKG / "router_utils").rglob("*.py"))]:
    model_info |= literal_keys_read_from(all_trees[path], model_info_dicts)
model_info |= set(fields(types_utils.ModelInfoBase))

# ---------------------------------------------------------------------------------------------
# router_settings: proxy_server.py passes router_settings keys to Router() when they are in
# Router.get_valid_args() and not managed outside the config (ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG).
from litellm.constants import ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG  # noqa: E402

router_settings = set(litellm.Router.get_valid_args()) - set(ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG)

# litellm_settings: proxy_server.py sets every key on the litellm module (`setattr(litellm,
# key, value)`) after handling some by name; the keys with an effect are the module's own
# settings (top-level assignments in litellm/__init__.py), the keys handled by name, and the
# keys read from litellm_settings elsewhere in the proxy.
proxy_files = sorted((PKG / "proxy").rglob("*.py"))
init_tree = parse(PKG / "__init__.py")
module_settings = set()
for node in init_tree.body:
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.ImportFrom):
        # `from litellm._logging import set_verbose, ...`: settings defined elsewhere
        module_settings |= {a.asname or a.name for a in node.names if (a.asname or a.name).islower()}
    for t in targets:
        if isinstance(t, ast.Name) and t.id.islower():
            module_settings.add(t.id)
litellm_settings = set(module_settings)
by_name = set()
for path in proxy_files:
    tree = parse(path)
    litellm_settings |= literal_keys_read_from(tree, {"litellm_settings", "_litellm_settings"})
    # `elif key == "cache_params":` in the loop over litellm_settings
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and node.left.id == "key"
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)
            and isinstance(node.comparators[0], ast.Constant)
            and isinstance(node.comparators[0].value, str)
            and path.name == "proxy_server.py"
        ):
            by_name.add(node.comparators[0].value)
litellm_settings |= by_name
# Integrations read their own params from litellm_settings
# (`litellm_settings["code_interpreter_interception_params"]`).
for path, tree in all_trees.items():
    litellm_settings |= literal_keys_read_from(tree, {"litellm_settings", "_litellm_settings"})

# general_settings: ConfigGeneralSettings, and every key the proxy reads from general_settings.
from litellm.proxy._types import ConfigGeneralSettings, ConfigYAML  # noqa: E402

general_settings = set(fields(ConfigGeneralSettings))
# Every name the proxy gives the general_settings dict (`proxy_general_settings`,
# `resolved_general_settings`, ...); in helper modules also `settings`.
gs_names = {"general_settings", "_general_settings", "proxy_general_settings", "resolved_general_settings"}
for path in proxy_files:
    extra_names = {"settings"} if path.name != "proxy_server.py" else set()
    general_settings |= literal_keys_read_from(parse(path), gs_names | extra_names)

# Top-level keys: ConfigYAML, the include key, and what ProxyConfig reads from `config`.
top_level = set(fields(ConfigYAML))
from litellm.proxy.common_utils.config_includes import INCLUDE_KEY  # noqa: E402

top_level.add(INCLUDE_KEY)
server_tree = parse(PKG / "proxy" / "proxy_server.py")


def reads_another_config(fn):
    """A method whose `config` is some other record (`config = X.validate_python(...)`)."""
    for n in ast.walk(fn):
        if (
            isinstance(n, (ast.Assign, ast.AnnAssign))
            and any(isinstance(t, ast.Name) and t.id == "config" for t in getattr(n, "targets", [getattr(n, "target", None)]))
            and isinstance(n.value, ast.Call)
            and isinstance(n.value.func, ast.Attribute)
            and n.value.func.attr == "validate_python"
        ):
            return True
    return False


for node in server_tree.body:
    if isinstance(node, ast.ClassDef) and node.name == "ProxyConfig":
        for fn in node.body:
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and not reads_another_config(fn):
                top_level |= literal_keys_read_from(fn, {"config"})

# ---------------------------------------------------------------------------------------------
# Deprecated keys: fields whose description says so, with the key that replaces them.
REPLACED_BY = re.compile(r"(?:[Uu]se|in favou?r of) '?`?([a-z_]+)`?'?")


def deprecated_fields(model, block):
    out = {}
    for name, f in getattr(model, "model_fields", {}).items():
        desc = f.description or ""
        if "deprecated" in desc.lower():
            m = REPLACED_BY.search(desc)
            out[f"{block}.{name}"] = m.group(1) if m else None
    return out


deprecated = {}
deprecated.update(deprecated_fields(ConfigGeneralSettings, "general_settings"))
deprecated.update(deprecated_fields(UpdateRouterConfig, "router_settings"))
deprecated.update(deprecated_fields(GenericLiteLLMParams, "litellm_params"))
# Router arguments the router warns about by name: "Deprecated 'redis_db' argument used".
router_src = (PKG / "router.py").read_text(encoding="utf-8")
for m in re.finditer(r"Deprecated '([a-z_]+)' argument used\. Please remove '[a-z_]+' .*?use '([a-z_]+)'", router_src):
    deprecated[f"router_settings.{m.group(1)}"] = m.group(2)

# litellm module settings LiteLLM's own comments call deprecated:
# `model_fallbacks: Optional[List] = None  # Deprecated for 'litellm.fallbacks'`.
for line in (PKG / "__init__.py").read_text(encoding="utf-8").splitlines():
    m = re.match(r"^([a-z_][a-z0-9_]*)\s*[:=][^#]*#\s*(.*)$", line)
    if m and re.search(r"deprecated|older variable", m.group(2), re.I):
        r = re.search(r"'litellm\.([a-z_]+)'|use ([a-z_]+) instead", m.group(2))
        deprecated[f"litellm_settings.{m.group(1)}"] = (r.group(1) or r.group(2)) if r else None
# general_settings keys read right under a `### [DEPRECATED] ...` comment in proxy_server.py.
server_lines = (PKG / "proxy" / "proxy_server.py").read_text(encoding="utf-8").splitlines()
for i, line in enumerate(server_lines[:-1]):
    if "[DEPRECATED]" in line and line.strip().startswith("#"):
        m = re.search(r'general_settings\.get\("([a-z_]+)"', server_lines[i + 1])
        if m:
            deprecated[f"general_settings.{m.group(1)}"] = None

# ---------------------------------------------------------------------------------------------
# Providers: the prefixes get_llm_provider accepts (provider_list, JSON-configured providers).
from litellm.llms.openai_like.json_loader import JSONProviderRegistry  # noqa: E402
from litellm.litellm_core_utils.get_llm_provider_logic import get_llm_provider  # noqa: E402

JSONProviderRegistry.load()
providers = {p.value if hasattr(p, "value") else str(p) for p in litellm.provider_list}
providers |= set(JSONProviderRegistry.list_providers())


def infer(model, api_base=None):
    try:
        _, provider, _, _ = get_llm_provider(model=model, api_base=api_base)
        return provider
    except Exception:
        return None


# Known model names -> provider: run LiteLLM's own inference on every name it lists. Names
# written with a provider prefix resolve through the prefix and are left out.
candidates = set(litellm.model_cost)
for attr in dir(litellm):
    v = getattr(litellm, attr, None)
    if attr.endswith("_models") and isinstance(v, (list, set, tuple)):
        candidates |= {m for m in v if isinstance(m, str)}
model_providers = {}
for name in sorted(candidates):
    if "/" in name and name.split("/", 1)[0] in providers:
        continue
    p = infer(name)
    if p:
        model_providers[name] = p

# Provider inference rules in get_llm_provider that are not lists: `model.startswith("x")`,
# `"x" in model`, `model == "x"`, each with the provider its branch assigns.
rules = []
src = inspect.getsource(get_llm_provider)
fn = ast.parse(src).body[0]
for node in ast.walk(fn):
    if not isinstance(node, ast.If):
        continue
    assigned = [
        n.value.value
        for n in node.body
        if isinstance(n, ast.Assign)
        and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id == "custom_llm_provider"
        and isinstance(n.value, ast.Constant)
    ]
    if not assigned:
        continue
    tests = node.test.values if isinstance(node.test, ast.BoolOp) else [node.test]
    for t in tests:
        kind = text = None
        if (
            isinstance(t, ast.Call)
            and isinstance(t.func, ast.Attribute)
            and t.func.attr == "startswith"
            and isinstance(t.func.value, ast.Name)
            and t.func.value.id == "model"
            and isinstance(t.args[0], ast.Constant)
        ):
            kind, text = "prefix", t.args[0].value
        elif (
            isinstance(t, ast.Compare)
            and isinstance(t.ops[0], ast.In)
            and isinstance(t.left, ast.Constant)
            and isinstance(t.comparators[0], ast.Name)
            and t.comparators[0].id == "model"
        ):
            kind, text = "contains", t.left.value
        elif (
            isinstance(t, ast.Compare)
            and isinstance(t.ops[0], ast.Eq)
            and isinstance(t.left, ast.Name)
            and t.left.id == "model"
            and isinstance(t.comparators[0], ast.Constant)
        ):
            kind, text = "exact", t.comparators[0].value
        if kind:
            rule = [kind, text, assigned[0]]
            if rule not in rules:
                rules.append(rule)

# Routing rules of the cost map's fallback_generalizations (regex -> provider), in order.
from litellm.litellm_core_utils.fallback_generalizations import get_fallback_generalization_rules  # noqa: E402

routing_rules = []
for r in get_fallback_generalization_rules():
    info = r.get("model_info", {})
    if list(info) == ["litellm_provider"] or ("litellm_provider" in info and "extends" in r):
        routing_rules.append([r["pattern"], info["litellm_provider"]])

# api_base hosts that name a provider on their own (get_llm_provider's endpoint branch).
endpoints = {}
for e in litellm.openai_compatible_endpoints:
    base = e if "://" in e else f"https://{e}"
    p = infer("fgc-probe-unknown-model", api_base=base)
    if p:
        endpoints[e] = p

# ---------------------------------------------------------------------------------------------
# The nested blocks that shared state and secrets need: `litellm_settings.cache_params` is passed
# to `litellm.Cache(**cache_params)` (its other keyword arguments reach the Redis client), with
# `type` one of LiteLLMCacheType; `general_settings.coordination_redis` is validated as
# CoordinationRedisParams; a `credential_list` item as CredentialItem; `environment_variables`
# keys the proxy refuses to set (ProxyConfig._BLOCKED_ENV_KEYS).
from litellm.caching.caching import Cache, LiteLLMCacheType  # noqa: E402
from litellm.proxy._types import CoordinationRedisParams  # noqa: E402
from litellm.proxy.proxy_server import ProxyConfig  # noqa: E402
from litellm.types.utils import CredentialItem  # noqa: E402

cache_params = {
    p.name
    for p in inspect.signature(Cache.__init__).parameters.values()
    if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
}
# Cache's other keyword arguments go to the Redis client (`RedisCache(**kwargs)`), which
# takes the arguments `litellm._redis` lets through (`url`, `db`, `ssl`, ...).
from litellm._redis import _get_redis_kwargs  # noqa: E402

cache_params |= set(_get_redis_kwargs())
cache_types = sorted(t.value for t in LiteLLMCacheType)
coordination_redis = set(fields(CoordinationRedisParams))
credential_item = set(fields(CredentialItem))
blocked_environment_variables = sorted(ProxyConfig._BLOCKED_ENV_KEYS)

# ---------------------------------------------------------------------------------------------
from litellm.router_utils.routing_groups import VALID_ROUTING_STRATEGIES  # noqa: E402
from litellm.proxy.auth import master_key_boot_check as mk  # noqa: E402
from litellm.constants import ROUTER_MAX_FALLBACKS  # noqa: E402

out = {
    "litellm_version": version("litellm"),
    "generated_by": "scripts/litellm-vocab.py",
    "top_level": keys(top_level),
    "model_list_entry": keys(model_list_entry),
    "litellm_params": keys(litellm_params),
    "per_deployment": keys(per_deployment),
    "model_info": keys(model_info),
    "router_settings": keys(router_settings),
    "litellm_settings": keys(litellm_settings),
    "general_settings": keys(general_settings),
    "cache_params": keys(cache_params),
    "coordination_redis": keys(coordination_redis),
    "credential_item": keys(credential_item),
    "deprecated": dict(sorted(deprecated.items())),
    "providers": sorted(providers),
    "model_providers": model_providers,
    "model_rules": rules,
    "routing_rules": routing_rules,
    "provider_endpoints": dict(sorted(endpoints.items())),
    "routing_strategies": sorted(VALID_ROUTING_STRATEGIES),
    "cache_types": cache_types,
    "blocked_environment_variables": blocked_environment_variables,
    "master_key_env": mk.MASTER_KEY_ENV_VAR,
    "master_key_override_setting": mk.WEAK_OR_UNSET_MASTER_KEY_OVERRIDE_SETTING,
    "master_key_override_env": mk.WEAK_OR_UNSET_MASTER_KEY_OVERRIDE_ENV_VAR,
    "publicly_known_master_key_sha256": sorted(mk.PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS),
    "router_max_fallbacks": ROUTER_MAX_FALLBACKS,
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
