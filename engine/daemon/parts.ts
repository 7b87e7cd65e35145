/**
 * Loads the engine's parts through their factories (engine/common/contracts.ts). The parts are
 * written in parallel with the daemon: a part whose module is missing is replaced by a stand-in
 * whose calls fail with a clear "not implemented yet" EngineError, so the daemon still starts
 * and serves what exists.
 */
import { EngineError } from '../api/types.js';
import type { ContainerManager, EngineContext, ImageStore, NetworkManager, VolumeManager } from '../common/contracts.js';

export interface Parts {
  images: ImageStore;
  networks: NetworkManager;
  volumes: VolumeManager;
  containers: ContainerManager;
  /** Names of the parts that are stand-ins. */
  missing: string[];
}

export interface PartFactories {
  createImageStore?: (ctx: EngineContext) => ImageStore;
  createNetworkManager?: (ctx: EngineContext) => NetworkManager;
  createVolumeManager?: (ctx: EngineContext) => VolumeManager;
  createContainerManager?: (ctx: EngineContext, deps: { images: ImageStore; networks: NetworkManager; volumes: VolumeManager }) => ContainerManager;
}

/** A part whose async methods reject with "not implemented yet"; lifecycle calls succeed. */
export function standIn<T extends object>(part: string, sync: Record<string, unknown> = {}): T {
  return new Proxy({} as T, {
    get(_t, prop) {
      if (typeof prop !== 'string') return undefined;
      if (prop in sync) return sync[prop];
      if (prop === 'then') return undefined; // not a thenable
      if (prop === 'init' || prop === 'close') return async () => {};
      return () => Promise.reject(new EngineError('INTERNAL', `${part} is not implemented yet in this build of berth (${prop})`));
    },
  });
}

async function tryImport(spec: string, log: (m: string) => void): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Only a missing module means "not written yet"; anything else is a real bug to surface.
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(spec.replace(/^.*\//, '').replace(/\.js$/, ''))) {
      log(`part ${spec} is missing: ${err.message}`);
      return undefined;
    }
    throw e;
  }
}

/** The factories from engine/{images,network,volumes,runtime}/index.js, where they exist. */
export async function loadFactories(log: (m: string) => void): Promise<PartFactories> {
  const at = (p: string) => new URL(p, import.meta.url).href;
  const [img, net, vol, rt] = await Promise.all([
    tryImport(at('../images/index.js'), log),
    tryImport(at('../network/index.js'), log),
    tryImport(at('../volumes/index.js'), log),
    tryImport(at('../runtime/index.js'), log),
  ]);
  return {
    createImageStore: img?.createImageStore as PartFactories['createImageStore'],
    createNetworkManager: net?.createNetworkManager as PartFactories['createNetworkManager'],
    createVolumeManager: vol?.createVolumeManager as PartFactories['createVolumeManager'],
    createContainerManager: rt?.createContainerManager as PartFactories['createContainerManager'],
  };
}

export function composeParts(ctx: EngineContext, f: PartFactories): Parts {
  const missing: string[] = [];
  const images = f.createImageStore ? f.createImageStore(ctx) : (missing.push('images'), standIn<ImageStore>('the image store'));
  const networks = f.createNetworkManager ? f.createNetworkManager(ctx) : (missing.push('networks'), standIn<NetworkManager>('the network manager'));
  const volumes = f.createVolumeManager ? f.createVolumeManager(ctx) : (missing.push('volumes'), standIn<VolumeManager>('the volume manager'));
  const containers = f.createContainerManager
    ? f.createContainerManager(ctx, { images, networks, volumes })
    : (missing.push('containers'),
      standIn<ContainerManager>('the container manager', {
        imagesInUse: () => new Set<string>(),
        counts: () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
        runtimeInfo: () => ({ runtime: 'runc', runtimePath: '', cgroupVersion: 1 }),
        buildRunner: () => standIn('the build runner'),
      }));
  return { images, networks, volumes, containers, missing };
}
