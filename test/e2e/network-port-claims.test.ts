/**
 * Published-port claims are atomic (FINDINGS #18): two sandboxes set up in parallel for the
 * same host port, before either has a process in its netns (a service with two replicas
 * started at once), get exactly one winner; the other fails with PORT_IN_USE naming the
 * winner. Random ports of parallel setups are distinct. A container that ran and stopped
 * (no process left) still releases its ports.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, type PortBinding } from '../../engine/api/types.js';
import { newId } from '../../engine/common/naming.js';
import { run } from '../../engine/common/exec.js';
import { type Background, nsBackground, testNetworkManager, waitFor } from '../../engine/network/testkit.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

let root: string;
let mgr: ReturnType<typeof testNetworkManager>;
let extra: ReturnType<typeof testNetworkManager>[];
let bg: Background[];

beforeEach(async () => {
  root = tempRoot('claims');
  mgr = testNetworkManager(root);
  await mgr.init();
  extra = [];
  bg = [];
});

afterEach(async () => {
  for (const b of bg) await b.stop();
  for (const s of await mgr.list()) for (const cid of Object.keys(s.containers)) await mgr.teardownSandbox(cid);
  await mgr.prune();
  for (const m of extra) await m.close();
  await mgr.close();
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function request(name: string, ports: PortBinding[]) {
  return { containerId: newId(), name, hostname: name, endpoints: [{ network: 'app' }], ports };
}

/** DNAT rules of this root's chain that target host port `p`. */
async function dnatRules(p: number): Promise<string[]> {
  const chain = `${mgr['ctx'].naming.long.toUpperCase()}-DNAT`;
  const out = (await run('iptables', ['-w', '-t', 'nat', '-S'], { allowFail: true })).stdout;
  return out.split('\n').filter((l) => l.includes(' -j DNAT') && l.includes(`--dport ${p} `) && l.toUpperCase().includes(chain));
}

describe('published port claims', () => {
  it('two parallel setups of one host port: exactly one wins, the other fails naming it; one DNAT rule', async () => {
    await mgr.create({ name: 'app' });
    const p = await freePort();
    const binding: PortBinding[] = [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: p }];
    const reqs = [request('web-1', binding), request('web-2', binding)];
    // checkPorts then setupSandbox, as the runtime starts a container; both at once
    const results = await Promise.allSettled(reqs.map(async (r) => (await mgr.checkPorts(r.containerId, r.ports), mgr.setupSandbox(r))));
    const ok = results.flatMap((r, i) => (r.status === 'fulfilled' ? [reqs[i]!] : []));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as EngineError] : []));
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'PORT_IN_USE' });
    expect(failed[0]!.message).toContain(ok[0]!.name);
    expect(failed[0]!.details?.containerId).toBe(ok[0]!.containerId);
    expect(await dnatRules(p)).toHaveLength(1);
    // the loser left nothing behind
    const loser = reqs.find((r) => r !== ok[0])!;
    expect(fs.existsSync(`/run/netns/${mgr['ctx'].naming.long}-${loser.containerId.slice(0, 12)}`)).toBe(false);

    // still refused while the winner is starting (no process yet), from a second manager on
    // the same root too (another engine process on this root)
    const other = testNetworkManager(root);
    extra.push(other);
    const third = request('web-3', binding);
    await expect(other.setupSandbox(third)).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(ok[0]!.name) });

    // the winner runs, then stops (no process left): the port is free again (recreate)
    const ns = `${mgr['ctx'].naming.long}-${ok[0]!.containerId.slice(0, 12)}`;
    const proc = nsBackground(ns, ['busybox', 'sleep', '600']);
    bg.push(proc);
    await waitFor('the start to be seen', async () => {
      const rec = JSON.parse(fs.readFileSync(`${root}/network/sandboxes/${ok[0]!.containerId}.json`, 'utf8'));
      return rec.claim?.running === true;
    });
    await expect(mgr.setupSandbox(third)).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    // an engine restart keeps the claim (it lives in the sandbox record)
    const restarted = testNetworkManager(root);
    extra.push(restarted);
    await restarted.init();
    await expect(restarted.setupSandbox(third)).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(ok[0]!.name) });
    await proc.stop();
    const sb = await mgr.setupSandbox(third);
    expect(sb.ports[0]!.hostPort).toBe(p);
    expect(await dnatRules(p)).toHaveLength(1);
  });

  it('a claim stays with its container across parallel setups of many replicas, and a teardown releases it', async () => {
    await mgr.create({ name: 'app' });
    const p = await freePort();
    const binding: PortBinding[] = [{ containerPort: 80, protocol: 'tcp', hostPort: p }];
    const reqs = [1, 2, 3, 4].map((k) => request(`rep-${k}`, binding));
    const results = await Promise.allSettled(reqs.map((r) => mgr.setupSandbox(r)));
    const winners = reqs.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).message).toContain(winners[0]!.name);
    await mgr.teardownSandbox(winners[0]!.containerId);
    const next = reqs.find((r) => r !== winners[0])!;
    expect((await mgr.setupSandbox(next)).ports[0]!.hostPort).toBe(p);
  });

  it('an unstarted claim of an engine that died (crash between setup and start) does not block the port', async () => {
    await mgr.create({ name: 'app' });
    const p = await freePort();
    const binding: PortBinding[] = [{ containerPort: 80, protocol: 'tcp', hostPort: p }];
    const first = request('crashed', binding);
    await mgr.setupSandbox(first);
    const second = request('next', binding);
    await expect(mgr.setupSandbox(second)).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining('crashed') });
    // the claimer is gone: a pid that does not exist stands for the crashed engine
    const file = `${root}/network/sandboxes/${first.containerId}.json`;
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(rec.claim).toMatchObject({ pid: process.pid });
    rec.claim.pid = 2 ** 22 + 4321;
    fs.writeFileSync(file, JSON.stringify(rec));
    expect((await mgr.setupSandbox(second)).ports[0]!.hostPort).toBe(p);
  });

  it('parallel setups asking for a random host port get distinct ports', async () => {
    await mgr.create({ name: 'app' });
    const reqs = [1, 2, 3, 4, 5, 6].map((k) => request(`rnd-${k}`, [{ containerPort: 80, protocol: 'tcp' }]));
    const sbs = await Promise.all(reqs.map((r) => mgr.setupSandbox(r)));
    const ports = sbs.map((s) => s.ports[0]!.hostPort);
    for (const x of ports) expect(x).toBeGreaterThan(0);
    expect(new Set(ports).size).toBe(ports.length);
    // and a netns without a process yet does not lose its random port to a later setup
    for (const x of ports) expect(await dnatRules(x)).toHaveLength(1);
  });
});
