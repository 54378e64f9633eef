#!/usr/bin/env bash
# jdk-archive.sh — make the JDK tarball zkk uploads to the VMs (they have no network out,
# so no apt): a Java runtime built from this machine's JDK 17 with jlink (the modules
# ZooKeeper and Kafka use; ~30 MB compressed instead of ~120 MB for the whole JDK), with
# a .sha512 beside it like a release. Prints the tarball's path.
#
# Cached in $ZKK_VAGRANT_CACHE/jdk (default /var/cache/zkk-vagrant): rebuilt only when the
# source JDK (its `release` file) or this script changed. Without jmods (a JRE-only
# install), the JDK directory itself is packed, symlinks resolved, docs and sources left out.
set -euo pipefail
CACHE=${ZKK_VAGRANT_CACHE:-/var/cache/zkk-vagrant}
SRC=${ZKK_VAGRANT_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
MODULES=java.se,jdk.unsupported,jdk.management,jdk.management.agent,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.security.auth,jdk.security.jgss,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.httpserver,jdk.net,jdk.jcmd,jdk.charsets,jdk.localedata
[ -f "$SRC/release" ] || { echo "jdk-archive.sh: $SRC is not a JDK (no release file); set ZKK_VAGRANT_JDK" >&2; exit 1; }
VERSION=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$SRC/release")
NAME=zkk-jre-$VERSION
OUT=$CACHE/jdk/$NAME.tar.gz
KEY=$(cat "$SRC/release" "$0" | sha256sum | cut -c1-16)
if [ -f "$OUT" ] && [ -f "$OUT.sha512" ] && [ "$(cat "$OUT.key" 2>/dev/null)" = "$KEY" ]; then echo "$OUT"; exit 0; fi

mkdir -p "$CACHE/jdk"
WORK=$(mktemp -d "$CACHE/jdk/.build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ -d "$SRC/jmods" ] && [ -x "$SRC/bin/jlink" ]; then
  "$SRC/bin/jlink" --module-path "$SRC/jmods" --add-modules "$MODULES" --output "$WORK/$NAME" \
    --strip-debug --no-header-files --no-man-pages >&2
else
  mkdir -p "$WORK/$NAME"
  tar -C "$SRC" -chf - --exclude=./jmods --exclude=./lib/src.zip --exclude=./man --exclude=./include --exclude=./demo . | tar -C "$WORK/$NAME" -xf -
fi
# gzip (zkk unpacks with tar -xzf); -6 is the default, fast enough here
tar -C "$WORK" --owner=0 --group=0 --numeric-owner -czf "$WORK/out.tar.gz" "$NAME"
mv "$WORK/out.tar.gz" "$OUT"
(cd "$(dirname "$OUT")" && sha512sum "$(basename "$OUT")" > "$OUT.sha512")
echo "$KEY" > "$OUT.key"
echo "[jdk $(date +%T)] $OUT: $(du -h "$OUT" | cut -f1), Java $VERSION from $SRC" >&2
echo "$OUT"
