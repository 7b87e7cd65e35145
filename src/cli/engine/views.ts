/**
 * berth's inspect objects in Docker's field names, so `inspect` output, `-f '{{.State.ExitCode}}'`
 * and `ls --format json` read as Docker users expect. Pure mapping; durations go back to
 * nanoseconds where Docker shows nanoseconds.
 */
import type { ContainerInspect, ContainerSummary, ImageInspect, ImageSummary, NetworkInspect, VolumeInspect } from '../../../engine/api/types.js';
import { ago, commandText, labelsText, portsText, repoTag, shortId, humanSize } from './format.js';

const NS = 1_000_000;

function portKey(p: { containerPort: number; protocol: string }): string {
  return `${p.containerPort}/${p.protocol}`;
}

export function containerView(c: ContainerInspect): Record<string, unknown> {
  const cfg = c.config;
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of cfg.exposedPorts ?? []) ports[e.includes('/') ? e : `${e}/tcp`] = null;
  for (const p of c.ports) (ports[portKey(p)] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of cfg.ports ?? []) (bindings[portKey(p)] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  const hc = cfg.healthcheck;
  const first = Object.values(c.networks)[0];
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: {
      Status: c.state.status,
      Running: c.state.running,
      Paused: c.state.paused,
      Restarting: c.state.restarting,
      OOMKilled: c.state.oomKilled,
      Dead: c.state.dead,
      Pid: c.state.pid,
      ExitCode: c.state.exitCode,
      Error: c.state.error,
      StartedAt: c.state.startedAt,
      FinishedAt: c.state.finishedAt,
      ...(c.state.health
        ? {
            Health: {
              Status: c.state.health.status,
              FailingStreak: c.state.health.failingStreak,
              Log: c.state.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
            },
          }
        : {}),
    },
    Image: c.imageId,
    ResolvConfPath: c.resolvConfPath ?? '',
    HostnamePath: c.hostnamePath ?? '',
    HostsPath: c.hostsPath ?? '',
    LogPath: c.logPath,
    Name: c.name.startsWith('/') ? c.name : `/${c.name}`,
    RestartCount: c.restartCount,
    HostConfig: {
      NetworkMode: c.networkMode,
      PortBindings: bindings,
      RestartPolicy: { Name: cfg.restartPolicy?.name ?? 'no', MaximumRetryCount: cfg.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: !!cfg.autoRemove,
      Binds: (cfg.mounts ?? []).filter((m) => m.type === 'bind').map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      Tmpfs: Object.fromEntries((cfg.mounts ?? []).filter((m) => m.type === 'tmpfs').map((m) => [m.target, ''])),
      CapAdd: cfg.capAdd ?? null,
      CapDrop: cfg.capDrop ?? null,
      Dns: cfg.dns ?? [],
      DnsSearch: cfg.dnsSearch ?? [],
      DnsOptions: cfg.dnsOptions ?? [],
      ExtraHosts: cfg.extraHosts ?? null,
      GroupAdd: cfg.groupAdd ?? null,
      Privileged: !!cfg.privileged,
      ReadonlyRootfs: !!cfg.readOnlyRootfs,
      SecurityOpt: cfg.securityOpt ?? null,
      Init: cfg.init ?? null,
      IpcMode: cfg.ipc ?? '',
      PidMode: cfg.pid ?? '',
      Memory: cfg.resources?.memory ?? 0,
      MemorySwap: cfg.resources?.memorySwap ?? 0,
      MemoryReservation: cfg.resources?.memoryReservation ?? 0,
      NanoCpus: cfg.resources?.nanoCpus ?? 0,
      CpuShares: cfg.resources?.cpuShares ?? 0,
      CpuQuota: cfg.resources?.cpuQuota ?? 0,
      CpuPeriod: cfg.resources?.cpuPeriod ?? 0,
      CpusetCpus: cfg.resources?.cpusetCpus ?? '',
      CpusetMems: cfg.resources?.cpusetMems ?? '',
      PidsLimit: cfg.resources?.pidsLimit ?? null,
      ShmSize: cfg.resources?.shmSize ?? 0,
      OomScoreAdj: cfg.resources?.oomScoreAdj ?? 0,
      Ulimits: (cfg.ulimits ?? []).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      Sysctls: cfg.sysctls ?? {},
    },
    Mounts: c.mounts.map((m) => ({ Type: m.type, ...(m.name ? { Name: m.name } : {}), Source: m.source, Destination: m.destination, RW: m.rw })),
    Config: {
      Hostname: cfg.hostname ?? c.id.slice(0, 12),
      Domainname: cfg.domainname ?? '',
      User: cfg.user ?? '',
      Tty: !!cfg.tty,
      OpenStdin: !!cfg.openStdin,
      ExposedPorts: Object.fromEntries([...(cfg.exposedPorts ?? []), ...(cfg.ports ?? []).map(portKey)].map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])),
      Env: cfg.env ?? [],
      Cmd: cfg.cmd ?? null,
      Healthcheck: hc
        ? {
            Test: hc.test,
            ...(hc.interval !== undefined ? { Interval: hc.interval * NS } : {}),
            ...(hc.timeout !== undefined ? { Timeout: hc.timeout * NS } : {}),
            ...(hc.startPeriod !== undefined ? { StartPeriod: hc.startPeriod * NS } : {}),
            ...(hc.startInterval !== undefined ? { StartInterval: hc.startInterval * NS } : {}),
            ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
          }
        : undefined,
      Image: c.image,
      WorkingDir: cfg.workingDir ?? '',
      Entrypoint: cfg.entrypoint ?? null,
      Labels: cfg.labels ?? {},
      StopSignal: cfg.stopSignal,
      StopTimeout: cfg.stopTimeout,
    },
    NetworkSettings: {
      Ports: ports,
      IPAddress: first?.ipAddress ?? '',
      Gateway: first?.gateway ?? '',
      MacAddress: first?.macAddress ?? '',
      Networks: Object.fromEntries(
        Object.entries(c.networks).map(([name, e]) => [
          name,
          {
            Aliases: e.aliases,
            NetworkID: e.networkId,
            Gateway: e.gateway,
            IPAddress: e.ipAddress,
            IPPrefixLen: e.ipPrefixLen,
            MacAddress: e.macAddress,
            GlobalIPv6Address: e.ipv6Address ?? '',
            DNSNames: [c.name.replace(/^\//, ''), c.id.slice(0, 12), ...e.aliases],
          },
        ]),
      ),
    },
  };
}

/** A `docker ps --format` row: the fields Docker's ps formatter offers. */
export function containerRow(c: ContainerSummary, opts: { noTrunc?: boolean; now?: number } = {}): Record<string, unknown> {
  const created = Date.parse(c.created);
  return {
    ID: opts.noTrunc ? c.id : shortId(c.id),
    Image: c.image,
    Command: commandText(c.command, opts.noTrunc),
    CreatedAt: Number.isFinite(created) ? new Date(created).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC') : c.created,
    RunningFor: ago(c.created, opts.now),
    Ports: portsText(c.ports),
    State: c.state,
    Status: c.status,
    Size: '0B',
    Names: c.names.map((n) => n.replace(/^\//, '')).join(','),
    Labels: labelsText(c.labels),
    Mounts: c.mounts.join(','),
    Networks: c.networks.join(','),
    LocalVolumes: String(c.mounts.length),
  };
}

export function imageView(i: ImageInspect): Record<string, unknown> {
  return {
    Id: i.id,
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Parent: i.parent ?? '',
    Comment: i.comment ?? '',
    Created: i.created,
    Author: i.author ?? '',
    Config: i.config,
    Architecture: i.architecture,
    Os: i.os,
    Size: i.size,
    RootFS: { Type: 'layers', Layers: i.rootfs.diff_ids },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** `docker images --format` rows: one per tag (an untagged image gives one <none> row). */
export function imageRows(i: ImageSummary, opts: { noTrunc?: boolean; now?: number } = {}): Record<string, unknown>[] {
  const tags = i.repoTags.length ? i.repoTags.map(repoTag) : [{ repository: '<none>', tag: '<none>' }];
  return tags.map((t) => ({
    ID: opts.noTrunc ? i.id : shortId(i.id),
    Repository: t.repository,
    Tag: t.tag,
    Digest: i.repoDigests[0]?.split('@')[1] ?? '<none>',
    CreatedSince: ago(i.created, opts.now),
    CreatedAt: i.created,
    Size: humanSize(i.size),
    Containers: i.containers < 0 ? 'N/A' : String(i.containers),
    Labels: labelsText(i.labels),
  }));
}

export function networkView(n: NetworkInspect): Record<string, unknown> {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: n.enableIPv6,
    IPAM: { Driver: 'default', Options: {}, Config: n.ipam.map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, ...(c.ipRange ? { IPRange: c.ipRange } : {}), ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}) })) },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    Containers: Object.fromEntries(Object.entries(n.containers).map(([id, c]) => [id, { Name: c.name, MacAddress: c.macAddress, IPv4Address: c.ipv4Address, IPv6Address: '', Aliases: c.aliases }])),
    Options: { ...n.options, 'com.docker.network.bridge.name': n.bridge },
    Labels: n.labels,
  };
}

export function networkRow(n: NetworkInspect, noTrunc = false): Record<string, unknown> {
  return { ID: noTrunc ? n.id : shortId(n.id), Name: n.name, Driver: n.driver, Scope: 'local', IPv6: String(n.enableIPv6), Internal: String(n.internal), Labels: labelsText(n.labels), CreatedAt: n.created };
}

export function volumeView(v: VolumeInspect): Record<string, unknown> {
  return { CreatedAt: v.created, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: v.options, Scope: v.scope, UsedBy: v.usedBy };
}

export function volumeRow(v: VolumeInspect): Record<string, unknown> {
  return { Name: v.name, Driver: v.driver, Scope: v.scope, Mountpoint: v.mountpoint, Labels: labelsText(v.labels), Links: String(v.usedBy.length), Size: 'N/A' };
}
