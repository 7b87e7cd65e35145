/**
 * Networks under real containers (crun/runc + conmon, the runtime's rig): the
 * acceptance of issue 5 as a user would see it, from inside the containers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerCreateRequest } from '../../engine/api/types.js';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('netctr'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

/** A container serving `text` on port 80 (busybox httpd; KILL as stop signal since httpd ignores TERM as PID 1). */
async function web(name: string, text: string, extra: Partial<ContainerCreateRequest>): Promise<string> {
  const { id } = await rig.mgr.containerCreate({
    image: 'busybox:test',
    name,
    cmd: ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`],
    stopSignal: 'KILL',
    ...extra,
  });
  await rig.mgr.containerStart(id);
  return id;
}

async function idle(name: string, extra: Partial<ContainerCreateRequest>): Promise<string> {
  const { id } = await rig.mgr.containerCreate({ image: 'busybox:test', name, cmd: ['sleep', '600'], stopSignal: 'KILL', ...extra });
  await rig.mgr.containerStart(id);
  return id;
}

async function sh(id: string, script: string): Promise<{ code: number; out: string }> {
  const r = await rig.mgr.containerExec(id, { cmd: ['sh', '-c', script] });
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

const wget = (url: string) => `timeout 3 wget -q -O - ${url}`;

describe('networks under containers', () => {
  it('containers reach each other by name and alias; one on two networks reaches both; different networks cannot', async () => {
    await rig.networks.create({ name: 'front' });
    await rig.networks.create({ name: 'back' });
    const net = (n: string, aliases?: string[]) => ({ network: { mode: 'bridge' as const, endpoints: [{ network: n, aliases }] } });
    await web('web', 'hello-web', net('front', ['www']));
    const db = await web('db', 'hello-db', net('back'));
    const client = await idle('client', net('front'));
    const both = await idle('both', { network: { mode: 'bridge', endpoints: [{ network: 'front' }, { network: 'back' }] } });

    await waitUntil(async () => (await sh(client, wget('http://web/'))).out.includes('hello-web'));
    expect((await sh(client, wget('http://www/'))).out).toContain('hello-web');
    expect((await sh(both, wget('http://web/'))).out).toContain('hello-web');
    expect((await sh(both, wget('http://db/'))).out).toContain('hello-db');
    expect((await sh(client, 'cat /etc/resolv.conf')).out).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect((await sh(client, 'nslookup www')).out).toMatch(/Server:\s+127\.0\.0\.11/);

    const dbIp = (await rig.mgr.containerInspect(db)).networks.back!.ipAddress;
    const byName = await sh(client, wget('http://db/'));
    expect(byName.code).not.toBe(0);
    const byIp = await sh(client, wget(`http://${dbIp}/`));
    expect(byIp.code).not.toBe(0);
    expect(byIp.out).not.toContain('hello-db');
  });

  it('a published port answers on 127.0.0.1 and from another container through the host; the random port is reported', async () => {
    const id = await web('pub', 'hello-published', { ports: [{ containerPort: 80, protocol: 'tcp' }] });
    const info = await rig.mgr.containerInspect(id);
    const hostPort = info.ports[0]!.hostPort;
    expect(hostPort).toBeGreaterThan(0);
    let body = '';
    await waitUntil(async () => {
      body = await fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
      return body.includes('hello-published');
    });
    const other = await idle('other', {});
    const gw = (await rig.mgr.containerInspect(other)).networks.bridge!.gateway;
    expect((await sh(other, wget(`http://${gw}:${hostPort}/`))).out).toContain('hello-published');
    await rig.mgr.containerRemove(id, { force: true });
    const after = await fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), (e: Error) => `ERROR ${e.message}`);
    expect(after).toMatch(/^ERROR/);
  });

  it('two containers started in parallel on one host port: one runs, the other fails naming it; a stop frees the port; random ports differ', async () => {
    const s = (await import('node:net')).createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const p = (s.address() as import('node:net').AddressInfo).port;
    await new Promise((r) => s.close(r));
    const spec = (name: string) => ({
      image: 'busybox:test',
      name,
      cmd: ['sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 80 -h /www`],
      stopSignal: 'KILL',
      ports: [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: p }],
    });
    const ids = [(await rig.mgr.containerCreate(spec('rep-1'))).id, (await rig.mgr.containerCreate(spec('rep-2'))).id];
    const results = await Promise.allSettled(ids.map((id) => rig.mgr.containerStart(id)));
    const won = ids.filter((_, i) => results[i]!.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error & { code?: string }] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.code).toBe('PORT_IN_USE');
    const winner = await rig.mgr.containerInspect(won[0]!);
    expect(lost[0]!.message).toContain(winner.name.replace(/^\//, ''));
    const loserId = ids.find((id) => id !== won[0])!;
    expect((await rig.mgr.containerInspect(loserId)).state.status).not.toBe('running');
    let body = '';
    await waitUntil(async () => {
      body = await fetch(`http://127.0.0.1:${p}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
      return body.includes(winner.name.replace(/^\//, ''));
    });
    // the winner stops: the other one may start now and takes the port
    await rig.mgr.containerStop(won[0]!, { timeout: 1 });
    await rig.mgr.containerStart(loserId);
    expect((await rig.mgr.containerInspect(loserId)).ports[0]!.hostPort).toBe(p);

    // random host ports of parallel starts are distinct
    const rnd = await Promise.all([1, 2, 3].map(async (k) => (await rig.mgr.containerCreate({ image: 'busybox:test', name: `rnd-${k}`, cmd: ['sleep', '600'], stopSignal: 'KILL', ports: [{ containerPort: 80, protocol: 'tcp' }] })).id));
    await Promise.all(rnd.map((id) => rig.mgr.containerStart(id)));
    const ports = await Promise.all(rnd.map(async (id) => (await rig.mgr.containerInspect(id)).ports[0]!.hostPort));
    for (const x of ports) expect(x).toBeGreaterThan(0);
    expect(new Set(ports).size).toBe(3);
  });
});
