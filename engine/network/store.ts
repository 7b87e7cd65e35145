/**
 * What the network manager remembers, one JSON file per object, written atomically:
 *   <root>/network/networks/<id>.json     a network (bridge name, IPAM)
 *   <root>/network/sandboxes/<cid>.json   a container's netns, endpoints, published ports
 * Everything kernel-side (bridges, veths, netns, firewall, DNS) can be rebuilt from these.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PublishedPort } from '../api/types.js';
import { readJson, writeJsonAtomic } from '../common/fsutil.js';
import type { PortClaim } from './claims.js';
import type { NetworkIpam } from './ipam.js';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge';
  created: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipam: NetworkIpam;
  bridge: string;
}

export interface EndpointRecord {
  networkId: string;
  /** Interface name inside the netns (eth0, eth1, ...). */
  ifname: string;
  /** Host side of the veth pair, enslaved to the network's bridge. */
  hostVeth: string;
  ipAddress: string;
  /** On networks with IPv6 enabled. */
  ipv6Address?: string;
  macAddress: string;
  aliases: string[];
}

export interface SandboxRecord {
  containerId: string;
  name: string;
  hostname: string;
  /** Name under /run/netns. */
  netns: string;
  /** network_mode none: loopback only. */
  isolated: boolean;
  /** In attach order; the first non-internal one carries the default route and the published ports. */
  endpoints: EndpointRecord[];
  ports: PublishedPort[];
  /**
   * false while the container is stopped (deactivateSandbox): the netns and addresses stay,
   * but its names leave DNS and its published ports are neither forwarded nor claimed.
   */
  active?: boolean;
  /** Set by setupSandbox when it claims ports: keeps them while the container is starting (claims.ts). */
  claim?: PortClaim;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  extraHosts?: string[];
}

export function isActive(s: SandboxRecord): boolean {
  return s.active !== false;
}

export class NetworkStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = path.join(root, 'network');
  }
  private netFile(id: string): string {
    return path.join(this.dir, 'networks', `${id}.json`);
  }
  private sbFile(cid: string): string {
    return path.join(this.dir, 'sandboxes', `${cid}.json`);
  }
  get lockFile(): string {
    return path.join(this.dir, 'lock');
  }

  async networks(): Promise<NetworkRecord[]> {
    return (await this.readAll<NetworkRecord>(path.join(this.dir, 'networks'))).sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }
  async sandboxes(): Promise<SandboxRecord[]> {
    return this.readAll<SandboxRecord>(path.join(this.dir, 'sandboxes'));
  }
  async sandbox(cid: string): Promise<SandboxRecord | undefined> {
    return readJson<SandboxRecord>(this.sbFile(cid));
  }
  saveNetwork(n: NetworkRecord): Promise<void> {
    return writeJsonAtomic(this.netFile(n.id), n);
  }
  saveSandbox(s: SandboxRecord): Promise<void> {
    return writeJsonAtomic(this.sbFile(s.containerId), s);
  }
  async deleteNetwork(id: string): Promise<void> {
    await fs.rm(this.netFile(id), { force: true });
  }
  async deleteSandbox(cid: string): Promise<void> {
    await fs.rm(this.sbFile(cid), { force: true });
  }

  private async readAll<T>(dir: string): Promise<T[]> {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return [];
    }
    const out: T[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      const v = await readJson<T>(path.join(dir, n)).catch(() => undefined);
      if (v) out.push(v);
    }
    return out;
  }
}
