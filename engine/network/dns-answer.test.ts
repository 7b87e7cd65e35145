import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decide, NameIndex, RCODE } from './dns-answer.js';
import { DnsServer } from './dns-server.js';
import type { NetworkRecord, SandboxRecord } from './store.js';

const net = (id: string, subnet: string, internal = false): NetworkRecord => ({
  id,
  name: id,
  driver: 'bridge',
  created: '',
  internal,
  attachable: false,
  enableIPv6: false,
  labels: {},
  options: {},
  ipam: { subnet, gateway: subnet.replace(/0\/24$/, '1') },
  bridge: `b${id}`,
});
const sb = (cid: string, name: string, eps: [string, string, string[]?][], extra: Partial<SandboxRecord> = {}): SandboxRecord => ({
  containerId: cid.padEnd(64, '0'),
  name,
  hostname: `${name}-host`,
  netns: `ns-${name}`,
  isolated: false,
  endpoints: eps.map(([networkId, ip, aliases], i) => ({ networkId, ifname: `eth${i}`, hostVeth: `v${name}${i}`, ipAddress: ip, macAddress: '', aliases: aliases ?? [] })),
  ports: [],
  ...extra,
});

const networks = [net('front', '10.0.1.0/24'), net('back', '10.0.2.0/24'), net('sealed', '10.0.3.0/24', true)];
const sandboxes = [
  sb('aaa', 'web', [['front', '10.0.1.2', ['www', 'svc']]]),
  sb('bbb', 'web2', [['front', '10.0.1.3', ['svc']]]),
  sb('ccc', 'db', [['back', '10.0.2.2']]),
  sb('ddd', 'both', [['front', '10.0.1.4'], ['back', '10.0.2.3']], { dns: ['9.9.9.9'] }),
  sb('eee', 'hidden', [['sealed', '10.0.3.2']]),
];
const index = new NameIndex(networks, sandboxes);

function query(name: string, type: dnsPacket.RecordType = 'A'): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
}
function answer(d: ReturnType<typeof decide>): dnsPacket.DecodedPacket & { rcode?: string } {
  if (!d || d.kind !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(d)}`);
  return dnsPacket.decode(d.response) as dnsPacket.DecodedPacket & { rcode?: string };
}
const ips = (p: dnsPacket.DecodedPacket) => (p.answers ?? []).map((a) => (a as { data: string }).data);

describe('DNS decisions', () => {
  it('answers names, hostnames, aliases and short ids of containers sharing a network with the asker', () => {
    expect(ips(answer(decide(query('web'), '10.0.1.4', index, [], 0)))).toEqual(['10.0.1.2']);
    expect(ips(answer(decide(query('WEB-HOST.'), '10.0.1.4', index, [], 0)))).toEqual(['10.0.1.2']);
    expect(ips(answer(decide(query('www'), '10.0.1.4', index, [], 0)))).toEqual(['10.0.1.2']);
    expect(ips(answer(decide(query('ccc000000000'), '10.0.2.3', index, [], 0)))).toEqual(['10.0.2.2']);
    const p = answer(decide(query('web'), '10.0.1.3', index, [], 0));
    expect(p.id).toBe(4242);
    expect(p.flag_qr).toBe(true);
    expect(p.rcode).toBe('NOERROR');
  });
  it('gives only the addresses on shared networks', () => {
    // "both" is on front and back; asked from back, only its back address
    expect(ips(answer(decide(query('both'), '10.0.2.2', index, [], 0)))).toEqual(['10.0.2.3']);
  });
  it('returns every address behind one name, rotating the order', () => {
    const a = ips(answer(decide(query('svc'), '10.0.1.4', index, [], 0)));
    const b = ips(answer(decide(query('svc'), '10.0.1.4', index, [], 1)));
    expect([...a].sort()).toEqual(['10.0.1.2', '10.0.1.3']);
    expect(b).toEqual([a[1], a[0]]);
  });
  it('answers AAAA (and other types) of a known name with an empty NOERROR', () => {
    const p = answer(decide(query('web', 'AAAA'), '10.0.1.4', index, [], 0));
    expect(p.rcode).toBe('NOERROR');
    expect(p.answers).toEqual([]);
  });
  it('answers AAAA with the IPv6 addresses of containers on IPv6 networks', () => {
    const v6 = [{ ...net('six', '10.0.6.0/24'), ipam: { subnet: '10.0.6.0/24', gateway: '10.0.6.1', subnet6: 'fd00:6::/64', gateway6: 'fd00:6::1' } }];
    const sbs = [sb('111', 'a6', [['six', '10.0.6.2']]), sb('222', 'b6', [['six', '10.0.6.3']])];
    sbs[1]!.endpoints[0]!.ipv6Address = 'fd00:6::3';
    const idx = new NameIndex(v6, sbs);
    const p = answer(decide(query('b6', 'AAAA'), '10.0.6.2', idx, [], 0));
    expect(ips(p)).toEqual(['fd00:6::3']);
    expect(ips(answer(decide(query('a6', 'AAAA'), '10.0.6.3', idx, [], 0)))).toEqual([]);
  });
  it('answers PTR for visible addresses', () => {
    const p = answer(decide(query('2.1.0.10.in-addr.arpa', 'PTR'), '10.0.1.4', index, [], 0));
    expect((p.answers?.[0] as { data: string }).data).toBe('web');
  });
  it('forwards other names (and names on networks the asker does not share) to the right upstreams', () => {
    expect(decide(query('db'), '10.0.1.2', index, ['1.1.1.1'], 0)).toEqual({ kind: 'forward', upstreams: ['1.1.1.1'] });
    expect(decide(query('example.org'), '10.0.1.4', index, ['1.1.1.1'], 0)).toEqual({ kind: 'forward', upstreams: ['9.9.9.9'] });
  });
  it('refuses to forward for a container only on internal networks; SERVFAIL without upstreams', () => {
    expect(answer(decide(query('example.org'), '10.0.3.2', index, ['1.1.1.1'], 0)).rcode).toBe('REFUSED');
    expect(answer(decide(query('example.org'), '10.0.9.9', index, [], 0)).rcode).toBe('SERVFAIL');
    expect(RCODE.NXDOMAIN).toBe(3);
  });
  it('drops garbage and responses', () => {
    expect(decide(Buffer.from('nope'), '10.0.1.4', index, [], 0)).toBeUndefined();
    const resp = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'web' }] });
    expect(decide(resp, '10.0.1.4', index, [], 0)).toBeUndefined();
  });
});

describe('DNS server forwarding', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  it('relays unknown names to the upstream from resolv.conf and returns its answer unchanged', async () => {
    const upstream = dgram.createSocket('udp4');
    cleanup.push(() => upstream.close());
    upstream.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      upstream.send(dnsPacket.encode({ type: 'response', id: q.id, questions: q.questions, answers: [{ type: 'A', name: q.questions![0]!.name, data: '192.0.2.99' }] }), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    const port = upstream.address().port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dns-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'resolv.conf'), '# test\nnameserver 127.0.0.1\n');
    const server = new DnsServer({ resolvConf: path.join(dir, 'resolv.conf') });
    // the container's own dns servers (with a port here, so the fake upstream is reachable)
    server.setIndex(new NameIndex(networks, [sb('fff', 'asker', [['front', '10.0.1.9']], { dns: [`127.0.0.1:${port}`] })]));
    const res = await server.handle(query('example.org'), '10.0.1.9');
    const p = dnsPacket.decode(res!);
    expect(p.id).toBe(4242);
    expect(ips(p)).toEqual(['192.0.2.99']);
  });

  it('answers SERVFAIL when no upstream replies', async () => {
    const silent = dgram.createSocket('udp4');
    cleanup.push(() => silent.close());
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const server = new DnsServer({ resolvConf: '/nonexistent', timeoutMs: 200 });
    server.setIndex(new NameIndex(networks, [sb('fff', 'asker', [['front', '10.0.1.9']], { dns: [`127.0.0.1:${silent.address().port}`] })]));
    const p = dnsPacket.decode((await server.handle(query('example.org'), '10.0.1.9'))!) as dnsPacket.DecodedPacket & { rcode?: string };
    expect(p.rcode).toBe('SERVFAIL');
  });
});

describe('DNS server upstream failure', () => {
  it('moves past an upstream where nothing listens at once (ICMP refused), not after the timeout', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const deadPort = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const server = new DnsServer({ resolvConf: '/nonexistent', timeoutMs: 5000 });
    server.setIndex(new NameIndex(networks, [sb('fff', 'asker', [['front', '10.0.1.9']], { dns: [`127.0.0.1:${deadPort}`] })]));
    const t0 = Date.now();
    const p = dnsPacket.decode((await server.handle(query('example.org'), '10.0.1.9'))!) as dnsPacket.DecodedPacket & { rcode?: string };
    expect(p.rcode).toBe('SERVFAIL');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('DNS server sockets', () => {
  it('answers over UDP and TCP on the addresses it listens on', async () => {
    const port = 15353 + Math.floor(Math.random() * 1000);
    const server = new DnsServer({ port, resolvConf: '/nonexistent' });
    server.setIndex(new NameIndex(networks, [sb('aaa', 'me', [['front', '127.0.0.1']]), sb('bbb', 'peer', [['front', '10.0.1.7']])]));
    await server.listenOn(['127.0.0.1']);
    try {
      const udp = dgram.createSocket('udp4');
      const viaUdp = await new Promise<Buffer>((resolve) => {
        udp.on('message', (m) => resolve(m));
        udp.send(query('peer'), port, '127.0.0.1');
      });
      udp.close();
      expect(ips(dnsPacket.decode(viaUdp))).toEqual(['10.0.1.7']);
      const { connect } = await import('node:net');
      const viaTcp = await new Promise<Buffer>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(dnsPacket.streamEncode(dnsPacket.decode(query('peer')))));
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            s.destroy();
            resolve(buf.subarray(2));
          }
        });
        s.on('error', reject);
      });
      expect(ips(dnsPacket.decode(viaTcp))).toEqual(['10.0.1.7']);
    } finally {
      await server.close();
    }
  });
});
