/** engine/images: the image store. See store.ts for the map of modules. */
import type { EngineContext, ImageStore } from '../common/contracts.js';
import { ImageStoreImpl } from './store.js';

export function createImageStore(ctx: EngineContext): ImageStore {
  return new ImageStoreImpl(ctx);
}

export { parseReference, familiarName, normalizeTagged } from './reference.js';
