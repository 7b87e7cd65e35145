/**
 * The operations not yet written, in one place so the store compiles while they land.
 */
import type { Readable } from 'node:stream';
import type { BuildOptions, ProgressFn } from '../api/types.js';
import { EngineError } from '../api/types.js';
import type { BuildRunner } from '../common/contracts.js';
import type { ImageStoreImpl } from './store.js';
import { loadArchive } from './load.js';
import { saveArchive } from './save.js';
import { buildImage } from './build/builder.js';
import { BuildCache } from './build/cache.js';
import type { Registries } from './registry/index.js';

const todo = (what: string): never => {
  throw new EngineError('INTERNAL', `image ${what} is not implemented yet`);
};

export function load(s: ImageStoreImpl, src: Readable, p?: ProgressFn): Promise<string[]> {
  return loadArchive(s.core, src, p);
}
export function save(s: ImageStoreImpl, refs: string[]): Promise<Readable> {
  return saveArchive(s.core, refs);
}
const reg = (s: ImageStoreImpl): Registries => s.registries;
export function pull(s: ImageStoreImpl, ref: string, p?: ProgressFn): Promise<string> {
  return reg(s).pull(ref, p);
}
export function push(s: ImageStoreImpl, ref: string, p?: ProgressFn): Promise<string> {
  return reg(s).push(ref, p);
}
export function build(s: ImageStoreImpl, o: BuildOptions, r: BuildRunner, p?: ProgressFn): Promise<string> {
  return buildImage(s.core, s.registries, o, r, p);
}
export function login(s: ImageStoreImpl, server: string, u: string, pw: string): Promise<void> {
  return reg(s).login(server, u, pw);
}
export function search(s: ImageStoreImpl, t: string, r?: string): Promise<string[]> {
  return reg(s).search(t, r);
}
export function cacheDiffIds(s: ImageStoreImpl): Promise<Set<string>> {
  return new BuildCache(s.core.p.cache, s.core.lock).diffIds();
}
export function clearCache(s: ImageStoreImpl): Promise<void> {
  return new BuildCache(s.core.p.cache, s.core.lock).clear();
}
export async function commit(_s: ImageStoreImpl, _c: string, _i: string, _r: string | undefined, _o: object): Promise<string> {
  return todo('commit');
}
