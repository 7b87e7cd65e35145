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
