#!/bin/sh
# Writes a busybox root filesystem tarball (from Debian's busybox-static) to $1.
# No registry is reachable on these machines, so the demo image is made locally.
set -eu
out="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/sbin" "$tmp/usr/bin" "$tmp/usr/sbin" "$tmp/etc" "$tmp/tmp" "$tmp/root" "$tmp/var/www" "$tmp/proc" "$tmp/sys" "$tmp/dev"
chmod 1777 "$tmp/tmp"
cp "$(command -v busybox)" "$tmp/bin/busybox"
for a in $("$tmp/bin/busybox" --list-full); do
  [ "$a" = bin/busybox ] && continue
  [ -e "$tmp/$a" ] || { mkdir -p "$tmp/$(dirname "$a")"; ln -s /bin/busybox "$tmp/$a"; }
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$tmp/etc/group"
tar -C "$tmp" --numeric-owner --owner=0 --group=0 -cf "$out" .
