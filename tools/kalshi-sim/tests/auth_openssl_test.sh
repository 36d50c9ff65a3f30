#!/usr/bin/env bash
# (c) Kalshi request signing checked with independent tools: keys from `openssl genpkey`,
# signatures from `openssl dgst` (RSA-PSS, SHA-256, salt 32), requests sent with curl.
set -euo pipefail
SIM="$1"
T="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

pass=0; fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: expected $2, got $3" >&2; fi
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem"

"$SIM" --port 0 --port-file "$T/port" --fills 300 --key-id test-key-id --public-key "$T/pub.pem" \
  >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT="$(cat "$T/port")"
BASE="http://127.0.0.1:$PORT"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
sign() {  # sign TIMESTAMP METHOD PATH -> base64 signature
  printf '%s%s%s' "$1" "$2" "$3" > "$T/msg"
  openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sign "$T/key.pem" \
    -out "$T/sig.bin" "$T/msg"
  base64 -w0 "$T/sig.bin"
}
call() {  # call KEY TS SIG URL -> HTTP status, body in $T/body
  curl -s -o "$T/body" -w '%{http_code}' -H "KALSHI-ACCESS-KEY: $1" -H "KALSHI-ACCESS-TIMESTAMP: $2" \
    -H "KALSHI-ACCESS-SIGNATURE: $3" "$4"
}
error_code() { sed -n 's/.*"error":{"code":"\([^"]*\)".*/\1/p' "$T/body"; }

P=/trade-api/v2/portfolio/balance
TS=$(now_ms); SIG=$(sign "$TS" GET "$P")
check "signed request accepted" 200 "$(call test-key-id "$TS" "$SIG" "$BASE$P")"
grep -q '"balance_dollars"' "$T/body" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: balance body" >&2; }

# The path is signed without the query string.
P=/trade-api/v2/portfolio/fills
TS=$(now_ms); SIG=$(sign "$TS" GET "$P")
check "query string not signed" 200 "$(call test-key-id "$TS" "$SIG" "$BASE$P?limit=5")"
TS=$(now_ms); SIG=$(sign "$TS" GET "$P?limit=5")
check "signing the query is rejected" 401 "$(call test-key-id "$TS" "$SIG" "$BASE$P?limit=5")"
check "signing the query: code" INCORRECT_API_KEY_SIGNATURE "$(error_code)"

# Tampered signature: flip one base64 character.
TS=$(now_ms); SIG=$(sign "$TS" GET "$P")
FIRST="${SIG:0:1}"; if [ "$FIRST" = "A" ]; then NEW=B; else NEW=A; fi
check "tampered signature" 401 "$(call test-key-id "$TS" "$NEW${SIG:1}" "$BASE$P")"
check "tampered: nested error body" INCORRECT_API_KEY_SIGNATURE "$(error_code)"
# Signature of another method / timestamp.
check "wrong timestamp header" 401 "$(call test-key-id "$((TS + 1))" "$SIG" "$BASE$P")"
# Wrong key id, stale timestamp, missing headers.
TS=$(now_ms); SIG=$(sign "$TS" GET "$P")
check "unknown key id" 401 "$(call other-key "$TS" "$SIG" "$BASE$P")"
OLD=$(( $(now_ms) - 10000 )); SIG=$(sign "$OLD" GET "$P")
check "stale timestamp" 401 "$(call test-key-id "$OLD" "$SIG" "$BASE$P")"
check "missing credentials" 401 "$(curl -s -o "$T/body" -w '%{http_code}' "$BASE$P")"
check "missing credentials: code" authentication_error "$(error_code)"
# Historical data is private too; cutoff and markets are public.
TS=$(now_ms); SIG=$(sign "$TS" GET /trade-api/v2/historical/fills)
check "historical fills signed" 200 "$(call test-key-id "$TS" "$SIG" "$BASE/trade-api/v2/historical/fills?limit=2")"
check "cutoff is public" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/trade-api/v2/historical/cutoff")"

kill -TERM "$PID"; wait "$PID"; RC=$?; PID=""
check "clean shutdown" 0 "$RC"

# A PKCS#1 "RSA PUBLIC KEY" file works as well.
openssl rsa -in "$T/key.pem" -RSAPublicKey_out -out "$T/pub1.pem" 2>/dev/null
rm -f "$T/port"
"$SIM" --port 0 --port-file "$T/port" --fills 100 --key-id k2 --public-key "$T/pub1.pem" >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.05; done
BASE="http://127.0.0.1:$(cat "$T/port")"
P=/trade-api/v2/portfolio/orders
TS=$(now_ms); SIG=$(sign "$TS" GET "$P")
check "PKCS#1 public key" 200 "$(call k2 "$TS" "$SIG" "$BASE$P")"

# A malformed key file is a clear startup error (exit 2).
echo "not a key" > "$T/bad.pem"
set +e
"$SIM" --port 0 --key-id x --public-key "$T/bad.pem" >/dev/null 2>"$T/err"; RC=$?
set -e
check "bad key exit code" 2 "$RC"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
