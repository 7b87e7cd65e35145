/**
 * For end-to-end tests of containers: the real image store, network and volume managers on
 * a test root, the container manager over them, a busybox image imported from a tarball,
 * an event log, and a teardown that removes everything so the leak check can pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../api/types.js';
import type { ContainerManager, EngineContext, ImageStore, NetworkManager, VolumeManager } from '../common/contracts.js';
import { EventBus } from '../common/events.js';
import { naming } from '../common/naming.js';
import { createImageStore } from '../images/index.js';
import { createVolumeManager } from '../volumes/index.js';
import { testNetworkManager } from '../network/testkit.js';
import { createContainerManager } from './index.js';

export interface Rig {
  root: string;
  ctx: EngineContext;
  images: ImageStore;
  networks: NetworkManager;
  volumes: VolumeManager;
  mgr: ContainerManager;
  events: EngineEvent[];
  log: string[];
  /** A second manager on the same root, as a restarted engine would make. */
  newManager(env?: NodeJS.ProcessEnv): Promise<ContainerManager>;
  /** Removes every container, network, volume, image mount of the root. */
  teardown(): Promise<void>;
}

export async function makeRig(root: string, opts: { env?: NodeJS.ProcessEnv; logSizeMax?: number } = {}): Promise<Rig> {
  const bus = new EventBus();
  const events: EngineEvent[] = [];
  const log: string[] = [];
  bus.on((e) => events.push(e));
  const ctx: EngineContext = { naming: naming(root), events: bus, log: (m) => log.push(m) };
  const images = createImageStore(ctx);
  const networks = testNetworkManager(root);
  const volumes = createVolumeManager(ctx);
  await images.init();
  await networks.init();
  await volumes.init();
  const make = async (env = opts.env) => {
    const m = createContainerManager(ctx, { images, networks, volumes }, { env, pollMs: 300, logSizeMax: opts.logSizeMax });
    await m.init();
    return m;
  };
  const managers: ContainerManager[] = [];
  const mgr = await make();
  managers.push(mgr);
  const rig: Rig = {
    root,
    ctx,
    images,
    networks,
    volumes,
    mgr,
    events,
    log,
    async newManager(env?: NodeJS.ProcessEnv) {
      const m = await make(env ?? opts.env);
      managers.push(m);
      rig.mgr = m;
      return m;
    },
    async teardown() {
      const m = rig.mgr;
      for (const c of await m.containerList({ all: true })) await m.containerRemove(c.id, { force: true, volumes: true }).catch(() => {});
      for (const x of managers) await x.close();
      for (const v of await volumes.list()) await volumes.remove(v.name, { force: true }).catch(() => {});
      await networks.prune().catch(() => {});
      await networks.close();
    },
  };
  return rig;
}

/** Imports the busybox tarball as busybox:test; returns its id. */
export async function importBusybox(images: ImageStore, tarball: string, changes: string[], ref = 'busybox:test'): Promise<string> {
  return images.import(fs.createReadStream(tarball), ref, changes);
}

export function rmRoot(root: string): void {
  fs.rmSync(path.resolve(root), { recursive: true, force: true });
}

export async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs = 15_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
