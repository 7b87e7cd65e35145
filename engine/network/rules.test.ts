import { describe, expect, it } from 'vitest';
import { isEngineError } from '../api/types.js';
import { parseExtraHost, parseResolvConf, renderHosts, renderResolvConf } from './files.js';
import { chainNames, jumps, renderRules } from './firewall.js';
import { addressesClash, assignPorts, findConflict, parseNatRules, parseSs } from './ports.js';
import type { NetworkRecord, SandboxRecord } from './store.js';

const net = (id: string, subnet: string, bridge: string, internal = false): NetworkRecord => ({
  id, name: id, driver: 'bridge', created: '', internal, attachable: false, enableIPv6: false, labels: {}, options: {},
  ipam: { subnet, gateway: subnet.replace(/0\/24$/, '1') }, bridge,
});

describe('firewall rules', () => {
  const chains = chainNames('berth-abc123');
  const nets = [net('n1', '10.0.1.0/24', 'bthabc123b0'), net('n2', '10.0.2.0/24', 'bthabc123b1', true)];
  const sbs: SandboxRecord[] = [
    { containerId: 'c1', name: 'web', hostname: 'web', netns: 'x', isolated: false, ports: [
      { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
      { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353 },
    ], endpoints: [
      { networkId: 'n2', ifname: 'eth0', hostVeth: 'v0', ipAddress: '10.0.2.5', macAddress: '', aliases: [] },
      { networkId: 'n1', ifname: 'eth1', hostVeth: 'v1', ipAddress: '10.0.1.5', macAddress: '', aliases: [] },
    ] },
  ];
  const text = renderRules(chains, 'bthabc123b+', nets, sbs);
  const lines = text.split('\n');
  it('names chains after the root and jumps once from each built-in chain', () => {
    expect(chains).toEqual({ fwd: 'BERTH-ABC123-FWD', input: 'BERTH-ABC123-IN', dnat: 'BERTH-ABC123-DNAT', post: 'BERTH-ABC123-POST' });
    expect(jumps(chains).map(([t, c]) => `${t}/${c}`)).toEqual(['filter/FORWARD', 'filter/INPUT', 'nat/PREROUTING', 'nat/OUTPUT', 'nat/POSTROUTING']);
    expect(text).toMatch(/^\*filter\n:BERTH-ABC123-FWD - \[0:0\]/);
    expect(lines).toContain('-A BERTH-ABC123-IN -d 10.0.2.1/32 -i bthabc123b1 -p udp -m udp --dport 53 -j ACCEPT');
  });
  it('publishes ports to the address on the first non-internal network, per host address', () => {
    expect(lines).toContain('-A BERTH-ABC123-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.1.5:80');
    expect(lines).toContain('-A BERTH-ABC123-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.0.1.5:53');
    expect(lines).toContain('-A BERTH-ABC123-FWD -d 10.0.1.5/32 -o bthabc123b0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT');
  });
  it('seals internal networks before any accept, and masquerades only non-internal ones', () => {
    const firstAccept = lines.findIndex((l) => l.endsWith('-j ACCEPT'));
    const sealed = lines.findIndex((l) => l === '-A BERTH-ABC123-FWD -i bthabc123b1 ! -o bthabc123b1 -j DROP');
    expect(sealed).toBeGreaterThan(0);
    expect(sealed).toBeLessThan(firstAccept);
    expect(text).toContain('-A BERTH-ABC123-POST -s 10.0.1.0/24 ! -o bthabc123b0 -j MASQUERADE');
    expect(text).not.toContain('-s 10.0.2.0/24 ! -o');
    expect(text).toContain('-A BERTH-ABC123-POST -s 127.0.0.0/8 -o bthabc123b0 -j MASQUERADE');
    // isolation between berth bridges comes after the published-port accepts
    const iso = lines.indexOf('-A BERTH-ABC123-FWD -i bthabc123b0 -o bthabc123b+ -j DROP');
    expect(iso).toBeGreaterThan(lines.findIndex((l) => l.includes('--ctstate DNAT -j ACCEPT')));
  });
});

describe('ports', () => {
  const ss = [
    'LISTEN 0      511        127.0.0.1:8080       0.0.0.0:*    users:(("busybox",pid=4242,fd=3))',
    'LISTEN 0      4096               *:9090             *:*    users:(("node",pid=77,fd=20))',
    'LISTEN 0      128            [::]:22              [::]:*',
  ].join('\n');
  const listeners = parseSs(ss, 'tcp');
  it('parses ss output', () => {
    expect(listeners).toEqual([
      { protocol: 'tcp', address: '127.0.0.1', port: 8080, pid: 4242, command: 'busybox' },
      { protocol: 'tcp', address: '0.0.0.0', port: 9090, pid: 77, command: 'node' },
      { protocol: 'tcp', address: '::', port: 22, pid: undefined, command: undefined },
    ]);
  });
  it('knows which host addresses clash', () => {
    expect(addressesClash('127.0.0.1', '')).toBe(true);
    expect(addressesClash('127.0.0.1', '10.0.0.1')).toBe(false);
    expect(addressesClash('::ffff:10.0.0.1', '10.0.0.1')).toBe(true);
  });
  it('names the holder: a process with its pid, or a container', () => {
    const err = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      return undefined;
    };
    const e1 = err(() => findConflict([{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }], [], listeners));
    expect(isEngineError(e1, 'PORT_IN_USE')).toBe(true);
    expect(e1!.message).toContain('process 4242 (busybox)');
    expect(err(() => findConflict([{ containerPort: 80, protocol: 'tcp', hostIp: '10.1.1.1', hostPort: 8080 }], [], listeners))).toBeUndefined();
    expect(err(() => findConflict([{ containerPort: 80, protocol: 'udp', hostPort: 8080 }], [], listeners))).toBeUndefined();
    const e2 = err(() => findConflict([{ containerPort: 80, protocol: 'tcp', hostPort: 7000 }], [{ containerId: 'f'.repeat(64), name: 'api', port: { containerPort: 1, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 7000 } }], []));
    expect(e2!.message).toContain('container api');
  });
  it("sees other engines' DNAT rules (no socket holds those ports) but not its own", () => {
    const nat = [
      '-P PREROUTING ACCEPT',
      '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.2:80',
      '-A NETAVARK-DN-1 -d 10.0.0.5/32 -p udp -m udp --dport 6000:6010 -j DNAT --to-destination 10.88.0.2:6000-6010',
      '-A BERTH-ABC123-DNAT -p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.213.0.2:80',
      '-A DOCKER -i docker0 -j RETURN',
    ].join('\n');
    const rules = parseNatRules(nat, 'BERTH-ABC123-DNAT');
    expect(rules).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 8081, portEnd: 8081, chain: 'DOCKER' },
      { protocol: 'udp', address: '10.0.0.5', port: 6000, portEnd: 6010, chain: 'NETAVARK-DN-1' },
    ]);
    let msg = '';
    try {
      findConflict([{ containerPort: 1, protocol: 'udp', hostPort: 6005 }], [], rules);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('NETAVARK-DN-1');
  });
  it('assigns random ports that nobody holds', () => {
    let n = 0;
    const seq = [0, 0, 0.5]; // first two draws collide with taken ports
    const out = assignPorts([{ containerPort: 80, protocol: 'tcp' }], [{ containerId: 'x', name: 'x', port: { containerPort: 1, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 49153 } }], [], () => seq[n++]!);
    expect(out).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 55076 }]);
  });
});

describe('hosts and resolv.conf', () => {
  it('renders /etc/hosts with localhost, the container and extra hosts', () => {
    const h = renderHosts({ hostname: 'web', addresses: ['10.0.1.5'], extraHosts: ['db:10.9.9.9', 'v6=::1', 'gw:host-gateway'], gateway: '10.0.1.1' });
    expect(h.split('\n')).toEqual(expect.arrayContaining(['127.0.0.1\tlocalhost', '10.0.1.5\tweb', '10.9.9.9\tdb', '::1\tv6', '10.0.1.1\tgw']));
    expect(parseExtraHost('h:[::1]')).toEqual({ host: 'h', ip: '::1' });
  });
  it('points resolv.conf at the embedded server with search and options', () => {
    expect(renderResolvConf({ nameserver: '10.0.1.1', search: ['a.example'], options: ['ndots:2'] })).toBe('nameserver 10.0.1.1\nsearch a.example\noptions ndots:2\n');
    expect(parseResolvConf('nameserver 1.1.1.1 # x\nsearch a b\noptions edns0\nnameserver 8.8.8.8\n')).toEqual({ nameservers: ['1.1.1.1', '8.8.8.8'], search: ['a', 'b'], options: ['edns0'] });
  });
});
