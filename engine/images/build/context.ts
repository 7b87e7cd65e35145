/**
 * The build context: the files under the context dir that .dockerignore leaves in, how
 * COPY/ADD source patterns select among them, and a content hash for the cache key.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DockerIgnore, patternToRegExp } from './dockerignore.js';

export interface ContextEntry {
  rel: string;
  type: 'file' | 'dir' | 'symlink';
}

export class BuildContext {
  private entries?: ContextEntry[];
  private hashes = new Map<string, string>();

  constructor(
    readonly dir: string,
    readonly ignore: DockerIgnore,
  ) {}

  static async open(dir: string): Promise<BuildContext> {
    const text = await fs.readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '');
    return new BuildContext(dir, new DockerIgnore(text));
  }

  async list(): Promise<ContextEntry[]> {
    if (this.entries) return this.entries;
    const out: ContextEntry[] = [];
    const walk = async (rel: string): Promise<void> => {
      const names = (await fs.readdir(path.join(this.dir, rel))).sort();
      for (const n of names) {
        const r = rel ? `${rel}/${n}` : n;
        const st = await fs.lstat(path.join(this.dir, r));
        if (st.isDirectory()) {
          if (this.ignore.canSkipDir(r)) continue;
          if (!this.ignore.ignores(r)) out.push({ rel: r, type: 'dir' });
          await walk(r);
        } else if (this.ignore.ignores(r)) continue;
        else if (st.isSymbolicLink()) out.push({ rel: r, type: 'symlink' });
        else if (st.isFile()) out.push({ rel: r, type: 'file' });
      }
    };
    await walk('');
    this.entries = out;
    return out;
  }

  /**
   * Context-relative paths a COPY source selects: "." is everything, a glob matches
   * entries by Docker's rules, a plain path must exist and not be ignored.
   */
  async match(src: string): Promise<ContextEntry[]> {
    const clean = path.posix.normalize(src).replace(/^(\.\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
    const all = await this.list();
    if (clean === '.' || clean === '') return [{ rel: '', type: 'dir' }];
    if (/[*?[]/.test(clean)) {
      const re = patternToRegExp(clean);
      return all.filter((e) => re.test(e.rel));
    }
    const hit = all.find((e) => e.rel === clean);
    if (!hit) throw new Error(`file not found in build context or excluded by .dockerignore: ${src}`);
    return [hit];
  }

  /** Entries at or below a context path (for copying a directory's contents). */
  async below(rel: string): Promise<ContextEntry[]> {
    const all = await this.list();
    if (!rel) return all;
    return all.filter((e) => e.rel.startsWith(rel + '/'));
  }

  private async fileHash(rel: string): Promise<string> {
    const cached = this.hashes.get(rel);
    if (cached) return cached;
    const h = createHash('sha256');
    for await (const c of createReadStream(path.join(this.dir, rel))) h.update(c as Buffer);
    const d = h.digest('hex');
    this.hashes.set(rel, d);
    return d;
  }

  /** A digest over names, types, modes and contents of everything the sources select. */
  async hashSources(sources: string[]): Promise<string> {
    const h = createHash('sha256');
    for (const s of sources) {
      h.update(`src:${s}\n`);
      for (const e of await this.match(s)) {
        const list = e.type === 'dir' ? [e, ...(await this.below(e.rel))] : [e];
        for (const x of list) {
          const st = await fs.lstat(path.join(this.dir, x.rel));
          h.update(`${x.rel}\0${x.type}\0${st.mode}\0`);
          if (x.type === 'file') h.update(await this.fileHash(x.rel));
          if (x.type === 'symlink') h.update(await fs.readlink(path.join(this.dir, x.rel)));
          h.update('\n');
        }
      }
    }
    return h.digest('hex');
  }
}
