/**
 * Published ports end to end: DNAT from 127.0.0.1 and host addresses, hairpin from other
 * sandboxes, UDP, random ports, conflicts naming their holder, rules gone with the sandbox.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../engine/common/naming.js';
import { run } from '../../engine/common/exec.js';
import type { Sandbox } from '../../engine/common/contracts.js';
import type { PortBinding } from '../../engine/api/types.js';
import { type Background, nsBackground, nsName, nsWget, outsideNamespace, testContext, testNetworkManager, waitFor } from '../../engine/network/testkit.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

let root: string;
let mgr: ReturnType<typeof testNetworkManager>;
let bg: Background[];

beforeEach(async () => {
  root = tempRoot('ports');
  mgr = testNetworkManager(root);
  await mgr.init();
  bg = [];
});

afterEach(async () => {
  for (const b of bg) await b.stop();
  for (const s of await mgr.list()) for (const cid of Object.keys(s.containers)) await mgr.teardownSandbox(cid);
  await mgr.prune();
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

async function httpGet(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return await res.text();
  } catch (e) {
    return `ERROR ${(e as Error).message}`;
  }
}

async function web(name: string, network: string, text: string, ports: PortBinding[]): Promise<{ id: string; sb: Sandbox; ns: string }> {
  const id = newId();
  const sb = await mgr.setupSandbox({ containerId: id, name, hostname: name, endpoints: [{ network }], ports });
  const ns = nsName(sb.netnsPath);
  const dir = path.join(root, 'www', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), text);
  bg.push(nsBackground(ns, ['busybox', 'httpd', '-f', '-p', '80', '-h', dir]));
  const ip = sb.endpoints[network]!.ipAddress;
  await waitFor(`httpd in ${name}`, async () => (await nsWget(ns, `http://${ip}/`)).stdout.includes(text));
  return { id, sb, ns };
}

describe('published ports', () => {
  it('a TCP port answers on 127.0.0.1, from a sandbox on the same network (hairpin) and from another network; a random port is reported and answers', async () => {
    await mgr.create({ name: 'pub' });
    await mgr.create({ name: 'elsewhere' });
    const fixed = await freePort();
    const w = await web('web', 'pub', 'hello-published', [
      { containerPort: 80, protocol: 'tcp', hostPort: fixed },
      { containerPort: 80, protocol: 'tcp' },
    ]);
    const random = w.sb.ports.find((p) => p.hostPort !== fixed)!;
    expect(random.hostPort).toBeGreaterThan(0);
    expect(random.hostPort).not.toBe(fixed);
    expect((await mgr.inspect('pub')).containers[w.id]?.name).toBe('web');

    expect(await httpGet(`http://127.0.0.1:${fixed}/`)).toContain('hello-published');
    expect(await httpGet(`http://127.0.0.1:${random.hostPort}/`)).toContain('hello-published');

    const sameNet = await mgr.setupSandbox({ containerId: newId(), name: 'peer', hostname: 'peer', endpoints: [{ network: 'pub' }], ports: [] });
    const gw = sameNet.endpoints.pub!.gateway;
    expect((await nsWget(nsName(sameNet.netnsPath), `http://${gw}:${fixed}/`)).stdout).toContain('hello-published');
    // the container reaching its own published port through the host
    expect((await nsWget(w.ns, `http://${gw}:${fixed}/`)).stdout).toContain('hello-published');

    const other = await mgr.setupSandbox({ containerId: newId(), name: 'far', hostname: 'far', endpoints: [{ network: 'elsewhere' }], ports: [] });
    const otherGw = other.endpoints.elsewhere!.gateway;
    expect((await nsWget(nsName(other.netnsPath), `http://${otherGw}:${fixed}/`)).stdout).toContain('hello-published');
    // ...while the container's own address stays unreachable from the other network
    expect((await nsWget(nsName(other.netnsPath), `http://${w.sb.endpoints.pub!.ipAddress}/`)).code).not.toBe(0);

    // removed with the sandbox
    await mgr.teardownSandbox(w.id);
    expect(await httpGet(`http://127.0.0.1:${fixed}/`)).toMatch(/^ERROR/);
  });

  it('a published port answers another host (a namespace standing for one, reaching the host over its own link)', async () => {
    const outside = await outsideNamespace(testContext(root));
    try {
      await mgr.create({ name: 'ext' });
      const p = await freePort();
      await web('exposed', 'ext', 'hello-remote', [{ containerPort: 80, protocol: 'tcp', hostPort: p }]);
      const hostSide = outside.ip.replace(/\.2$/, '.1');
      const r = await nsWget(outside.ns, `http://${hostSide}:${p}/`);
      expect(r.stdout).toContain('hello-remote');
    } finally {
      await outside.cleanup();
    }
  });

  it('a port published on 127.0.0.1 only answers there, not on other host addresses', async () => {
    await mgr.create({ name: 'lo' });
    const p = await freePort();
    await web('local', 'lo', 'hello-local', [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: p }]);
    expect(await httpGet(`http://127.0.0.1:${p}/`)).toContain('hello-local');
    const peer = await mgr.setupSandbox({ containerId: newId(), name: 'peer2', hostname: 'peer2', endpoints: [{ network: 'lo' }], ports: [] });
    expect((await nsWget(nsName(peer.netnsPath), `http://${peer.endpoints.lo!.gateway}:${p}/`)).code).not.toBe(0);
  });

  it('UDP: a datagram to the published port reaches a UDP echo server in the sandbox and the reply comes back', async () => {
    await mgr.create({ name: 'udp' });
    const id = newId();
    const sb = await mgr.setupSandbox({ containerId: id, name: 'echo', hostname: 'echo', endpoints: [{ network: 'udp' }], ports: [{ containerPort: 7777, protocol: 'udp' }] });
    const hostPort = sb.ports[0]!.hostPort;
    expect(hostPort).toBeGreaterThan(0);
    // busybox has no UDP listener worth using (its nc lacks -u): a Node echo server runs
    // inside the netns instead (`ip netns exec` works for any program)
    const script = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from('echo:'),m]),r.port,r.address));s.bind(7777)";
    bg.push(nsBackground(nsName(sb.netnsPath), [process.execPath, '-e', script]));
    const sock = dgram.createSocket('udp4');
    try {
      let reply = '';
      sock.on('message', (m) => (reply = m.toString()));
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      await waitFor('udp echo', async () => {
        sock.send('ping', hostPort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 200));
        return reply === 'echo:ping';
      });
      expect(reply).toBe('echo:ping');
    } finally {
      sock.close();
    }
  });

  it('a stopped container releases its published ports and DNS name but keeps its address; a restart takes them back', async () => {
    await mgr.create({ name: 's' });
    const p = await freePort();
    const oldId = newId();
    const req = { containerId: oldId, name: 'old', hostname: 'old', endpoints: [{ network: 's' }], ports: [{ containerPort: 80, protocol: 'tcp' as const, hostPort: p }] };
    const old = await mgr.setupSandbox(req);
    const asker = await mgr.setupSandbox({ containerId: newId(), name: 'asker', hostname: 'asker', endpoints: [{ network: 's' }], ports: [] });
    const gw = old.endpoints.s!.gateway;
    const { nsLookup } = await import('../../engine/network/testkit.js');
    expect(await nsLookup(nsName(asker.netnsPath), 'old', gw)).toEqual([old.endpoints.s!.ipAddress]);

    await mgr.deactivateSandbox(oldId);
    expect(await nsLookup(nsName(asker.netnsPath), 'old', gw)).toEqual([]);
    await mgr.checkPorts(newId(), [{ containerPort: 80, protocol: 'tcp', hostPort: p }]);
    const again = await mgr.setupSandbox(req);
    expect(again.endpoints.s!.ipAddress).toBe(old.endpoints.s!.ipAddress);
    expect(await nsLookup(nsName(asker.netnsPath), 'old', gw)).toEqual([old.endpoints.s!.ipAddress]);

    // recreate without deactivate: the old container ran and stopped, its netns runs
    // nothing any more, so a new container may take the port (Compose stops the old one
    // before starting the new one). A netns that never ran a process is a container still
    // starting and keeps its claim (network-port-claims.test.ts).
    const oldRun = nsBackground(nsName(again.netnsPath), ['busybox', 'sleep', '600']);
    bg.push(oldRun);
    await waitFor('the old start to be seen', async () => JSON.parse(fs.readFileSync(path.join(root, 'network', 'sandboxes', `${oldId}.json`), 'utf8')).claim?.running === true);
    await oldRun.stop();
    const fresh = await web('new', 's', 'hello-new', [{ containerPort: 80, protocol: 'tcp', hostPort: p }]);
    expect(fresh.sb.ports[0]!.hostPort).toBe(p);
    expect(await httpGet(`http://127.0.0.1:${p}/`)).toContain('hello-new');
    // ...and the old one cannot take it back while the new one runs
    await expect(mgr.setupSandbox(req)).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining('new') });
  });

  it('a port conflict fails before anything is set up and names the holder: a berth sandbox or a host process', async () => {
    await mgr.create({ name: 'c' });
    const p = await freePort();
    const holder = await mgr.setupSandbox({ containerId: newId(), name: 'holder', hostname: 'holder', endpoints: [{ network: 'c' }], ports: [{ containerPort: 80, protocol: 'tcp', hostPort: p }] });
    // a running container: a process lives in its netns
    bg.push(nsBackground(nsName(holder.netnsPath), ['busybox', 'sleep', '600']));
    await new Promise((r) => setTimeout(r, 200));
    const late = newId();
    await expect(mgr.checkPorts(late, [{ containerPort: 8080, protocol: 'tcp', hostPort: p }])).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining('holder') });
    await expect(
      mgr.setupSandbox({ containerId: late, name: 'late', hostname: 'late', endpoints: [{ network: 'c' }], ports: [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: p }] }),
    ).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    expect(fs.existsSync(`/run/netns/${mgr['ctx'].naming.long}-${late.slice(0, 12)}`)).toBe(false);
    // same port number, other protocol: fine
    await mgr.checkPorts(late, [{ containerPort: 80, protocol: 'udp', hostPort: p }]);

    // a host process (busybox httpd on 127.0.0.1, started by the test)
    const q = await freePort();
    const dir = path.join(root, 'www', 'host');
    fs.mkdirSync(dir, { recursive: true });
    const { spawn } = await import('node:child_process');
    const child = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${q}`, '-h', dir], { stdio: 'ignore' });
    bg.push({ pid: child.pid!, stop: async () => void (child.kill('SIGKILL'), await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)))) });
    await waitFor('host httpd', async () => !(await httpGet(`http://127.0.0.1:${q}/`)).startsWith('ERROR fetch failed'));
    const err = await mgr.checkPorts(late, [{ containerPort: 80, protocol: 'tcp', hostPort: q }]).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'PORT_IN_USE' });
    expect((err as Error).message).toContain(String(child.pid));
    expect((err as Error).message).toContain('busybox');

    // another engine's DNAT rule holds a port without any socket (a chain of our own
    // naming stands in for Docker's; it is never jumped to, so no traffic is affected)
    const fake = `${mgr['ctx'].naming.long.toUpperCase()}-OTHER`;
    const r = await freePort();
    await run('iptables', ['-w', '-t', 'nat', '-N', fake]);
    try {
      await run('iptables', ['-w', '-t', 'nat', '-A', fake, '-p', 'tcp', '-m', 'tcp', '--dport', String(r), '-j', 'DNAT', '--to-destination', '10.213.255.2:80']);
      await expect(mgr.checkPorts(late, [{ containerPort: 80, protocol: 'tcp', hostPort: r }])).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(fake) });
    } finally {
      await run('iptables', ['-w', '-t', 'nat', '-F', fake], { allowFail: true });
      await run('iptables', ['-w', '-t', 'nat', '-X', fake], { allowFail: true });
    }
    // a host address that is not the host's
    await expect(mgr.checkPorts(late, [{ containerPort: 80, protocol: 'tcp', hostIp: '203.0.113.77', hostPort: r }])).rejects.toMatchObject({ code: 'INVALID' });
  });
});
