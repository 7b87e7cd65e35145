/**
 * engine/runtime: containers. createContainerManager picks the OCI runtime (crun where it
 * works, runc otherwise; BERTH_RUNTIME overrides), reads the host facts the spec needs, and
 * builds the manager.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findPython } from './ttyhelper.js';
import type { ContainerManager, EngineContext, ImageStore, NetworkManager, VolumeManager } from '../common/contracts.js';
import { detectCgroups, hasSwapAccounting, type CgroupLayout } from '../cgroups/index.js';
import { OciRuntime, type NsMode, type RuntimeName } from './driver.js';
import { Manager } from './manager.js';
import { EngineMountNs } from './mntns.js';
import type { HostFacts } from './prepare.js';
import { boundingCapsMask, hostRlimits } from './procfs.js';
import { capsFromMask } from './caps.js';

export { Manager } from './manager.js';
export { buildSpec } from './spec.js';

function which(cmd: string): string | undefined {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface RuntimeChoice {
  name: RuntimeName;
  binary: string;
  nsMode: NsMode;
}

/**
 * crun refuses hybrid hosts whose cgroup2 mount has controllers; it works there from a
 * mount namespace without that mount (the 'unshare' wrapper). runc works everywhere.
 */
export function chooseRuntime(env: NodeJS.ProcessEnv, layout: CgroupLayout, find: (c: string) => string | undefined = which): RuntimeChoice {
  const want = env.BERTH_RUNTIME?.trim();
  const pick = (name: RuntimeName, bin?: string): RuntimeChoice | undefined => {
    const binary = bin ?? find(name);
    if (!binary) return undefined;
    return { name, binary, nsMode: name === 'crun' && layout.hybridWithControllers ? (env.BERTH_CRUN_NS === 'unshare' ? 'unshare' : 'engine-ns') : 'direct' };
  };
  if (want) {
    const name: RuntimeName = path.basename(want).startsWith('runc') ? 'runc' : 'crun';
    const c = pick(name, want.includes('/') ? want : undefined);
    if (!c) throw new Error(`BERTH_RUNTIME=${want}: not found`);
    return c;
  }
  const c = pick('crun') ?? pick('runc');
  if (!c) throw new Error('no OCI runtime found: install crun or runc');
  return c;
}

export function hostFacts(layout: CgroupLayout): HostFacts {
  return {
    availableCaps: capsFromMask(boundingCapsMask()),
    hostRlimits: hostRlimits(),
    swapAccounting: hasSwapAccounting(layout),
    initBinary: which('tini-static') ?? which('catatonit') ?? undefined,
  };
}

export function createContainerManager(
  ctx: EngineContext,
  deps: { images: ImageStore; networks: NetworkManager; volumes: VolumeManager },
  opts: { env?: NodeJS.ProcessEnv; pollMs?: number; logSizeMax?: number } = {},
): ContainerManager {
  const layout = detectCgroups();
  const choice = chooseRuntime(opts.env ?? process.env, layout);
  const runtime = new OciRuntime(choice.name, choice.binary, path.join(ctx.naming.root, 'run'), choice.nsMode, layout.unified);
  const runtimeFor = (name: RuntimeName) => {
    try {
      const c = chooseRuntime({ BERTH_RUNTIME: name }, layout);
      return new OciRuntime(c.name, c.binary, path.join(ctx.naming.root, 'run'), c.nsMode, layout.unified);
    } catch {
      return undefined;
    }
  };
  const conmon = which('conmon');
  if (!conmon) throw new Error('conmon not found: install it (apt-get install conmon)');
  const mntns = choice.nsMode === 'engine-ns' && layout.unified ? new EngineMountNs(ctx.naming.root, layout.unified, ctx.log) : undefined;
  return new Manager(ctx, { ...deps, runtime, runtimeFor, mntns, cgroups: layout, facts: hostFacts(layout), conmon, python: findPython(opts.env ?? process.env), pollMs: opts.pollMs, logSizeMax: opts.logSizeMax });
}
