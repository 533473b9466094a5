#!/usr/bin/env bash
# Build a static Linux binary of fgc (x86_64, musl) and its SHA-256 checksum, for machines
# without Rust:
#
#   scripts/build-static.sh            # -> dist/fgc-x86_64-unknown-linux-musl{,.sha256}
#
# On the target machine:
#   sha256sum -c fgc-x86_64-unknown-linux-musl.sha256
#   install -m 0755 fgc-x86_64-unknown-linux-musl ~/.local/bin/fgc
#
# Needs the musl target (`rustup target add x86_64-unknown-linux-musl`, done here when rustup
# is there) and a C compiler for musl, for ring's C and assembly parts (`musl-gcc`: Debian's
# musl-tools). The build uses the versions in Cargo.lock (--locked).
set -euo pipefail

target=x86_64-unknown-linux-musl
root="$(cd "$(dirname "$0")/.." && pwd)"
dist="${DIST:-$root/dist}"

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$target"; then
    echo "installing the $target target (rustup target add)" >&2
    rustup target add "$target"
fi

if ! command -v x86_64-linux-musl-gcc >/dev/null && ! command -v musl-gcc >/dev/null; then
    echo "error: no C compiler for musl (ring needs one): install musl-tools (apt-get install musl-tools)" >&2
    exit 1
fi
command -v x86_64-linux-musl-gcc >/dev/null || export CC_x86_64_unknown_linux_musl=musl-gcc

cd "$root"
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release --locked --target "$target" --bin fgc

bin="target/$target/release/fgc"
if command -v file >/dev/null; then
    file "$bin" | grep -q "statically linked\|static-pie linked" ||
        { echo "error: $bin is not statically linked: $(file "$bin")" >&2; exit 1; }
fi
mkdir -p "$dist"
name="fgc-$target"
cp "$bin" "$dist/$name"
(cd "$dist" && sha256sum "$name" > "$name.sha256")
echo "$dist/$name" >&2
cat "$dist/$name.sha256"
