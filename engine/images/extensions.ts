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
export async function build(_s: ImageStoreImpl, _o: BuildOptions, _r: BuildRunner, _p?: ProgressFn): Promise<string> {
  return todo('build');
}
export function login(s: ImageStoreImpl, server: string, u: string, pw: string): Promise<void> {
  return reg(s).login(server, u, pw);
}
export function search(s: ImageStoreImpl, t: string, r?: string): Promise<string[]> {
  return reg(s).search(t, r);
}
export async function cacheDiffIds(_s: ImageStoreImpl): Promise<Set<string>> {
  return new Set();
}
export async function clearCache(_s: ImageStoreImpl): Promise<void> {}
export async function commit(_s: ImageStoreImpl, _c: string, _i: string, _r: string | undefined, _o: object): Promise<string> {
  return todo('commit');
}
