/**
 * A per-test BERTH_ROOT in a temp dir, so tests never touch /var/lib/berth or each other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempRoot(label = 'e2e'): string {
  // Short paths: overlay mount options and unix socket paths (108 bytes) have length limits.
  fs.mkdirSync('/tmp/bt', { recursive: true });
  return fs.mkdtempSync(path.join('/tmp/bt', `${label.slice(0, 8)}-`));
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Fails loudly (not skips) when an end-to-end test is not run as root: CI runs as root. */
export function requireRoot(): void {
  if (!isRoot()) throw new Error('end-to-end tests need root (CI runs them as root)');
}

export { os };
