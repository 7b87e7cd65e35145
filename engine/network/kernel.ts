/**
 * Bridges, network namespaces and veth pairs through the `ip` tool (Node has no netlink).
 * Every function is idempotent: it checks what exists and does only what is missing, so
 * init() can replay it after a crash or a host reboot.
 */
import fs from 'node:fs/promises';
import type { RunOptions, RunResult } from '../common/exec.js';

export type Exec = (cmd: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

export const NETNS_DIR = '/run/netns';
/** The resolver address containers see (Docker's). */
export const LOCAL_DNS = '127.0.0.11';

export interface LinkInfo {
  ifname: string;
  master?: string;
  operstate?: string;
  address?: string;
}

export class Kernel {
  constructor(private readonly exec: Exec) {}

  async links(netns?: string): Promise<LinkInfo[]> {
    const args = netns ? ['-n', netns, '-json', 'link', 'show'] : ['-json', 'link', 'show'];
    const r = await this.exec('ip', args, { allowFail: true });
    if (r.code !== 0) return [];
    try {
      return JSON.parse(r.stdout || '[]') as LinkInfo[];
    } catch {
      return [];
    }
  }

  async linkExists(name: string, netns?: string): Promise<boolean> {
    const args = netns ? ['-n', netns, 'link', 'show', 'dev', name] : ['link', 'show', 'dev', name];
    return (await this.exec('ip', args, { allowFail: true })).code === 0;
  }

  /** Routes of the main table as CIDRs (for keeping the pool clear of the host's networks). */
  async hostRoutes(): Promise<string[]> {
    const r = await this.exec('ip', ['-json', '-4', 'route', 'show'], { allowFail: true });
    if (r.code !== 0) return [];
    const routes = JSON.parse(r.stdout || '[]') as { dst: string }[];
    return routes
      .map((x) => x.dst)
      .filter((d) => d && d !== 'default')
      .map((d) => (d.includes('/') ? d : `${d}/32`));
  }

  /** The host's IPv4 addresses (host netns). */
  async localAddresses(): Promise<string[]> {
    const r = await this.exec('ip', ['-json', '-4', 'addr', 'show'], { allowFail: true });
    if (r.code !== 0) return [];
    const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local?: string }[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter(Boolean);
  }

  /** IPv6 routes of the main table as CIDRs. */
  async hostRoutes6(): Promise<string[]> {
    const r = await this.exec('ip', ['-json', '-6', 'route', 'show'], { allowFail: true });
    if (r.code !== 0) return [];
    const routes = JSON.parse(r.stdout || '[]') as { dst: string }[];
    return routes
      .map((x) => x.dst)
      .filter((d) => d && d !== 'default' && !d.startsWith('fe80:') && !d.startsWith('ff'))
      .map((d) => (d.includes('/') ? d : `${d}/128`));
  }

  /**
   * `mac`: the bridge's own address, set at creation. A bridge whose MAC was never set takes
   * the lowest MAC of its ports and changes it whenever ports come and go; containers keep
   * the gateway's old MAC in their neighbour cache, and once the port that owned it is gone
   * their packets to the gateway (DNS, the default route) vanish until the entry expires
   * (20-45 s; stacks FINDINGS item 8, DNS dead after a scale-down). Docker sets one too.
   */
  async ensureBridge(name: string, gateway: string, prefix: number, internal: boolean, v6?: { gateway: string; prefix: number }, mac?: string): Promise<void> {
    if (!(await this.linkExists(name))) {
      await this.exec('ip', ['link', 'add', name, ...(mac ? ['address', mac] : []), 'type', 'bridge']);
    } else {
      await this.pinBridgeMac(name);
    }
    await this.exec('ip', ['addr', 'replace', `${gateway}/${prefix}`, 'dev', name]);
    if (v6) {
      await sysctl(`net/ipv6/conf/${name}/disable_ipv6`, '0');
      // nodad: the address is ours alone on a bridge we just made; DAD would delay it ~1 s
      await this.exec('ip', ['-6', 'addr', 'replace', `${v6.gateway}/${v6.prefix}`, 'dev', name, 'nodad']);
    }
    await this.exec('ip', ['link', 'set', name, 'up']);
    // Forwarding is switched on per bridge (packets *received* on it may be routed), not
    // host-wide: containers reach the host's routes and each other's published ports
    // without turning every host interface into a router. Internal bridges route nothing.
    await sysctl(`net/ipv4/conf/${name}/forwarding`, internal ? '0' : '1');
    // 127.0.0.1 publishing: a DNAT'd packet keeps its 127.0.0.1 source on its way to the
    // bridge; the kernel drops such "martians" unless route_localnet is on for that
    // interface (MASQUERADE in our POSTROUTING chain then rewrites the source).
    await sysctl(`net/ipv4/conf/${name}/route_localnet`, internal ? '0' : '1');
  }

  /**
   * A bridge made by an older berth (no MAC set) gets its current MAC pinned: setting an
   * address marks it as set (addr_assign_type 3), which stops the kernel from recomputing
   * it from the ports, and keeping the current one leaves the containers' caches right.
   */
  private async pinBridgeMac(name: string): Promise<void> {
    const type = (await fs.readFile(`/sys/class/net/${name}/addr_assign_type`, 'utf8').catch(() => '')).trim();
    if (type === '' || type === '3') return;
    const current = (await fs.readFile(`/sys/class/net/${name}/address`, 'utf8').catch(() => '')).trim();
    if (current) await this.exec('ip', ['link', 'set', 'dev', name, 'address', current]);
  }

  async deleteLink(name: string, netns?: string): Promise<void> {
    const args = netns ? ['-n', netns, 'link', 'del', name] : ['link', 'del', name];
    await this.exec('ip', args, { allowFail: true });
  }

  /**
   * Makes /run/netns a shared mount point now, as `ip netns add` would on first use, so a
   * private mount namespace made later (the runtime's, for crun on hybrid cgroup hosts) still
   * sees netns files created after it (engine-lab §0: otherwise setns fails with EINVAL).
   */
  async ensureNetnsDir(): Promise<void> {
    await fs.mkdir(NETNS_DIR, { recursive: true, mode: 0o755 });
    const info = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    const line = info.split('\n').find((l) => l.split(' ')[4] === NETNS_DIR);
    if (line && /\bshared:\d+/.test(line)) return;
    if (!line) await this.exec('mount', ['--bind', NETNS_DIR, NETNS_DIR]);
    await this.exec('mount', ['--make-shared', NETNS_DIR]);
  }

  async netnsList(): Promise<string[]> {
    try {
      return (await fs.readdir(NETNS_DIR)).filter((n) => !n.startsWith('.'));
    } catch {
      return [];
    }
  }

  /** Whether any process lives in the named netns (compares nsfs inode numbers over /proc). */
  async netnsHasProcesses(name: string): Promise<boolean> {
    let ino: number;
    try {
      ino = (await fs.stat(`${NETNS_DIR}/${name}`)).ino;
    } catch {
      return false;
    }
    const want = `net:[${ino}]`;
    for (const pid of await fs.readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(pid)) continue;
      if ((await fs.readlink(`/proc/${pid}/ns/net`).catch(() => '')) === want) return true;
    }
    return false;
  }

  async netnsExists(name: string): Promise<boolean> {
    return (await this.netnsList()).includes(name);
  }

  /** Returns true when the netns was created now (so nothing in it needs checking). */
  async ensureNetns(name: string): Promise<boolean> {
    const created = !(await this.netnsExists(name));
    if (created) await this.exec('ip', ['netns', 'add', name]);
    await this.exec('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return created;
  }

  async deleteNetns(name: string): Promise<void> {
    if (await this.netnsExists(name)) await this.exec('ip', ['netns', 'del', name], { allowFail: true });
  }

  /** One veth: host side on the bridge, peer renamed `ifname` inside the netns with its address. */
  /** `freshNetns`: the netns was just made, so no half pair can exist inside it (two fewer calls). */
  async ensureVeth(o: { netns: string; hostVeth: string; ifname: string; bridge: string; address: string; prefix: number; mac: string; address6?: string; prefix6?: number; freshNetns?: boolean }): Promise<void> {
    const hostOk = await this.linkExists(o.hostVeth);
    const peerOk = o.freshNetns ? false : await this.linkExists(o.ifname, o.netns);
    if (!hostOk || !peerOk) {
      // half a pair (crash between steps): start over for this endpoint
      if (hostOk) await this.deleteLink(o.hostVeth);
      if (peerOk) await this.deleteLink(o.ifname, o.netns);
      await this.exec('ip', ['link', 'add', o.hostVeth, 'type', 'veth', 'peer', 'name', o.ifname, 'netns', o.netns]);
    }
    // hairpin: with br_netfilter, a container's packet to its own published port is DNAT'd
    // at bridge level and must leave through the port it came in by
    await this.exec('ip', ['-batch', '-'], {
      input: `link set ${o.hostVeth} master ${o.bridge} up\nlink set dev ${o.hostVeth} type bridge_slave hairpin on\n`,
    });
    await this.exec('ip', ['-n', o.netns, '-batch', '-'], {
      input: [
        `link set ${o.ifname} address ${o.mac}`,
        `addr replace ${o.address}/${o.prefix} dev ${o.ifname}`,
        ...(o.address6 ? [`addr replace ${o.address6}/${o.prefix6} dev ${o.ifname} nodad`] : []),
        `link set ${o.ifname} up`,
      ].join('\n') + '\n',
    });
  }

  /**
   * Docker's resolver address inside the container: 127.0.0.11:53 is DNAT'd to the embedded
   * server on `gateway` and the 127.0.0.0/8 source SNAT'd to the container's `address` on
   * that network (so the server can tell who asks), with route_localnet on in the netns.
   * The chains live in the sandbox's own netns and vanish with it. One spawn.
   */
  async ensureLocalDns(netns: string, gateway: string, address: string): Promise<void> {
    const rules = [
      '*nat',
      ':BERTH_OUTPUT - [0:0]',
      ':BERTH_POSTROUTING - [0:0]',
      ...['udp', 'tcp'].flatMap((p) => [
        `-A BERTH_OUTPUT -d ${LOCAL_DNS}/32 -p ${p} -m ${p} --dport 53 -j DNAT --to-destination ${gateway}:53`,
        `-A BERTH_POSTROUTING -s 127.0.0.0/8 -d ${gateway}/32 -p ${p} -m ${p} --dport 53 -j SNAT --to-source ${address}`,
      ]),
      'COMMIT',
      '',
    ].join('\n');
    const script = [
      'set -e',
      'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet',
      'iptables-restore -w --noflush',
      `iptables -w -t nat -C OUTPUT -d ${LOCAL_DNS}/32 -j BERTH_OUTPUT 2>/dev/null || iptables -w -t nat -I OUTPUT 1 -d ${LOCAL_DNS}/32 -j BERTH_OUTPUT`,
      'iptables -w -t nat -C POSTROUTING -j BERTH_POSTROUTING 2>/dev/null || iptables -w -t nat -I POSTROUTING 1 -j BERTH_POSTROUTING',
    ].join('\n');
    await this.exec('ip', ['netns', 'exec', netns, 'sh', '-c', script], { input: rules });
  }

  async setDefaultRoute(netns: string, gateway: string | undefined, ifname?: string, family: '-4' | '-6' = '-4'): Promise<void> {
    if (gateway && ifname) {
      await this.exec('ip', ['-n', netns, family, 'route', 'replace', 'default', 'via', gateway, 'dev', ifname]);
    } else {
      await this.exec('ip', ['-n', netns, family, 'route', 'del', 'default'], { allowFail: true });
    }
  }
}

async function sysctl(key: string, value: string): Promise<void> {
  await fs.writeFile(`/proc/sys/${key}`, value).catch(() => undefined);
}

export async function readSysctl(key: string): Promise<string | undefined> {
  return (await fs.readFile(`/proc/sys/${key}`, 'utf8').catch(() => undefined))?.trim();
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  await fs.writeFile(`/proc/sys/${key}`, value);
}
