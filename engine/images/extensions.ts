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

const todo = (what: string): never => {
  throw new EngineError('INTERNAL', `image ${what} is not implemented yet`);
};

export function load(s: ImageStoreImpl, src: Readable, p?: ProgressFn): Promise<string[]> {
  return loadArchive(s.core, src, p);
}
export function save(s: ImageStoreImpl, refs: string[]): Promise<Readable> {
  return saveArchive(s.core, refs);
}
export async function pull(_s: ImageStoreImpl, _ref: string, _p?: ProgressFn): Promise<string> {
  return todo('pull');
}
export async function push(_s: ImageStoreImpl, _ref: string, _p?: ProgressFn): Promise<string> {
  return todo('push');
}
export async function build(_s: ImageStoreImpl, _o: BuildOptions, _r: BuildRunner, _p?: ProgressFn): Promise<string> {
  return todo('build');
}
export async function login(_s: ImageStoreImpl, _server: string, _u: string, _pw: string): Promise<void> {
  return todo('login');
}
export async function search(_s: ImageStoreImpl, _t: string, _r?: string): Promise<string[]> {
  return todo('search');
}
export async function cacheDiffIds(_s: ImageStoreImpl): Promise<Set<string>> {
  return new Set();
}
export async function clearCache(_s: ImageStoreImpl): Promise<void> {}
export async function commit(_s: ImageStoreImpl, _c: string, _i: string, _r: string | undefined, _o: object): Promise<string> {
  return todo('commit');
}
