/** The local volume driver (see manager.ts), composed by the daemon. */
import type { EngineContext, VolumeManager } from '../common/contracts.js';
import { run } from '../common/exec.js';
import { LocalVolumeManager } from './manager.js';

export { LocalVolumeManager } from './manager.js';

export function createVolumeManager(ctx: EngineContext): VolumeManager & LocalVolumeManager {
  return new LocalVolumeManager(ctx, run);
}
