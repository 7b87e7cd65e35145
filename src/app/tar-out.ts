/**
 * `cp SERVICE:SRC -`: docker cp writes a tar archive of SRC to standard output, its top entry
 * named after SRC's last element. berth copies out to a temporary folder (the engine's
 * copy-out sees what the container sees), then packs that tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import tar from 'tar-stream';

type Headers = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

export async function packTree(root: string, name: string, write: (chunk: Uint8Array) => void): Promise<void> {
  const pack = tar.pack();
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => write(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const add = (header: Headers, body?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => pack.entry(header, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
  const walk = async (abs: string, rel: string): Promise<void> => {
    const st = fs.lstatSync(abs);
    const base = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isSymbolicLink()) return add({ ...base, type: 'symlink', linkname: fs.readlinkSync(abs) });
    if (st.isDirectory()) {
      await add({ ...base, type: 'directory' });
      for (const child of fs.readdirSync(abs).sort()) await walk(path.join(abs, child), `${rel}/${child}`);
      return;
    }
    if (st.isFile()) return add({ ...base, type: 'file', size: st.size }, fs.readFileSync(abs));
  };
  await walk(root, name);
  pack.finalize();
  await done;
}

/**
 * `cp - SERVICE:DEST`: docker cp extracts a tar archive from standard input into DEST. Here it
 * is unpacked into `dir` first (entries that would land outside it are refused), then copied
 * in as "dir/." (the content).
 */
export async function unpackTree(archive: NodeJS.ReadableStream, dir: string): Promise<void> {
  const ex = tar.extract();
  const root = path.resolve(dir);
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const target = path.resolve(root, h.name);
      if (target !== root && !target.startsWith(root + path.sep)) {
        stream.resume();
        reject(new Error(`the archive's entry ${h.name} points outside the destination`));
        return;
      }
      const finish = (e?: unknown): void => {
        if (e) reject(e);
        else next();
      };
      try {
        if (h.type === 'directory') {
          fs.mkdirSync(target, { recursive: true, mode: h.mode });
          stream.resume();
          stream.on('end', () => finish());
        } else if (h.type === 'symlink') {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.symlinkSync(h.linkname ?? '', target);
          stream.resume();
          stream.on('end', () => finish());
        } else if (h.type === 'file' || h.type === 'contiguous-file') {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const out = fs.createWriteStream(target, { mode: h.mode });
          stream.pipe(out);
          out.on('finish', () => finish());
          out.on('error', finish);
        } else {
          stream.resume(); // devices, fifos: not copied
          stream.on('end', () => finish());
        }
      } catch (e) {
        finish(e);
      }
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  archive.pipe(ex);
  await done;
}
