#!/usr/bin/env bash
# Builds the kafkette-wasm package into wasm/pkg/ (an ES module for browsers, `--target web`,
# also loadable from Node with initSync). Installs what it needs, is safe to run twice, and
# does next to nothing when nothing changed. See DESIGN.md, "Building for WebAssembly".
#
# Toolchain: rustup's, if it has the wasm32-unknown-unknown standard library; otherwise
# Debian's rustc-web (/usr/bin/cargo, /usr/bin/rustc), which builds std from rust-web-src
# with -Zbuild-std and links with wasm-ld from lld.
#
# Environment: HOST_CARGO (cargo for host tools, default `cargo`), WASM_PROFILE (release),
# KAFKETTE_TOOLS (where wasm-bindgen-cli is installed, default $CARGO_HOME/kafkette-tools),
# WASM_TARGET_DIR (cargo target dir, default target/wasm).
set -euo pipefail
# The braces make bash read the whole script before running it, so editing it mid-build is safe.
{

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

target=wasm32-unknown-unknown
crate=kafkette-wasm
lib=kafkette_wasm
profile="${WASM_PROFILE:-release}"
target_dir="${WASM_TARGET_DIR:-$root/target/wasm}"
out_dir="$root/wasm/pkg"
host_cargo="${HOST_CARGO:-cargo}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
tools="${KAFKETTE_TOOLS:-$cargo_home/kafkette-tools}"

say() { echo "wasm/build.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Runs a command as root (apt-get): directly if we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

# --- 1. Rust toolchain for wasm32 -------------------------------------------------------------

debian_ready() {
    [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && /usr/bin/rustc --version 2>/dev/null | grep -q '^rustc 1\.' \
        && [ -f /usr/lib/rustlib/src/rust/library/Cargo.lock ] && command -v wasm-ld >/dev/null
}

if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    toolchain=rustup
    cargo=("$host_cargo")
    build_std=()
else
    toolchain=debian
    if ! debian_ready; then
        pkgs=(rustc-web cargo-web rust-web-src lld)
        say "installing ${pkgs[*]} (Debian's Rust for the web, builds std from source)"
        # Wait for a concurrent apt rather than fail; refresh the index only if the install fails.
        apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
        if ! as_root "${apt[@]}" install "${pkgs[@]}"; then
            as_root "${apt[@]}" update
            as_root "${apt[@]}" install "${pkgs[@]}"
        fi
        debian_ready || die "Debian's Rust for the web is still incomplete after installing ${pkgs[*]}"
    fi
    # /usr/bin/cargo must drive /usr/bin/rustc (the one matching rust-web-src), not the rustup
    # proxy that comes first on PATH.
    cargo=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld /usr/bin/cargo)
    build_std=(-Zbuild-std=std,panic_abort)
fi

# --- 2. wasm-bindgen-cli at exactly the version Cargo.lock pins -----------------------------------

# The lock file may lack the crate until the first cargo run resolves it (a fresh checkout
# always has it; this covers a dependency edit).
bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { found = 1; next } found && /^version = / { gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}
[ -n "$(bindgen_version)" ] || "$host_cargo" metadata --format-version 1 >/dev/null
version="$(bindgen_version)"
[ -n "$version" ] || die "no wasm-bindgen in Cargo.lock"

installed_version() { "$1" --version 2>/dev/null | awk '{ print $2 }'; }

bindgen=""
if command -v wasm-bindgen >/dev/null && [ "$(installed_version wasm-bindgen)" = "$version" ]; then
    bindgen="$(command -v wasm-bindgen)"
else
    # One directory per version, shared by every checkout and worktree on the machine.
    bindgen_root="$tools/wasm-bindgen-$version"
    bindgen="$bindgen_root/bin/wasm-bindgen"
    if [ "$(installed_version "$bindgen")" != "$version" ]; then
        mkdir -p "$tools"
        say "installing wasm-bindgen-cli $version into $bindgen_root"
        (
            flock 9
            if [ "$(installed_version "$bindgen")" != "$version" ]; then
                install=("$host_cargo" install -q --root "$bindgen_root" --force wasm-bindgen-cli --version "=$version")
                # --locked can fail when its lock file names crates the registry index lacks.
                "${install[@]}" --locked || "${install[@]}"
            fi
        ) 9>"$tools/.wasm-bindgen-$version.lock"
        [ "$(installed_version "$bindgen")" = "$version" ] || die "wasm-bindgen-cli $version did not install"
    fi
fi

# --- 3. Compile ---------------------------------------------------------------------------------------

# One build at a time per checkout: cargo locks its target dir itself, but the swap of
# wasm/pkg below must not interleave with another run's.
mkdir -p "$target_dir"
exec 8>"$target_dir/.build.lock"
flock 8

say "compiling $crate for $target ($toolchain toolchain, $profile)"
# No line tables: the workspace's release profile keeps them for native profiling, but
# wasm-bindgen strips them again, and std built from source compiles faster without.
CARGO_PROFILE_RELEASE_DEBUG=0 "${cargo[@]}" build -q --profile "$profile" --target "$target" "${build_std[@]}" \
    --target-dir "$target_dir" -p "$crate"

profile_dir="$profile"
[ "$profile" = dev ] && profile_dir=debug
wasm="$target_dir/$target/$profile_dir/$lib.wasm"
[ -f "$wasm" ] || die "cargo did not produce $wasm"

# --- 4. JavaScript bindings -------------------------------------------------------------------------

stamp="$out_dir/.stamp"
want_stamp="wasm-bindgen $version, $toolchain, $wasm"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && [ "$out_dir/${lib}_bg.wasm" -nt "$wasm" ]; then
    say "wasm/pkg is up to date"
    exit 0
fi

tmp="$(mktemp -d "$root/wasm/.pkg.XXXXXX")"
chmod 755 "$tmp"  # mktemp makes it private; the playground serves it
trap 'rm -rf "$tmp"' EXIT
"$bindgen" --target web --out-dir "$tmp" "$wasm"
# `type: module` lets Node import the ES module glue as it is (tests, tools).
cat >"$tmp/package.json" <<EOF
{
  "name": "kafkette-wasm",
  "private": true,
  "type": "module",
  "main": "$lib.js",
  "types": "$lib.d.ts",
  "files": ["$lib.js", "$lib.d.ts", "${lib}_bg.wasm", "${lib}_bg.wasm.d.ts"]
}
EOF
echo "$want_stamp" >"$tmp/.stamp"
# Swap the whole directory so a reader never sees a half-written package.
rm -rf "$out_dir.old"
[ -d "$out_dir" ] && mv "$out_dir" "$out_dir.old"
mv "$tmp" "$out_dir"
rm -rf "$out_dir.old"
trap - EXIT
say "wrote $out_dir ($(du -k "$out_dir/${lib}_bg.wasm" | cut -f1) KiB wasm)"
exit
}
