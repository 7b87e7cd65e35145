/**
 * A busybox root filesystem tarball made from Debian's busybox-static, the image every
 * end-to-end test starts from (no registry is reachable here). Built once per machine into
 * a cache folder under the OS temp dir and reused.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function requireTools(...tools: string[]): void {
  const missing = tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    throw new Error(`end-to-end tests need ${missing.join(', ')}: run scripts/install-deps.sh as root (the README's test command does)`);
  }
}

/** Makes (or reuses) a folder with busybox and its applets, /etc/passwd and /etc/group. */
export function busyboxRootfsDir(): string {
  const dir = path.join(os.tmpdir(), 'berth-test-cache', 'busybox-rootfs');
  if (fs.existsSync(path.join(dir, '.done'))) return dir;
  requireTools('busybox');
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'root', 'var', 'home', 'proc', 'sys', 'dev']) {
    fs.mkdirSync(path.join(tmp, d), { recursive: true });
  }
  fs.chmodSync(path.join(tmp, 'tmp'), 0o1777);
  const busybox = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
  fs.copyFileSync(busybox, path.join(tmp, 'bin/busybox'));
  fs.chmodSync(path.join(tmp, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list-full']).toString().trim().split('\n');
  for (const a of applets) {
    const target = path.join(tmp, a);
    if (a === 'bin/busybox' || fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync('/bin/busybox', target);
  }
  fs.writeFileSync(path.join(tmp, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(tmp, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(tmp, '.done'), '');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

/** A tarball of the busybox root filesystem (uncompressed). */
export function busyboxTarball(): string {
  const dir = busyboxRootfsDir();
  const tarball = path.join(path.dirname(dir), 'busybox-rootfs.tar');
  if (fs.existsSync(tarball)) return tarball;
  const tmp = `${tarball}.tmp-${process.pid}`;
  execFileSync('tar', ['-C', dir, '--exclude', './.done', '--numeric-owner', '--owner=0', '--group=0', '-cf', tmp, '.']);
  fs.renameSync(tmp, tarball);
  return tarball;
}

/** The `--change` lines that make the tarball a usable image, as the README's import does. */
export const BUSYBOX_CHANGES = [`ENV PATH=${DEFAULT_PATH}`, 'CMD ["sh"]'];
