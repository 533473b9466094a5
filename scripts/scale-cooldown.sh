#!/usr/bin/env bash
# The cooldown experiment of docs/scale.md: two LiteLLM instances on one config behind no
# load balancer (ports 14001 and 14002), fgc's mock upstream on 9100 serving deployment `a`
# under /a and `b` under /b. Deployment `a` answers 429 once through instance 1 (LiteLLM cools
# a deployment down on a 429 when its group has another one); then instance 2 gets 20
# requests. With a shared Redis instance 2 sends none of them to `a`.
#
#   scripts/scale-cooldown.sh [KEY]     # KEY: the instances' master key
set -euo pipefail
key="${1:-${LITELLM_MASTER_KEY:?set LITELLM_MASTER_KEY or pass the key}}"
mock=http://127.0.0.1:9100
req() {
  curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $key" \
    -H 'content-type: application/json' \
    -d '{"model":"router-default","messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:$1/v1/chat/completions"
}
hits_of() {
  curl -s "$mock/_mock/hits" | python3 -c "import json,sys; print(json.load(sys.stdin)['by_prefix'].get('$1', 0))"
}
curl -s -X POST "$mock/_mock/reset"
curl -s -X POST -d '{"prefix":"a","faults":["429"]}' "$mock/_mock/script"
echo "1) instance 1 (14001) until deployment a has answered 429:"
for _ in $(seq 1 20); do
  req 14001
  [ "$(hits_of a)" -ge 1 ] && break
done
echo
curl -s "$mock/_mock/hits"; echo
echo "2) cooldown keys in Redis:"
redis-cli --scan --pattern '*cooldown*' || true
sleep 3
echo "3) instance 2 (14002), 20 requests:"
for _ in $(seq 1 20); do req 14002; done
echo
curl -s "$mock/_mock/hits"; echo
