/**
 * Helpers for end-to-end tests of the network part before (or without) containers: run
 * busybox inside a sandbox's netns, as foreground commands or as background servers the
 * test kills by pid. Only used by tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EventBus } from '../common/events.js';
import { run, type RunResult } from '../common/exec.js';
import { naming } from '../common/naming.js';
import type { EngineContext } from '../common/contracts.js';
import { createNetworkManager } from './index.js';
import type { NetworkManagerOptions } from './manager.js';

export function testContext(root: string, log: string[] = []): EngineContext {
  return { naming: naming(root), events: new EventBus(), log: (m) => log.push(m) };
}

/**
 * A manager whose DNS forwards unknown names to 127.0.0.1 only (tests send no traffic off
 * the host), unless the test gives its own resolv.conf.
 */
export function testNetworkManager(root: string, opts: Partial<NetworkManagerOptions> = {}) {
  const resolvConf = path.join(root, 'test-upstream-resolv.conf');
  if (!fs.existsSync(resolvConf)) {
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(resolvConf, 'nameserver 127.0.0.1\n');
  }
  return createNetworkManager(testContext(root), { resolvConf, hostIpForward: false, ...opts });
}

export function nsName(netnsPath: string): string {
  return path.basename(netnsPath);
}

/** Runs a command inside the netns (never throws; look at code/stdout). */
export function nsRun(ns: string, args: string[], timeoutMs = 10_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, ...args], { allowFail: true, timeoutMs });
}

/**
 * Runs a command inside the netns with `resolvConf` as its /etc/resolv.conf (a private
 * mount namespace), the way a container would see it.
 */
export function nsRunWithResolv(ns: string, resolvConfFile: string, cmd: string, timeoutMs = 10_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, 'unshare', '-m', 'sh', '-c', `mount --bind ${resolvConfFile} /etc/resolv.conf && ${cmd}`], { allowFail: true, timeoutMs });
}

export interface Background {
  pid: number;
  stop(): Promise<void>;
}

/** Starts a long-running command in the netns; `ip netns exec` execs it, so the pid is the server's own. */
export function nsBackground(ns: string, args: string[]): Background {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `timeout 3 busybox wget -q -O - URL` inside a netns (busybox's own -T segfaults). */
export function nsWget(ns: string, url: string): Promise<RunResult> {
  return nsRun(ns, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', url]);
}

/** The A-record addresses busybox nslookup printed for `name` (server lines excluded). */
export async function nsLookup(ns: string, name: string, server: string): Promise<string[]> {
  const r = await nsRun(ns, ['timeout', '5', 'busybox', 'nslookup', '-type=a', name, server]);
  const out: string[] = [];
  const body = r.stdout.split('\n');
  let inAnswer = false;
  for (const l of body) {
    if (/^Name:/.test(l)) inAnswer = true;
    const m = /^Address:\s*([0-9.]+)$/.exec(l.trim());
    if (inAnswer && m) out.push(m[1]!);
  }
  return out;
}

/**
 * A namespace standing for "the rest of the world": a veth to the host with a /30 from
 * 198.18.0.0/15 (the benchmarking range, never routed off a host), a default route back,
 * and forwarding on its host side so replies can come back through the host.
 */
export async function outsideNamespace(ctx: EngineContext): Promise<{ ns: string; ip: string; cleanup(): Promise<void> }> {
  const ns = `${ctx.naming.long}-outside`;
  const veth = `${ctx.naming.short}o0`;
  const third = parseInt(ctx.naming.rootId.slice(0, 2), 16);
  const host = `198.18.${third}.1`;
  const ip = `198.18.${third}.2`;
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run('ip', ['addr', 'add', `${host}/30`, 'dev', veth]);
  await run('ip', ['link', 'set', veth, 'up']);
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${veth}/forwarding`, '1');
  await run('ip', ['-n', ns, 'addr', 'add', `${ip}/30`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', host]);
  return {
    ns,
    ip,
    async cleanup() {
      await run('ip', ['link', 'del', veth], { allowFail: true });
      await run('ip', ['netns', 'del', ns], { allowFail: true });
    },
  };
}
