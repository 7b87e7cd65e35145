/**
 * A BuildRunner for image-store tests written before the container manager existed: it
 * runs a RUN step with `unshare` (mount, pid and, for network none, net namespaces) and
 * `chroot` into the rootfs the builder prepared. NOT the real container runner: builds
 * through the engine use ContainerManager.buildRunner().
 */
import { spawn } from 'node:child_process';
import type { BuildRunner } from '../../engine/common/contracts.js';

export function chrootRunner(): BuildRunner {
  return {
    runStep: (o) =>
      new Promise((resolve, reject) => {
        const env: Record<string, string> = {};
        for (const e of o.env) {
          const i = e.indexOf('=');
          env[e.slice(0, i)] = e.slice(i + 1);
        }
        const user = o.user && /^\d+(:\d+)?$/.test(o.user) ? [`--userspec=${o.user.includes(':') ? o.user : `${o.user}:${o.user}`}`] : [];
        const args = ['--mount', '--pid', '--fork', '--kill-child', ...(o.network === 'none' ? ['--net'] : []), 'chroot', ...user, o.rootfs, '/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', o.workingDir ?? '/', ...o.cmd];
        const child = spawn('unshare', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let partial = '';
        const onData = (b: Buffer): void => {
          out += b.toString();
          partial += b.toString();
          const lines = partial.split('\n');
          partial = lines.pop()!;
          for (const l of lines) o.onOutput?.(l);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('close', (code) => {
          if (partial) o.onOutput?.(partial);
          resolve({ exitCode: code ?? 1, output: out.slice(-4000) });
        });
      }),
  };
}
