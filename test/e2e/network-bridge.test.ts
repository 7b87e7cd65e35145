/**
 * The bridge network driver end to end, before containers exist: sandboxes are the netns
 * setupSandbox makes, and busybox runs inside them (`ip netns exec`), as a container's
 * processes would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../engine/common/naming.js';
import { run } from '../../engine/common/exec.js';
import type { Sandbox } from '../../engine/common/contracts.js';
import {
  type Background,
  nsBackground,
  nsLookup,
  nsName,
  nsRun,
  nsRunWithResolv,
  nsWget,
  outsideNamespace,
  testContext,
  testNetworkManager,
  waitFor,
} from '../../engine/network/testkit.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

let root: string;
let mgr: ReturnType<typeof testNetworkManager>;
let bg: Background[];
let cleanups: (() => Promise<void>)[];

beforeEach(async () => {
  root = tempRoot('net');
  mgr = testNetworkManager(root);
  await mgr.init();
  bg = [];
  cleanups = [];
});

afterEach(async () => {
  for (const b of bg) await b.stop();
  for (const c of cleanups.reverse()) await c();
  for (const s of await mgr.list()) for (const cid of Object.keys(s.containers)) await mgr.teardownSandbox(cid);
  await mgr.prune();
  await mgr.close();
  assertNoLeaks(root);
  // the shared leak check reads iptables only; IPv6 networks also make an ip6tables chain
  const id = testContext(root).naming.rootId;
  expect((await run('ip6tables', ['-w', '-S'])).stdout.toLowerCase()).not.toContain(id);
  fs.rmSync(root, { recursive: true, force: true });
});

/** A sandbox serving `text` over HTTP on port 80 with busybox httpd. */
async function webSandbox(name: string, endpoints: { network: string; aliases?: string[] }[], text: string, ports: Sandbox['ports'] = []): Promise<{ id: string; sb: Sandbox; ns: string }> {
  const id = newId();
  const sb = await mgr.setupSandbox({ containerId: id, name, hostname: name, endpoints, ports });
  const ns = nsName(sb.netnsPath);
  const dir = path.join(root, 'www', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), text);
  bg.push(nsBackground(ns, ['busybox', 'httpd', '-f', '-p', '80', '-h', dir]));
  const ip = Object.values(sb.endpoints)[0]!.ipAddress;
  await waitFor(`httpd in ${name}`, async () => (await nsWget(ns, `http://${ip}/`)).stdout.includes(text));
  return { id, sb, ns };
}

async function plainSandbox(name: string, endpoints: { network: string; aliases?: string[] }[]): Promise<{ id: string; sb: Sandbox; ns: string }> {
  const id = newId();
  const sb = await mgr.setupSandbox({ containerId: id, name, hostname: name, endpoints, ports: [] });
  return { id, sb, ns: nsName(sb.netnsPath) };
}

describe('bridge networks', () => {
  it('two sandboxes on one network reach each other by name and alias; one on two networks reaches both; different networks cannot', async () => {
    await mgr.create({ name: 'front' });
    await mgr.create({ name: 'back' });
    const web = await webSandbox('web', [{ network: 'front', aliases: ['www'] }], 'hello-from-web');
    const db = await webSandbox('db', [{ network: 'back' }], 'hello-from-db');
    const client = await plainSandbox('client', [{ network: 'front' }]);
    const both = await plainSandbox('both', [{ network: 'front' }, { network: 'back' }]);
    const webIp = web.sb.endpoints.front!.ipAddress;
    const dbIp = db.sb.endpoints.back!.ipAddress;
    const frontGw = client.sb.endpoints.front!.gateway;
    const backGw = both.sb.endpoints.back!.gateway;

    // by name and by alias, through the embedded server on the gateway
    expect(await nsLookup(client.ns, 'web', frontGw)).toEqual([webIp]);
    expect(await nsLookup(client.ns, 'www', frontGw)).toEqual([webIp]);
    expect(await nsLookup(web.ns, 'client', frontGw)).toEqual([client.sb.endpoints.front!.ipAddress]);
    // and as a container would: its resolv.conf points at the gateway, wget resolves the name
    const resolv = path.join(root, 'client-resolv.conf');
    fs.writeFileSync(resolv, client.sb.resolvConf);
    // Docker's resolver address, DNAT'd inside the netns to the server on the gateway
    expect(client.sb.resolvConf).toContain('nameserver 127.0.0.11');
    expect(await nsLookup(client.ns, 'www', '127.0.0.11')).toEqual([webIp]);
    const byName = await nsRunWithResolv(client.ns, resolv, 'timeout 3 busybox wget -q -O - http://www/');
    expect(byName.stdout).toContain('hello-from-web');

    // one sandbox on two networks sees both sides (eth0 and eth1)
    expect(Object.keys(both.sb.endpoints).sort()).toEqual(['back', 'front']);
    expect(await nsLookup(both.ns, 'web', frontGw)).toEqual([webIp]);
    expect(await nsLookup(both.ns, 'db', backGw)).toEqual([dbIp]);
    expect((await nsWget(both.ns, `http://${webIp}/`)).stdout).toContain('hello-from-web');
    expect((await nsWget(both.ns, `http://${dbIp}/`)).stdout).toContain('hello-from-db');
    const links = await nsRun(both.ns, ['ip', '-o', 'link', 'show']);
    expect(links.stdout).toMatch(/eth0/);
    expect(links.stdout).toMatch(/eth1/);

    // a different network: the name is not visible and the address is not reachable
    expect(await nsLookup(client.ns, 'db', frontGw)).toEqual([]);
    const cross = await nsWget(client.ns, `http://${dbIp}/`);
    expect(cross.code).not.toBe(0);
    expect(cross.stdout).not.toContain('hello-from-db');
  });

  it('several sandboxes behind one alias get all addresses, in rotating order; AAAA of a known name is empty, not an error', async () => {
    await mgr.create({ name: 'pool' });
    const a = await plainSandbox('a1', [{ network: 'pool', aliases: ['svc'] }]);
    const b = await plainSandbox('a2', [{ network: 'pool', aliases: ['svc'] }]);
    const gw = a.sb.endpoints.pool!.gateway;
    const ips = [a.sb.endpoints.pool!.ipAddress, b.sb.endpoints.pool!.ipAddress].sort();
    const first = await nsLookup(a.ns, 'svc', gw);
    const second = await nsLookup(a.ns, 'svc', gw);
    expect([...first].sort()).toEqual(ips);
    expect([...second].sort()).toEqual(ips);
    expect(first).not.toEqual(second);
    const aaaa = await nsRun(a.ns, ['timeout', '5', 'busybox', 'nslookup', '-type=aaaa', 'svc', gw]);
    expect(aaaa.stdout + aaaa.stderr).not.toMatch(/NXDOMAIN|can't find/i);
  });

  it('an internal network reaches nothing outside its bridge', async () => {
    const ctx = testContext(root);
    const outside = await outsideNamespace(ctx);
    cleanups.push(outside.cleanup);
    const dir = path.join(root, 'www', 'outside');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), 'hello-from-outside');
    bg.push(nsBackground(outside.ns, ['busybox', 'httpd', '-f', '-p', '80', '-h', dir]));

    await mgr.create({ name: 'open' });
    await mgr.create({ name: 'sealed', internal: true });
    const open = await plainSandbox('open1', [{ network: 'open' }]);
    const sealed = await plainSandbox('sealed1', [{ network: 'sealed' }]);
    const peer = await webSandbox('sealed2', [{ network: 'sealed' }], 'hello-inside');

    // control: a normal network gets out (so a failure below is the internal flag's doing)
    await waitFor('outside httpd', async () => (await nsWget(open.ns, `http://${outside.ip}/`)).stdout.includes('hello-from-outside'));
    // internal: no default route, and even with one the firewall drops it
    expect((await nsRun(sealed.ns, ['ip', 'route', 'show', 'default'])).stdout.trim()).toBe('');
    expect((await nsWget(sealed.ns, `http://${outside.ip}/`)).code).not.toBe(0);
    await nsRun(sealed.ns, ['ip', 'route', 'add', 'default', 'via', sealed.sb.endpoints.sealed!.gateway || (await mgr.inspect('sealed')).ipam[0]!.gateway!]);
    const forced = await nsWget(sealed.ns, `http://${outside.ip}/`);
    expect(forced.code).not.toBe(0);
    expect(forced.stdout).not.toContain('hello-from-outside');
    // inside the bridge everything still works, by name too
    const gw = (await mgr.inspect('sealed')).ipam[0]!.gateway!;
    expect(await nsLookup(sealed.ns, 'sealed2', gw)).toEqual([peer.sb.endpoints.sealed!.ipAddress]);
    expect((await nsWget(sealed.ns, `http://${peer.sb.endpoints.sealed!.ipAddress}/`)).stdout).toContain('hello-inside');
  });

  it('connects and disconnects a live sandbox', async () => {
    await mgr.create({ name: 'n1' });
    await mgr.create({ name: 'n2' });
    const web = await webSandbox('web2', [{ network: 'n2' }], 'hello-n2');
    const s = await plainSandbox('mover', [{ network: 'n1' }]);
    const webIp = web.sb.endpoints.n2!.ipAddress;
    expect((await nsWget(s.ns, `http://${webIp}/`)).code).not.toBe(0);
    const ep = await mgr.connect(s.id, { network: 'n2', aliases: ['moved'] });
    expect(ep.networkName).toBe('n2');
    expect((await nsWget(s.ns, `http://${webIp}/`)).stdout).toContain('hello-n2');
    expect(await nsLookup(web.ns, 'moved', ep.gateway)).toEqual([ep.ipAddress]);
    expect((await mgr.inspect('n2')).containers[s.id]?.aliases).toEqual(['moved']);
    await expect(mgr.remove('n2')).rejects.toMatchObject({ code: 'IN_USE', message: expect.stringContaining('mover') });
    await mgr.disconnect(s.id, 'n2');
    expect((await nsRun(s.ns, ['ip', '-o', 'link', 'show', 'eth1'])).code).not.toBe(0);
    expect((await nsWget(s.ns, `http://${webIp}/`)).code).not.toBe(0);
    expect(await nsLookup(web.ns, 'moved', ep.gateway)).toEqual([]);
  });

  it('honours explicit subnet, gateway, ip_range and static addresses; concurrent setups (two managers, one root) never share an address', async () => {
    await mgr.create({ name: 'custom', ipam: [{ subnet: '10.213.250.0/24', gateway: '10.213.250.254', ipRange: '10.213.250.64/26' }], labels: { team: 'x' } });
    const n = await mgr.inspect('custom');
    expect(n.ipam[0]).toMatchObject({ subnet: '10.213.250.0/24', gateway: '10.213.250.254', ipRange: '10.213.250.64/26' });
    expect((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', n.bridge])).stdout).toContain('10.213.250.254/24');
    expect((await mgr.list({ label: ['team=x'] })).map((x) => x.name)).toEqual(['custom']);
    await expect(mgr.create({ name: 'clash', ipam: [{ subnet: '10.213.250.128/25' }] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(mgr.create({ name: 'custom' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const fixed = await mgr.setupSandbox({ containerId: newId(), name: 'fixed', hostname: 'fixed', endpoints: [{ network: 'custom', ipv4Address: '10.213.250.10' }], ports: [] });
    expect(fixed.endpoints.custom!.ipAddress).toBe('10.213.250.10');
    expect(fixed.endpoints.custom!.gateway).toBe('10.213.250.254');
    expect((await nsRun(nsName(fixed.netnsPath), ['ip', 'route', 'show', 'default'])).stdout).toContain('via 10.213.250.254');
    await expect(mgr.setupSandbox({ containerId: newId(), name: 'dup', hostname: 'dup', endpoints: [{ network: 'custom', ipv4Address: '10.213.250.10' }], ports: [] })).rejects.toMatchObject({ code: 'CONFLICT' });

    const second = testNetworkManager(root);
    cleanups.push(() => second.close());
    const jobs = Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? second : mgr).setupSandbox({ containerId: newId(), name: `par${i}`, hostname: `par${i}`, endpoints: [{ network: 'custom' }], ports: [] }),
    );
    const addrs = (await Promise.all(jobs)).map((s) => s.endpoints.custom!.ipAddress);
    expect(new Set(addrs).size).toBe(6);
    for (const a of addrs) {
      const last = Number(a.split('.')[3]);
      expect(last >= 64 && last < 128).toBe(true);
    }
  });

  it('the default network comes on demand and goes with its last sandbox; network_mode none gets loopback only', async () => {
    const a = await mgr.setupSandbox({ containerId: newId(), name: 'd1', hostname: 'd1', endpoints: [], ports: [], extraHosts: ['db.local:10.1.2.3'], dnsSearch: ['corp.example'], dnsOptions: ['ndots:1'] });
    // without dns_search / dns_opt a sandbox keeps the host's (here the test's resolv.conf)
    fs.appendFileSync(path.join(root, 'test-upstream-resolv.conf'), 'search host.example\noptions edns0\n');
    const b = await mgr.setupSandbox({ containerId: newId(), name: 'd2', hostname: 'd2', endpoints: [], ports: [] });
    expect(Object.keys(a.endpoints)).toEqual(['bridge']);
    const gw = a.endpoints.bridge!.gateway;
    expect(await nsLookup(nsName(a.netnsPath), 'd2', gw)).toEqual([b.endpoints.bridge!.ipAddress]);
    expect(a.hosts).toContain(`${a.endpoints.bridge!.ipAddress}\td1`);
    expect(a.hosts).toContain('10.1.2.3\tdb.local');
    expect(a.resolvConf).toBe('nameserver 127.0.0.11\nsearch corp.example\noptions ndots:1\n');
    expect(b.resolvConf).toBe('nameserver 127.0.0.11\nsearch host.example\noptions edns0\n');
    const bridgeName = (await mgr.inspect('bridge')).bridge;
    for (const s of [a, b]) await mgr.teardownSandbox(Object.keys((await mgr.inspect('bridge')).containers).find((id) => s.netnsPath.endsWith(id.slice(0, 12)))!);
    await expect(mgr.inspect('bridge')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await run('ip', ['link', 'show', bridgeName], { allowFail: true })).code).not.toBe(0);

    const lonely = newId();
    const p = await mgr.setupIsolated(lonely);
    const links = await nsRun(nsName(p), ['ip', '-o', 'link', 'show']);
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
    expect(links.stdout).toMatch(/lo:.*UP/);
    await mgr.teardownSandbox(lonely);
    expect(fs.existsSync(p)).toBe(false);
  });

  it('IPv6 networks: addresses on both families, AAAA by name, reachable on the bridge, isolated from other networks', async () => {
    await mgr.create({ name: 'six', enableIPv6: true });
    await mgr.create({ name: 'six-b', enableIPv6: true, ipam: [{ subnet: 'fd00:beef:1::/64' }] });
    await expect(mgr.create({ name: 'v4only', ipam: [{ subnet: 'fd00:beef:2::/64' }] })).rejects.toMatchObject({ code: 'INVALID' });
    const n = await mgr.inspect('six');
    expect(n.enableIPv6).toBe(true);
    expect(n.ipam[1]!.subnet).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}::\/64$/);
    const w = await webSandbox('web6', [{ network: 'six' }], 'hello-v6');
    const c = await plainSandbox('client6', [{ network: 'six' }]);
    const far = await plainSandbox('far6', [{ network: 'six-b' }]);
    const ip6 = w.sb.endpoints.six!.ipv6Address!;
    expect(ip6).toMatch(/::2$/);
    expect(far.sb.endpoints['six-b']!.ipv6Address).toBe('fd00:beef:1::2');
    const gw = c.sb.endpoints.six!.gateway;
    const aaaa = await nsRun(c.ns, ['timeout', '5', 'busybox', 'nslookup', '-type=aaaa', 'web6', gw]);
    expect(aaaa.stdout).toContain(ip6);
    expect((await nsRun(c.ns, ['busybox', 'ping', '-6', '-c', '1', '-W', '2', ip6])).code).toBe(0);
    expect((await nsWget(c.ns, `http://[${ip6}]/`)).stdout).toContain('hello-v6');
    expect((await nsRun(far.ns, ['busybox', 'ping', '-6', '-c', '1', '-W', '2', ip6])).code).not.toBe(0);
  });

  it('keeps the netns and address across setupSandbox calls (restarts) and repairs after a crash on init', async () => {
    await mgr.create({ name: 'r1' });
    const id = newId();
    const req = { containerId: id, name: 'keeper', hostname: 'keeper', endpoints: [{ network: 'r1' }], ports: [] };
    const first = await mgr.setupSandbox(req);
    const again = await mgr.setupSandbox(req);
    expect(again.netnsPath).toBe(first.netnsPath);
    expect(again.endpoints.r1!.ipAddress).toBe(first.endpoints.r1!.ipAddress);
    const other = await plainSandbox('other', [{ network: 'r1' }]);

    // simulate a crash: the engine dies, its netns vanish (host reboot) or a stray veth stays
    await mgr.close();
    const ctx = testContext(root);
    const stray = `${ctx.naming.short}vdead1`;
    await run('ip', ['link', 'add', stray, 'type', 'veth', 'peer', 'name', `${ctx.naming.short}vdead2`]);
    await run('ip', ['netns', 'del', nsName(first.netnsPath)]);
    await run('iptables', ['-w', '-D', 'FORWARD', '-j', `${ctx.naming.long.toUpperCase()}-FWD`]);

    mgr = testNetworkManager(root);
    await mgr.init();
    expect(fs.existsSync(first.netnsPath)).toBe(true);
    expect((await run('ip', ['link', 'show', stray], { allowFail: true })).code).not.toBe(0);
    expect((await run('iptables', ['-w', '-C', 'FORWARD', '-j', `${ctx.naming.long.toUpperCase()}-FWD`], { allowFail: true })).code).toBe(0);
    const addr = await nsRun(nsName(first.netnsPath), ['ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(addr.stdout).toContain(first.endpoints.r1!.ipAddress);
    // DNS state is rebuilt from the store
    expect(await nsLookup(other.ns, 'keeper', first.endpoints.r1!.gateway)).toEqual([first.endpoints.r1!.ipAddress]);
  });
});
