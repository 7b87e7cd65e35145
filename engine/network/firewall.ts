/**
 * berth's firewall: three chains of its own, rebuilt as a whole from the store with
 * `iptables-restore --noflush` (declaring a chain there flushes just that chain, so the
 * swap is atomic and no other tool's rules are touched), each reached by ONE jump from a
 * built-in chain:
 *   filter FORWARD            -> <long>-FWD   bridge isolation, internal networks, published ports
 *   filter INPUT              -> <long>-IN    containers may ask the embedded DNS server on their
 *                                             gateway even on hosts whose INPUT policy is DROP
 *   nat PREROUTING, OUTPUT    -> <long>-DNAT  (only for packets to a local address) published ports
 *   nat POSTROUTING           -> <long>-POST  outbound MASQUERADE, hairpin, 127.0.0.1 sources
 * With no network left, the chains and their jumps are removed.
 */
import type { Exec } from './kernel.js';
import type { NetworkRecord, SandboxRecord } from './store.js';

export interface Chains {
  fwd: string;
  input: string;
  dnat: string;
  post: string;
}

export function chainNames(long: string): Chains {
  return { fwd: `${long.toUpperCase()}-FWD`, input: `${long.toUpperCase()}-IN`, dnat: `${long.toUpperCase()}-DNAT`, post: `${long.toUpperCase()}-POST` };
}

/** Where each published port is delivered: the container's address on its first non-internal network. */
export function portTarget(sb: SandboxRecord, nets: Map<string, NetworkRecord>): { ip: string; bridge: string } | undefined {
  for (const ep of sb.endpoints) {
    const n = nets.get(ep.networkId);
    if (n && !n.internal) return { ip: ep.ipAddress, bridge: n.bridge };
  }
  return undefined;
}

/** The iptables-restore input for all of berth's rules (pure, so tests can read it). */
export function renderRules(chains: Chains, bridgeWildcard: string, networks: NetworkRecord[], sandboxes: SandboxRecord[]): string {
  const fwd: string[] = [];
  const input: string[] = [];
  const dnat: string[] = [];
  const post: string[] = [];
  const nets = new Map(networks.map((n) => [n.id, n]));
  for (const n of networks) {
    for (const proto of ['udp', 'tcp']) input.push(`-A ${chains.input} -d ${n.ipam.gateway}/32 -i ${n.bridge} -p ${proto} -m ${proto} --dport 53 -j ACCEPT`);
  }
  // 1. internal networks first: nothing enters or leaves their bridge, not even DNAT'd traffic
  for (const n of networks.filter((x) => x.internal)) {
    fwd.push(`-A ${chains.fwd} -i ${n.bridge} ! -o ${n.bridge} -j DROP`);
    fwd.push(`-A ${chains.fwd} ! -i ${n.bridge} -o ${n.bridge} -j DROP`);
  }
  // 2. replies to connections containers opened
  for (const n of networks.filter((x) => !x.internal)) {
    fwd.push(`-A ${chains.fwd} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  }
  // 3. published ports: DNAT, accept towards the container, masquerade hairpin/loopback
  for (const sb of sandboxes) {
    const t = portTarget(sb, nets);
    if (!t) continue;
    for (const p of sb.ports) {
      const dst = p.hostIp && p.hostIp !== '0.0.0.0' && p.hostIp !== '::' ? ` -d ${p.hostIp}/32` : '';
      dnat.push(`-A ${chains.dnat}${dst} -p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -j DNAT --to-destination ${t.ip}:${p.containerPort}`);
      fwd.push(`-A ${chains.fwd} -d ${t.ip}/32 -o ${t.bridge} -p ${p.protocol} -m ${p.protocol} --dport ${p.containerPort} -m conntrack --ctstate DNAT -j ACCEPT`);
    }
  }
  // 4. within one bridge everything passes (br_netfilter sends bridged frames through FORWARD)
  for (const n of networks) fwd.push(`-A ${chains.fwd} -i ${n.bridge} -o ${n.bridge} -j ACCEPT`);
  // 5. non-internal: no way into another berth network, out to the world allowed, nothing unsolicited in
  for (const n of networks.filter((x) => !x.internal)) {
    fwd.push(`-A ${chains.fwd} -i ${n.bridge} -o ${bridgeWildcard} -j DROP`);
    fwd.push(`-A ${chains.fwd} -i ${n.bridge} -j ACCEPT`);
    fwd.push(`-A ${chains.fwd} -o ${n.bridge} -j DROP`);
    const s = n.ipam.subnet;
    post.push(`-A ${chains.post} -s ${s} ! -o ${n.bridge} -j MASQUERADE`);
    // hairpin: a container reaching a published port of its own network through a host
    // address; without this the reply would go straight back and be dropped by the asker
    post.push(`-A ${chains.post} -s ${s} -o ${n.bridge} -m conntrack --ctstate DNAT -j MASQUERADE`);
    // 127.0.0.1 publishing (see route_localnet in kernel.ts)
    post.push(`-A ${chains.post} -s 127.0.0.0/8 -o ${n.bridge} -j MASQUERADE`);
  }
  return [
    '*filter',
    `:${chains.fwd} - [0:0]`,
    `:${chains.input} - [0:0]`,
    ...fwd,
    ...input,
    'COMMIT',
    '*nat',
    `:${chains.dnat} - [0:0]`,
    `:${chains.post} - [0:0]`,
    ...dnat,
    ...post,
    'COMMIT',
    '',
  ].join('\n');
}

/** The jumps from built-in chains: [table, chain, rule args]. */
export function jumps(chains: Chains): [string, string, string[]][] {
  return [
    ['filter', 'FORWARD', ['-j', chains.fwd]],
    ['filter', 'INPUT', ['-j', chains.input]],
    ['nat', 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chains.dnat]],
    ['nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chains.dnat]],
    ['nat', 'POSTROUTING', ['-j', chains.post]],
  ];
}

export class Firewall {
  /** Jumps verified since the last removeAll / assert: later syncs skip the 5 checks. */
  private jumpsChecked = false;
  /** Removed (or never made) since the last check: removeAll costs nothing until a sync adds them. */
  private absent = false;

  constructor(
    private readonly exec: Exec,
    private readonly chains: Chains,
    private readonly bridgeWildcard: string,
  ) {}

  /** Makes the kernel's rules match the records (and re-asserts the single jumps). */
  async sync(networks: NetworkRecord[], sandboxes: SandboxRecord[], assertJumps = false): Promise<void> {
    if (networks.length === 0) return this.removeAll(assertJumps);
    this.absent = false;
    await this.exec('iptables-restore', ['-w', '--noflush'], { input: renderRules(this.chains, this.bridgeWildcard, networks, sandboxes) });
    if (this.jumpsChecked && !assertJumps) return;
    for (const [table, chain, rule] of jumps(this.chains)) {
      const present = (await this.exec('iptables', ['-w', '-t', table, '-C', chain, ...rule], { allowFail: true })).code === 0;
      // inserted first, so a host firewall (or Docker's DROP policy) cannot shadow berth's
      if (!present) await this.exec('iptables', ['-w', '-t', table, '-I', chain, '1', ...rule]);
    }
    this.jumpsChecked = true;
  }

  async removeAll(recheck = false): Promise<void> {
    this.jumpsChecked = false;
    if (this.absent && !recheck) return;
    // one dump instead of a dozen failing deletes when nothing of ours is there (engine start)
    const dump = await this.exec('iptables-save', [], { allowFail: true });
    const names = [this.chains.fwd, this.chains.input, this.chains.dnat, this.chains.post];
    if (dump.code === 0 && !names.some((n) => dump.stdout.includes(n))) {
      this.absent = true;
      return;
    }
    for (const [table, chain, rule] of jumps(this.chains)) {
      // remove every copy (a crash may have left duplicates)
      for (let i = 0; i < 10; i++) {
        const r = await this.exec('iptables', ['-w', '-t', table, '-D', chain, ...rule], { allowFail: true });
        if (r.code !== 0) break;
      }
    }
    for (const [table, chain] of [['filter', this.chains.fwd], ['filter', this.chains.input], ['nat', this.chains.dnat], ['nat', this.chains.post]] as const) {
      await this.exec('iptables', ['-w', '-t', table, '-F', chain], { allowFail: true });
      await this.exec('iptables', ['-w', '-t', table, '-X', chain], { allowFail: true });
    }
    this.absent = true;
  }
}

/**
 * IPv6 (ip6tables): the same isolation for networks with IPv6 enabled, in one filter chain
 * jumped from FORWARD (br_netfilter passes bridged IPv6 frames through ip6tables too). No
 * NAT: published ports are IPv4 only.
 */
export function renderRules6(fwdChain: string, bridgeWildcard: string, networks: NetworkRecord[]): string {
  const fwd: string[] = [];
  const v6 = networks.filter((n) => n.ipam.subnet6);
  for (const n of v6.filter((x) => x.internal)) {
    fwd.push(`-A ${fwdChain} -i ${n.bridge} ! -o ${n.bridge} -j DROP`);
    fwd.push(`-A ${fwdChain} ! -i ${n.bridge} -o ${n.bridge} -j DROP`);
  }
  for (const n of v6.filter((x) => !x.internal)) fwd.push(`-A ${fwdChain} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  for (const n of v6) fwd.push(`-A ${fwdChain} -i ${n.bridge} -o ${n.bridge} -j ACCEPT`);
  for (const n of v6.filter((x) => !x.internal)) {
    fwd.push(`-A ${fwdChain} -i ${n.bridge} -o ${bridgeWildcard} -j DROP`);
    fwd.push(`-A ${fwdChain} -i ${n.bridge} -j ACCEPT`);
    fwd.push(`-A ${fwdChain} -o ${n.bridge} -j DROP`);
  }
  return ['*filter', `:${fwdChain} - [0:0]`, ...fwd, 'COMMIT', ''].join('\n');
}

export class Firewall6 {
  private jumpChecked = false;
  /** Known to be absent (checked once): later syncs without IPv6 networks cost nothing. */
  private absent = false;
  constructor(
    private readonly exec: Exec,
    private readonly fwdChain: string,
    private readonly bridgeWildcard: string,
  ) {}

  async sync(networks: NetworkRecord[], assertJump = false): Promise<void> {
    if (!networks.some((n) => n.ipam.subnet6)) return this.removeAll(assertJump);
    this.absent = false;
    await this.exec('ip6tables-restore', ['-w', '--noflush'], { input: renderRules6(this.fwdChain, this.bridgeWildcard, networks) });
    if (this.jumpChecked && !assertJump) return;
    const present = (await this.exec('ip6tables', ['-w', '-C', 'FORWARD', '-j', this.fwdChain], { allowFail: true })).code === 0;
    if (!present) await this.exec('ip6tables', ['-w', '-I', 'FORWARD', '1', '-j', this.fwdChain]);
    this.jumpChecked = true;
  }

  async removeAll(recheck = false): Promise<void> {
    this.jumpChecked = false;
    if (this.absent && !recheck) return;
    // nothing to do on hosts where it never existed (one cheap check instead of four calls)
    if ((await this.exec('ip6tables', ['-w', '-S', this.fwdChain], { allowFail: true })).code !== 0) {
      this.absent = true;
      return;
    }
    for (let i = 0; i < 10; i++) {
      if ((await this.exec('ip6tables', ['-w', '-D', 'FORWARD', '-j', this.fwdChain], { allowFail: true })).code !== 0) break;
    }
    await this.exec('ip6tables', ['-w', '-F', this.fwdChain], { allowFail: true });
    await this.exec('ip6tables', ['-w', '-X', this.fwdChain], { allowFail: true });
    this.absent = true;
  }
}
