/**
 * The bridge network driver: networks are Linux bridges, a container's sandbox is a named
 * netns (`ip netns add`, so it outlives the container's processes and keeps its addresses
 * across restarts) with one veth per attached network.
 *
 * Every operation runs under one lock and follows "record first, then kernel": the store
 * says what should exist, the kernel calls are idempotent, and init() replays the store
 * (and removes kernel objects the store does not know), so a crash at any point is repaired
 * by the next start.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  EngineError,
  type EndpointInfo,
  type EndpointSpec,
  type IpamConfig,
  type NetworkCreateRequest,
  type NetworkInspect,
  type PortBinding,
  type PublishedPort,
} from '../api/types.js';
import type { EngineContext, NetworkManager, Sandbox, SandboxRequest } from '../common/contracts.js';
import { newId } from '../common/naming.js';
import { isIpv4 } from './cidr.js';
import { claimStarting, pidAlive, START_GRACE_MS } from './claims.js';
import { NameIndex } from './dns-answer.js';
import { DnsServer } from './dns-server.js';
import { renderHosts, renderResolvConf, parseResolvConf } from './files.js';
import { chainNames, Firewall, Firewall6 } from './firewall.js';
import { allocateAddress, allocateAddress6, DEFAULT_POOL, macFor, planIpv6, planNetworkIpam, prefixLen } from './ipam.js';
import { parseCidr6 } from './cidr6.js';
import { type Exec, Kernel, LOCAL_DNS, NETNS_DIR, readSysctl, writeSysctl } from './kernel.js';
import { Lock } from './lock.js';
import { assignPorts, type BerthHolder, findConflict, type HostListener, hostListeners } from './ports.js';
import { type EndpointRecord, isActive, type NetworkRecord, NetworkStore, type SandboxRecord } from './store.js';
import fs from 'node:fs/promises';

export const DEFAULT_NETWORK = 'bridge';
const ON_DEMAND = 'berth.on-demand';

export interface NetworkManagerOptions {
  exec: Exec;
  /** CIDR the default subnets (/24) are taken from. */
  pool?: string;
  /** DNS port (53; tests of the server alone may use another). */
  dnsPort?: number;
  /**
   * Also switch on the host-wide net.ipv4.ip_forward when a non-internal network exists
   * (what Docker does; needed for published ports to be reachable from other hosts).
   * Off by default: berth otherwise enables forwarding only on its own bridges.
   */
  hostIpForward?: boolean;
  /** Host-wide lock for choosing subnets, shared by every berth root on the host. */
  hostLockFile?: string;
  resolvConf?: string;
}

export class BridgeNetworkManager implements NetworkManager {
  private readonly store: NetworkStore;
  private readonly lock: Lock;
  private readonly hostLock: Lock;
  private readonly kernel: Kernel;
  private readonly firewall: Firewall;
  private readonly firewall6: Firewall6;
  private readonly dns: DnsServer;
  private readonly exec: Exec;
  /** Start watchers (see watchStart): timers to cancel and ticks to wait for on close(). */
  private readonly watchers = new Map<string, { timer?: NodeJS.Timeout }>();
  private readonly ticks = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: NetworkManagerOptions,
  ) {
    this.exec = opts.exec;
    this.store = new NetworkStore(ctx.naming.root);
    this.lock = new Lock(this.store.lockFile);
    this.hostLock = new Lock(opts.hostLockFile ?? '/run/berth-subnets.lock');
    this.kernel = new Kernel(this.exec);
    this.firewall = new Firewall(this.exec, chainNames(ctx.naming.long), `${ctx.naming.short}b+`);
    this.firewall6 = new Firewall6(this.exec, chainNames(ctx.naming.long).fwd, `${ctx.naming.short}b+`);
    this.dns = new DnsServer({ port: opts.dnsPort, log: ctx.log, resolvConf: opts.resolvConf });
  }

  // ------------------------------------------------------------ names

  private netnsName(containerId: string): string {
    return `${this.ctx.naming.long}-${containerId.slice(0, 12)}`;
  }
  private netnsPath(name: string): string {
    return path.join(NETNS_DIR, name);
  }
  private vethName(containerId: string, networkId: string, taken: Set<string>): string {
    for (let salt = 0; ; salt++) {
      const h = createHash('sha256').update(`${containerId}/${networkId}/${salt}`).digest('hex').slice(0, 15 - this.ctx.naming.short.length - 1);
      const name = `${this.ctx.naming.short}v${h}`;
      if (!taken.has(name)) return name;
    }
  }

  // ------------------------------------------------------------ lifecycle

  async init(): Promise<void> {
    await this.kernel.ensureNetnsDir();
    await this.lock.run(async () => {
      const networks = await this.store.networks();
      let sandboxes = await this.store.sandboxes();
      const known = new Set(networks.map((n) => n.id));
      await this.maybeHostForward(networks);
      for (const n of networks) await this.ensureBridgeOf(n);
      // endpoints whose network vanished (crash during a network rm)
      for (const sb of sandboxes) {
        const keep = sb.endpoints.filter((e) => known.has(e.networkId));
        if (keep.length !== sb.endpoints.length) {
          sb.endpoints = keep;
          await this.store.saveSandbox(sb);
        }
      }
      // kernel objects without a record: left by a crash between kernel call and record delete
      const veths = new Set(sandboxes.flatMap((s) => s.endpoints.map((e) => e.hostVeth)));
      const bridges = new Set(networks.map((n) => n.bridge));
      for (const l of await this.kernel.links()) {
        if (l.ifname.startsWith(`${this.ctx.naming.short}v`) && !veths.has(l.ifname)) await this.kernel.deleteLink(l.ifname);
        if (l.ifname.startsWith(`${this.ctx.naming.short}b`) && !bridges.has(l.ifname)) await this.kernel.deleteLink(l.ifname);
      }
      const nsKnown = new Set(sandboxes.map((s) => s.netns));
      for (const ns of await this.kernel.netnsList()) {
        if (ns.startsWith(`${this.ctx.naming.long}-`) && !nsKnown.has(ns)) await this.kernel.deleteNetns(ns);
      }
      // records without (part of) their kernel objects: complete them
      const byId = new Map(networks.map((n) => [n.id, n]));
      for (const sb of sandboxes) await this.realize(sb, byId);
      sandboxes = await this.store.sandboxes();
      await this.syncFirewallAndDns(networks, sandboxes, true);
    });
  }

  /**
   * Releases the DNS sockets, for good: a sync still running (an operation in flight when
   * the engine stops) can no longer reopen one, so no `<gateway>:53` outlives the engine.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers.values()) clearTimeout(w.timer);
    this.watchers.clear();
    await Promise.all([...this.ticks]);
    await this.dns.close();
  }

  /** Addresses the embedded DNS server is bound on (for tests and diagnostics). */
  dnsListening(): string[] {
    return this.dns.listening();
  }

  private ensureBridgeOf(n: NetworkRecord): Promise<void> {
    const v6 = n.ipam.subnet6 && n.ipam.gateway6 ? { gateway: n.ipam.gateway6, prefix: parseCidr6(n.ipam.subnet6).prefix } : undefined;
    return this.kernel.ensureBridge(n.bridge, n.ipam.gateway, prefixLen(n.ipam.subnet), n.internal, v6, bridgeMac(this.ctx.naming.rootId, n.id));
  }

  private async maybeHostForward(networks: NetworkRecord[]): Promise<void> {
    if (!this.opts.hostIpForward || !networks.some((n) => !n.internal)) return;
    if ((await readSysctl('net/ipv4/ip_forward')) !== '1') await writeSysctl('net/ipv4/ip_forward', '1');
  }

  private async syncFirewallAndDns(networks?: NetworkRecord[], sandboxes?: SandboxRecord[], assertJumps = false): Promise<void> {
    const nets = networks ?? (await this.store.networks());
    const sbs = sandboxes ?? (await this.store.sandboxes());
    const live = sbs.filter(isActive);
    // DNS first: a failing iptables call must not leave the server with old names, or
    // holding the gateway address of a network that is gone
    this.dns.setIndex(new NameIndex(nets, live));
    await this.dns.listenOn(nets.map((n) => n.ipam.gateway));
    await this.firewall.sync(nets, live, assertJumps);
    await this.firewall6.sync(nets, assertJumps);
  }

  // ------------------------------------------------------------ networks

  private async find(idOrName: string, networks?: NetworkRecord[]): Promise<NetworkRecord | undefined> {
    const all = networks ?? (await this.store.networks());
    const exact = all.find((n) => n.name === idOrName) ?? all.find((n) => n.id === idOrName);
    if (exact) return exact;
    const pref = idOrName.length >= 1 ? all.filter((n) => n.id.startsWith(idOrName)) : [];
    if (pref.length > 1) throw new EngineError('INVALID', `network id prefix ${idOrName} is ambiguous`);
    return pref[0];
  }

  private async get(idOrName: string, networks?: NetworkRecord[]): Promise<NetworkRecord> {
    const n = await this.find(idOrName, networks);
    if (!n) throw new EngineError('NOT_FOUND', `network ${idOrName} not found`);
    return n;
  }

  /**
   * The default network is made on demand and removed again when its last sandbox goes
   * (marked by ON_DEMAND in its options), so a host without berth containers carries no
   * berth bridge or firewall chain.
   */
  async defaultNetwork(): Promise<string> {
    try {
      await this.create({ name: DEFAULT_NETWORK, options: { [ON_DEMAND]: 'true' } });
    } catch (e) {
      if (!(e instanceof EngineError && e.code === 'CONFLICT' && (await this.find(DEFAULT_NETWORK)))) throw e;
    }
    return DEFAULT_NETWORK;
  }

  /** Removes on-demand networks nobody uses any more (under the lock). */
  private async dropIdleOnDemand(): Promise<void> {
    let networks = await this.store.networks();
    const sandboxes = await this.store.sandboxes();
    for (const n of networks.filter((x) => x.options[ON_DEMAND] === 'true')) {
      if (sandboxes.some((s) => s.endpoints.some((e) => e.networkId === n.id))) continue;
      await this.removeLocked(n, networks);
      networks = networks.filter((x) => x.id !== n.id);
    }
  }

  async create(req: NetworkCreateRequest): Promise<{ id: string }> {
    if (!req.name || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(req.name)) throw new EngineError('INVALID', `invalid network name ${JSON.stringify(req.name)}`);
    const driver = req.driver ?? 'bridge';
    if (driver !== 'bridge') throw new EngineError('INVALID', `network driver ${driver} is not supported (only bridge)`);
    const isV6 = (c: IpamConfig): boolean => !!c.subnet?.includes(':');
    if ((req.ipam ?? []).filter((c) => !isV6(c)).length > 1) throw new EngineError('INVALID', 'only one IPv4 subnet per network is supported');
    if ((req.ipam ?? []).filter(isV6).length > 1) throw new EngineError('INVALID', 'only one IPv6 subnet per network is supported');
    const v4 = req.ipam?.find((c) => !isV6(c));
    const v6 = req.ipam?.find(isV6);
    if (v6 && !req.enableIPv6) throw new EngineError('INVALID', `an IPv6 subnet (${v6.subnet}) needs IPv6 enabled on the network`);
    return this.lock.run(() => this.createLocked(req, v4, v6));
  }

  private createLocked(req: NetworkCreateRequest, v4: IpamConfig | undefined, v6?: IpamConfig): Promise<{ id: string }> {
    return this.hostLock.run(async () => {
      const networks = await this.store.networks();
      if (networks.some((n) => n.name === req.name)) throw new EngineError('CONFLICT', `network with name ${req.name} already exists`);
      // subnets of other berth roots are bridges with routes, so the host's routes cover them
      // a socket still bound to some address:53 (a stale DNS server of another process, whose
      // bridge is gone) would steal the new gateway's DNS port: keep such addresses out too
      const dnsHolders = (await hostListeners(this.exec))
        .filter((l) => l.protocol === 'udp' && l.port === 53 && isIpv4(l.address) && l.address !== '0.0.0.0' && !l.address.startsWith('127.'))
        .map((l) => `${l.address}/32`);
      const ipam = planNetworkIpam(v4, networks.map((n) => n.ipam.subnet), [...(await this.kernel.hostRoutes()), ...dnsHolders], this.opts.pool ?? DEFAULT_POOL);
      if (req.enableIPv6) {
        const others6 = networks.map((n) => n.ipam.subnet6).filter((x): x is string => !!x);
        Object.assign(ipam, planIpv6(v6, others6, await this.kernel.hostRoutes6(), this.ctx.naming.rootId));
      }
      const used = new Set(networks.map((n) => n.bridge));
      let i = 0;
      while (used.has(`${this.ctx.naming.short}b${i}`)) i++;
      const rec: NetworkRecord = {
        id: newId(),
        name: req.name,
        driver: 'bridge',
        created: new Date().toISOString(),
        internal: !!req.internal,
        attachable: !!req.attachable,
        enableIPv6: !!req.enableIPv6,
        labels: { ...(req.labels ?? {}) },
        options: { ...(req.options ?? {}) },
        ipam,
        bridge: `${this.ctx.naming.short}b${i}`,
      };
      await this.store.saveNetwork(rec);
      const all = [...networks, rec];
      await this.maybeHostForward(all);
      await this.ensureBridgeOf(rec);
      await this.syncFirewallAndDns(all);
      this.ctx.events.emit({ type: 'network', action: 'create', id: rec.id, attributes: { name: rec.name, type: 'bridge', ...rec.labels } });
      return { id: rec.id };
    });
  }

  private toInspect(n: NetworkRecord, sandboxes: SandboxRecord[]): NetworkInspect {
    const containers: NetworkInspect['containers'] = {};
    for (const sb of sandboxes) {
      const ep = sb.endpoints.find((e) => e.networkId === n.id);
      if (ep) containers[sb.containerId] = { name: sb.name, ipv4Address: `${ep.ipAddress}/${prefixLen(n.ipam.subnet)}`, macAddress: ep.macAddress, aliases: ep.aliases };
    }
    return {
      id: n.id,
      name: n.name,
      driver: n.driver,
      created: n.created,
      internal: n.internal,
      enableIPv6: n.enableIPv6,
      labels: n.labels,
      options: n.options,
      ipam: [
        { subnet: n.ipam.subnet, gateway: n.ipam.gateway, ...(n.ipam.ipRange ? { ipRange: n.ipam.ipRange } : {}), ...(n.ipam.auxAddresses ? { auxAddresses: n.ipam.auxAddresses } : {}) },
        ...(n.ipam.subnet6 ? [{ subnet: n.ipam.subnet6, gateway: n.ipam.gateway6 }] : []),
      ],
      bridge: n.bridge,
      containers,
    };
  }

  async list(filters: Record<string, string[]> = {}): Promise<NetworkInspect[]> {
    const sandboxes = await this.store.sandboxes();
    return (await this.store.networks()).filter((n) => matchesFilters(n, filters, sandboxes)).map((n) => this.toInspect(n, sandboxes));
  }

  async inspect(idOrName: string): Promise<NetworkInspect> {
    const n = await this.get(idOrName);
    return this.toInspect(n, await this.store.sandboxes());
  }

  async remove(idOrName: string): Promise<void> {
    await this.lock.run(async () => {
      const networks = await this.store.networks();
      const n = await this.get(idOrName, networks);
      const users = (await this.store.sandboxes()).filter((s) => s.endpoints.some((e) => e.networkId === n.id));
      if (users.length) {
        throw new EngineError('IN_USE', `network ${n.name} is in use by container${users.length > 1 ? 's' : ''} ${users.map((u) => u.name).join(', ')}`);
      }
      await this.removeLocked(n, networks);
    });
  }

  private async removeLocked(n: NetworkRecord, networks: NetworkRecord[]): Promise<void> {
    await this.store.deleteNetwork(n.id);
    await this.kernel.deleteLink(n.bridge);
    await this.syncFirewallAndDns(networks.filter((x) => x.id !== n.id));
    this.ctx.events.emit({ type: 'network', action: 'destroy', id: n.id, attributes: { name: n.name, type: 'bridge' } });
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ deleted: string[] }> {
    return this.lock.run(async () => {
      let networks = await this.store.networks();
      const sandboxes = await this.store.sandboxes();
      const deleted: string[] = [];
      for (const n of [...networks]) {
        if (sandboxes.some((s) => s.endpoints.some((e) => e.networkId === n.id))) continue;
        if (!matchesFilters(n, filters, sandboxes)) continue;
        await this.removeLocked(n, networks);
        networks = networks.filter((x) => x.id !== n.id);
        deleted.push(n.name);
      }
      return { deleted };
    });
  }

  // ------------------------------------------------------------ ports

  private berthHolders(sandboxes: SandboxRecord[], except: string): BerthHolder[] {
    return sandboxes.filter((s) => s.containerId !== except && isActive(s)).flatMap((s) => s.ports.map((port) => ({ containerId: s.containerId, name: s.name, port })));
  }

  /**
   * findConflict, except that a berth holder whose netns runs no process any more (a stopped
   * container whose runtime did not call deactivateSandbox, e.g. the old container during a
   * recreate) is deactivated instead of blocking the port. Mutates `sandboxes` records.
   */
  private async conflicts(wanted: PortBinding[], sandboxes: SandboxRecord[], except: string, listeners: HostListener[]): Promise<void> {
    for (;;) {
      try {
        findConflict(wanted, this.berthHolders(sandboxes, except), listeners);
        return;
      } catch (e) {
        const holderId = e instanceof EngineError ? (e.details?.containerId as string | undefined) : undefined;
        const holder = holderId ? sandboxes.find((s) => s.containerId === holderId) : undefined;
        if (!holder || (await this.kernel.netnsHasProcesses(holder.netns))) throw e;
        // no process yet is not "no process left": a container still starting keeps its claim
        if (claimStarting(holder.claim, Date.now(), pidAlive)) throw e;
        holder.active = false;
        await this.store.saveSandbox(holder);
        this.ctx.log(`network: ${holder.name} runs no process; its published ports are released`);
      }
    }
  }

  /**
   * Watches a fresh claim until a process shows up in the sandbox's netns, then records that
   * the container runs (claims.ts): from then on, a netns with no process left releases the
   * ports again (a stopped container, a recreate). Polls quickly at first (a start takes a few
   * hundred ms), then every 500 ms, for at most the grace time; never keeps the process alive.
   */
  private watchStart(containerId: string, netns: string, at: number): void {
    const old = this.watchers.get(containerId);
    if (old) clearTimeout(old.timer);
    const w: { timer?: NodeJS.Timeout } = {};
    this.watchers.set(containerId, w);
    const mine = () => !this.closed && this.watchers.get(containerId) === w;
    let delay = 10;
    const tick = async (): Promise<void> => {
      if (!mine() || Date.now() - at > START_GRACE_MS) return void (mine() && this.watchers.delete(containerId));
      if (await this.kernel.netnsHasProcesses(netns)) {
        if (!mine()) return;
        this.watchers.delete(containerId);
        await this.lock.run(async () => {
          if (this.closed) return;
          const rec = await this.store.sandbox(containerId);
          // only the claim this watcher was started for (not a later restart's)
          if (!rec?.claim || rec.claim.at !== at || rec.claim.running) return;
          rec.claim.running = true;
          await this.store.saveSandbox(rec);
        });
        return;
      }
      delay = Math.min(delay * 2, 500);
      if (mine()) w.timer = setTimeout(run, delay).unref();
    };
    const run = () => {
      const p = tick().catch((e) => this.ctx.log(`network: watching the start of ${containerId.slice(0, 12)}: ${(e as Error).message}`));
      this.ticks.add(p);
      void p.finally(() => this.ticks.delete(p));
    };
    w.timer = setTimeout(run, delay).unref();
  }

  private stopWatch(containerId: string): void {
    clearTimeout(this.watchers.get(containerId)?.timer);
    this.watchers.delete(containerId);
  }

  /**
   * For a stopped container: keeps its netns and addresses (a restart gets them back) but
   * takes its names out of DNS and its published ports out of the firewall and the port
   * claims. The next setupSandbox re-activates it. An addition beyond the contract.
   */
  async deactivateSandbox(containerId: string): Promise<void> {
    this.stopWatch(containerId);
    await this.lock.run(async () => {
      const rec = await this.store.sandbox(containerId);
      if (!rec || !isActive(rec)) return;
      rec.active = false;
      await this.store.saveSandbox(rec);
      await this.syncFirewallAndDns();
    });
  }

  private get dnatChain(): string {
    return chainNames(this.ctx.naming.long).dnat;
  }

  /** A specific host address must be one of the host's (Docker fails the same way at bind time). */
  private async checkHostIps(ports: PortBinding[]): Promise<void> {
    const specific = [...new Set(ports.map((p) => p.hostIp).filter((ip): ip is string => !!ip && ip !== '0.0.0.0' && ip !== '::'))];
    if (!specific.length) return;
    const local = await this.kernel.localAddresses();
    for (const ip of specific) {
      if (!isIpv4(ip)) throw new EngineError('INVALID', `host address ${ip}: only IPv4 host addresses can be published to`);
      if (!ip.startsWith('127.') && !local.includes(ip)) throw new EngineError('INVALID', `host address ${ip} is not an address of this host`);
    }
  }

  async checkPorts(containerId: string, ports: PortBinding[]): Promise<void> {
    const sandboxes = await this.store.sandboxes();
    const own = sandboxes.find((s) => s.containerId === containerId);
    // ports this container already publishes are its own (a restart), not a conflict
    const wanted = ports.filter((p) => !own?.ports.some((o) => o.protocol === p.protocol && o.hostPort === p.hostPort && o.containerPort === p.containerPort));
    await this.checkHostIps(wanted);
    await this.lock.run(async () => {
      const fresh = await this.store.sandboxes();
      const before = fresh.filter(isActive).length;
      await this.conflicts(wanted, fresh, containerId, await hostListeners(this.exec, this.dnatChain));
      // idle holders were released: their rules go now
      if (fresh.filter(isActive).length !== before) await this.syncFirewallAndDns(undefined, fresh);
    });
  }

  // ------------------------------------------------------------ sandboxes

  async setupSandbox(req: SandboxRequest): Promise<Sandbox> {
    const specs = req.endpoints.length ? req.endpoints : [{ network: DEFAULT_NETWORK }];
    return this.lock.run(async () => {
      // inside the lock: an idle on-demand default network may have just been dropped
      if (specs.some((x) => x.network === DEFAULT_NETWORK) && !(await this.find(DEFAULT_NETWORK))) {
        await this.createLocked({ name: DEFAULT_NETWORK, options: { [ON_DEMAND]: 'true' } }, undefined);
      }
      const networks = await this.store.networks();
      const sandboxes = await this.store.sandboxes();
      const prev = sandboxes.find((s) => s.containerId === req.containerId);
      const others = sandboxes.filter((s) => s.containerId !== req.containerId);
      const nets = [];
      for (const spec of specs) nets.push(await this.get(spec.network, networks));
      // ports: keep what this sandbox already had (random ports stay the same across
      // restarts) unless someone took them while it was stopped
      await this.checkHostIps(req.ports);
      const listeners = req.ports.length ? await hostListeners(this.exec, this.dnatChain) : [];
      const keep: PublishedPort[] = [];
      for (const o of prev?.ports ?? []) {
        if (!req.ports.some((p) => samePort(p, o))) continue;
        try {
          await this.conflicts([o], others, req.containerId, listeners);
          keep.push(o);
        } catch {
          // taken meanwhile: handled below like a new request
        }
      }
      const fresh = req.ports.filter((p) => !keep.some((o) => samePort(p, o)));
      await this.conflicts(fresh, others, req.containerId, listeners);
      const holders = this.berthHolders(others, req.containerId);
      const ports = [...keep, ...assignPorts(fresh, [...holders, ...keep.map((port) => ({ containerId: req.containerId, name: req.name, port }))], listeners)];
      const rec: SandboxRecord = {
        containerId: req.containerId,
        name: req.name,
        hostname: req.hostname,
        netns: this.netnsName(req.containerId),
        isolated: false,
        active: true,
        endpoints: [],
        ports,
        ...(ports.length ? { claim: { pid: process.pid, at: Date.now() } } : {}),
        dns: req.dns,
        dnsSearch: req.dnsSearch,
        dnsOptions: req.dnsOptions,
        extraHosts: req.extraHosts,
      };
      const taken = new Set(others.flatMap((s) => s.endpoints.map((e) => e.hostVeth)));
      for (let i = 0; i < nets.length; i++) {
        const n = nets[i]!;
        if (rec.endpoints.some((e) => e.networkId === n.id)) continue;
        const old = prev?.endpoints.find((e) => e.networkId === n.id);
        rec.endpoints.push(this.newEndpoint(rec, n, specs[i]!, others, taken, old));
      }
      // drop kernel objects of networks this sandbox no longer joins
      for (const old of prev?.endpoints ?? []) {
        if (!rec.endpoints.some((e) => e.networkId === old.networkId)) await this.kernel.deleteLink(old.hostVeth);
      }
      await this.store.saveSandbox(rec);
      const byId = new Map(networks.map((n) => [n.id, n]));
      await this.realize(rec, byId);
      await this.syncFirewallAndDns(networks, [...others, rec]);
      if (prev) await this.dropIdleOnDemand();
      if (rec.claim) this.watchStart(rec.containerId, rec.netns, rec.claim.at);
      return this.toSandbox(rec, byId, await this.hostResolv());
    });
  }

  private newEndpoint(sb: SandboxRecord, n: NetworkRecord, spec: EndpointSpec, others: SandboxRecord[], taken: Set<string>, old?: EndpointRecord): EndpointRecord {
    const used = others.flatMap((s) => s.endpoints.filter((e) => e.networkId === n.id).map((e) => e.ipAddress));
    const want = spec.ipv4Address || (old && !used.includes(old.ipAddress) ? old.ipAddress : undefined);
    const ip = allocateAddress(n.ipam, used, want);
    let ifname = 'eth0';
    for (let k = 0; sb.endpoints.some((e) => e.ifname === ifname); k++) ifname = `eth${k + 1}`;
    const hostVeth = old?.hostVeth ?? this.vethName(sb.containerId, n.id, taken);
    taken.add(hostVeth);
    const ep: EndpointRecord = { networkId: n.id, ifname, hostVeth, ipAddress: ip, macAddress: spec.macAddress ?? macFor(ip), aliases: [...(spec.aliases ?? [])] };
    if (n.ipam.subnet6 && n.ipam.gateway6) {
      const used6 = others.flatMap((s) => s.endpoints.filter((e) => e.networkId === n.id && e.ipv6Address).map((e) => e.ipv6Address!));
      const want6 = spec.ipv6Address || (old?.ipv6Address && !used6.includes(old.ipv6Address) ? old.ipv6Address : undefined);
      ep.ipv6Address = allocateAddress6(n.ipam.subnet6, n.ipam.gateway6, used6, want6);
    }
    return ep;
  }

  /** Makes the kernel match one sandbox record (idempotent). */
  private async realize(sb: SandboxRecord, nets: Map<string, NetworkRecord>): Promise<void> {
    const freshNetns = await this.kernel.ensureNetns(sb.netns);
    for (const ep of sb.endpoints) {
      const n = nets.get(ep.networkId);
      if (!n) continue;
      await this.kernel.ensureVeth({
        netns: sb.netns,
        hostVeth: ep.hostVeth,
        ifname: ep.ifname,
        bridge: n.bridge,
        address: ep.ipAddress,
        prefix: prefixLen(n.ipam.subnet),
        mac: ep.macAddress,
        address6: ep.ipv6Address,
        prefix6: n.ipam.subnet6 ? parseCidr6(n.ipam.subnet6).prefix : undefined,
        freshNetns,
      });
    }
    const primary = sb.endpoints.find((e) => !nets.get(e.networkId)?.internal);
    await this.kernel.setDefaultRoute(sb.netns, primary ? nets.get(primary.networkId)!.ipam.gateway : undefined, primary?.ifname);
    // 127.0.0.11 reaches the embedded server on the first network's gateway
    const dnsEp = primary ?? sb.endpoints.find((e) => nets.has(e.networkId));
    if (dnsEp) await this.kernel.ensureLocalDns(sb.netns, nets.get(dnsEp.networkId)!.ipam.gateway, dnsEp.ipAddress);
    const primary6 = sb.endpoints.find((e) => e.ipv6Address && !nets.get(e.networkId)?.internal);
    if (primary6 || sb.endpoints.some((e) => e.ipv6Address)) {
      await this.kernel.setDefaultRoute(sb.netns, primary6 ? nets.get(primary6.networkId)!.ipam.gateway6 : undefined, primary6?.ifname, '-6');
    }
  }

  private async hostResolv(): Promise<{ search: string[]; options: string[] }> {
    return parseResolvConf(await fs.readFile(this.opts.resolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => ''));
  }

  /** Docker's rule: without dns_search/dns_opt the container keeps the host's search domains and options. */
  private toSandbox(sb: SandboxRecord, nets: Map<string, NetworkRecord>, host: { search: string[]; options: string[] }): Sandbox {
    const endpoints: Record<string, EndpointInfo> = {};
    for (const ep of sb.endpoints) {
      const n = nets.get(ep.networkId);
      if (n) endpoints[n.name] = endpointInfo(ep, n);
    }
    const first = sb.endpoints.map((e) => nets.get(e.networkId)).find(Boolean);
    return {
      netnsPath: this.netnsPath(sb.netns),
      endpoints,
      ports: sb.ports,
      hosts: renderHosts({ hostname: sb.hostname, addresses: sb.endpoints.slice(0, 1).map((e) => e.ipAddress), extraHosts: sb.extraHosts, gateway: first?.ipam.gateway }),
      resolvConf: renderResolvConf({ nameserver: first ? LOCAL_DNS : undefined, search: sb.dnsSearch ?? host.search, options: sb.dnsOptions ?? host.options }),
    };
  }

  async setupIsolated(containerId: string): Promise<string> {
    return this.lock.run(async () => {
      const prev = await this.store.sandbox(containerId);
      const rec: SandboxRecord = prev ?? { containerId, name: containerId.slice(0, 12), hostname: containerId.slice(0, 12), netns: this.netnsName(containerId), isolated: true, endpoints: [], ports: [] };
      await this.store.saveSandbox(rec);
      await this.kernel.ensureNetns(rec.netns);
      return this.netnsPath(rec.netns);
    });
  }

  /**
   * The netns file of a container's sandbox, for network_mode container:<id> (the joiner
   * uses the same file); undefined when it has none. An addition beyond the contract.
   */
  async netnsPathOf(containerId: string): Promise<string | undefined> {
    const rec = await this.store.sandbox(containerId);
    return rec && (await this.kernel.netnsExists(rec.netns)) ? this.netnsPath(rec.netns) : undefined;
  }

  /** resolv.conf for a container without the embedded server (network_mode none/host). */
  async hostResolvConf(dns?: string[], search?: string[], options?: string[]): Promise<string> {
    const host = parseResolvConf(await fs.readFile(this.opts.resolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => ''));
    return renderResolvConf({ fallback: dns?.length ? dns : host.nameservers, search: search ?? host.search, options: options ?? host.options });
  }

  async teardownSandbox(containerId: string): Promise<void> {
    this.stopWatch(containerId);
    await this.lock.run(async () => {
      const rec = await this.store.sandbox(containerId);
      for (const ep of rec?.endpoints ?? []) await this.kernel.deleteLink(ep.hostVeth);
      await this.kernel.deleteNetns(rec?.netns ?? this.netnsName(containerId));
      await this.store.deleteSandbox(containerId);
      if (rec && !rec.isolated) {
        await this.syncFirewallAndDns();
        await this.dropIdleOnDemand();
      }
    });
  }

  async connect(containerId: string, endpoint: EndpointSpec): Promise<EndpointInfo> {
    return this.lock.run(async () => {
      const networks = await this.store.networks();
      const sandboxes = await this.store.sandboxes();
      const sb = sandboxes.find((s) => s.containerId === containerId);
      if (!sb || sb.isolated) throw new EngineError('CONFLICT', `container ${containerId.slice(0, 12)} has no bridge sandbox to connect`);
      const n = await this.get(endpoint.network, networks);
      if (sb.endpoints.some((e) => e.networkId === n.id)) throw new EngineError('CONFLICT', `container ${sb.name} is already connected to network ${n.name}`);
      const others = sandboxes.filter((s) => s !== sb);
      const taken = new Set(sandboxes.flatMap((s) => s.endpoints.map((e) => e.hostVeth)));
      const ep = this.newEndpoint(sb, n, endpoint, others, taken);
      sb.endpoints.push(ep);
      await this.store.saveSandbox(sb);
      await this.realize(sb, new Map(networks.map((x) => [x.id, x])));
      await this.syncFirewallAndDns(networks, sandboxes);
      this.ctx.events.emit({ type: 'network', action: 'connect', id: n.id, attributes: { name: n.name, container: containerId } });
      return endpointInfo(ep, n);
    });
  }

  async disconnect(containerId: string, network: string): Promise<void> {
    await this.lock.run(async () => {
      const networks = await this.store.networks();
      const sandboxes = await this.store.sandboxes();
      const sb = sandboxes.find((s) => s.containerId === containerId);
      const n = await this.get(network, networks);
      const ep = sb?.endpoints.find((e) => e.networkId === n.id);
      if (!sb || !ep) throw new EngineError('NOT_FOUND', `container ${containerId.slice(0, 12)} is not connected to network ${n.name}`);
      sb.endpoints = sb.endpoints.filter((e) => e !== ep);
      await this.store.saveSandbox(sb);
      await this.kernel.deleteLink(ep.hostVeth);
      await this.realize(sb, new Map(networks.map((x) => [x.id, x])));
      await this.syncFirewallAndDns(networks, sandboxes);
      await this.dropIdleOnDemand();
      this.ctx.events.emit({ type: 'network', action: 'disconnect', id: n.id, attributes: { name: n.name, container: containerId } });
    });
  }
}

/**
 * A fixed MAC for a network's bridge (see Kernel.ensureBridge), derived from the root and the
 * network id: locally administered, unicast, and never 02:42:..., the prefix of container MACs.
 */
export function bridgeMac(rootId: string, networkId: string): string {
  const h = createHash('sha256').update(`bridge/${rootId}/${networkId}`).digest();
  h[0] = (h[0]! & 0xfc) | 0x02;
  if (h[0] === 0x02 && h[1] === 0x42) h[1] = 0x43;
  return [...h.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function samePort(p: PortBinding, o: { containerPort: number; protocol: string; hostIp: string; hostPort: number }): boolean {
  const ip = p.hostIp && p.hostIp !== '::' ? p.hostIp : '0.0.0.0';
  return p.containerPort === o.containerPort && p.protocol === o.protocol && ip === o.hostIp && (!p.hostPort || p.hostPort === o.hostPort);
}

function endpointInfo(ep: EndpointRecord, n: NetworkRecord): EndpointInfo {
  return {
    networkId: n.id,
    networkName: n.name,
    ipAddress: ep.ipAddress,
    ipPrefixLen: prefixLen(n.ipam.subnet),
    gateway: n.internal ? '' : n.ipam.gateway,
    macAddress: ep.macAddress,
    aliases: ep.aliases,
    ...(ep.ipv6Address ? { ipv6Address: ep.ipv6Address } : {}),
  };
}

/** Docker's network filters: name (substring), id (prefix), label (key or key=value), driver, dangling. */
function matchesFilters(n: NetworkRecord, filters: Record<string, string[]>, sandboxes: SandboxRecord[]): boolean {
  for (const [k, values] of Object.entries(filters)) {
    if (!values.length) continue;
    const ok = values.some((v) => {
      switch (k) {
        case 'name':
          return n.name.includes(v);
        case 'id':
          return n.id.startsWith(v);
        case 'driver':
          return n.driver === v;
        case 'label': {
          const i = v.indexOf('=');
          return i < 0 ? v in n.labels : n.labels[v.slice(0, i)] === v.slice(i + 1);
        }
        case 'dangling': {
          const used = sandboxes.some((s) => s.endpoints.some((e) => e.networkId === n.id));
          return (v === 'true' || v === '1') === !used;
        }
        default:
          return true;
      }
    });
    if (!ok) return false;
  }
  return true;
}
