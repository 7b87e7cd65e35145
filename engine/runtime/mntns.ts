/**
 * berth's own mount namespace for crun on hybrid-cgroup hosts (engine-lab.md §0.2): crun
 * refuses to run while the cgroup2 mount has controllers, so it runs in a namespace where
 * that mount is gone. The namespace is made once and kept as a bind-mounted nsfs file under
 * the root (<root>/run/ns/mnt); every runtime call enters it with nsenter (almost free,
 * where a fresh `unshare` per call costs ~15 ms).
 *
 * Mounts made on the host after the namespace exists are visible inside only through mount
 * propagation, so: the root is bind-mounted on itself and made shared BEFORE any container
 * mount exists under it (the namespace's copy is a slave of it), the folder holding the nsfs
 * file is a private bind (the kernel refuses an nsfs bind under a shared mount), and
 * /run/netns must already be a shared mount (`ip netns` and the network manager make it so).
 * When a precondition does not hold, nothing is made and the wrapper falls back to the
 * per-call `unshare`. The whole thing is undone when the root has no container left, so a
 * root without containers holds no mounts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from '../common/exec.js';

interface MountLine {
  mountPoint: string;
  fsType: string;
  shared: boolean;
}

async function mounts(): Promise<MountLine[]> {
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const f = (pre ?? '').split(' ');
    const mountPoint = (f[4] ?? '').replace(/\\040/g, ' ');
    out.push({ mountPoint, fsType: (post ?? '').split(' ')[0] ?? '', shared: f.slice(6).some((o) => o.startsWith('shared:')) });
  }
  return out;
}

export class EngineMountNs {
  readonly nsDir: string;
  readonly nsFile: string;
  private readonly marker: string;
  /** ensure/release run one at a time: concurrent creates would bind the root several times. */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  constructor(
    readonly root: string,
    private readonly unified: string,
    private readonly log: (m: string) => void,
    private readonly netnsDir = '/run/netns',
  ) {
    this.nsDir = path.join(root, 'run', 'ns');
    this.nsFile = path.join(this.nsDir, 'mnt');
    this.marker = path.join(root, 'run', 'ns-root-bind');
  }

  async valid(): Promise<boolean> {
    return (await mounts()).some((m) => m.mountPoint === this.nsFile && m.fsType === 'nsfs');
  }

  /** Makes the namespace when missing. False when it cannot be made safely (callers then use `unshare`). */
  ensure(): Promise<boolean> {
    return this.serial(() => this.ensureNow());
  }

  /** Undoes ensure(). Leaves the root bind when something else is still mounted under it. */
  release(): Promise<void> {
    return this.serial(() => this.releaseNow());
  }

  private async ensureNow(): Promise<boolean> {
    const all = await mounts();
    if (all.some((m) => m.mountPoint === this.nsFile && m.fsType === 'nsfs')) return true;
    const netns = all.filter((m) => m.mountPoint === this.netnsDir).at(-1);
    if (!netns?.shared) {
      this.log(`engine mount namespace: ${this.netnsDir} is not a shared mount; using a namespace per call`);
      return false;
    }
    const under = all.filter((m) => m.mountPoint.startsWith(this.root + '/') && !m.mountPoint.startsWith(this.nsDir));
    if (under.length) {
      // binding the root over existing mounts would hide them from their owners' unmounts
      this.log(`engine mount namespace: mounts already under the root (${under[0]!.mountPoint}); using a namespace per call`);
      return false;
    }
    try {
      if (!all.some((m) => m.mountPoint === this.root)) {
        await fs.writeFile(this.marker, '');
        await run('mount', ['--bind', this.root, this.root]);
      }
      await run('mount', ['--make-shared', this.root]);
      await fs.mkdir(this.nsDir, { recursive: true });
      if (!(await mounts()).some((m) => m.mountPoint === this.nsDir)) await run('mount', ['--bind', this.nsDir, this.nsDir]);
      await run('mount', ['--make-private', this.nsDir]);
      await fs.writeFile(this.nsFile, '');
      await run('unshare', [`--mount=${this.nsFile}`, '--propagation', 'slave', 'umount', '-l', this.unified]);
      return true;
    } catch (e) {
      this.log(`engine mount namespace: ${(e as Error).message}; using a namespace per call`);
      await this.releaseNow();
      return false;
    }
  }

  private async releaseNow(): Promise<void> {
    let all = await mounts();
    for (let i = 0; i < 10 && all.some((m) => m.mountPoint === this.nsFile); i++) {
      if ((await run('umount', [this.nsFile], { allowFail: true })).code !== 0) break;
      all = await mounts();
    }
    for (let i = 0; i < 10 && all.some((m) => m.mountPoint === this.nsDir); i++) {
      if ((await run('umount', [this.nsDir], { allowFail: true })).code !== 0) break;
      all = await mounts();
    }
    await fs.rm(this.nsDir, { recursive: true, force: true }).catch(() => {});
    // a loop: older builds could stack several binds of the root (concurrent ensure)
    for (let i = 0; i < 10; i++) {
      all = await mounts();
      const busy = all.find((m) => m.mountPoint.startsWith(this.root + '/'));
      const ours = await fs.stat(this.marker).then(() => true, () => false);
      if (!ours) return;
      if (!all.some((m) => m.mountPoint === this.root)) {
        await fs.rm(this.marker, { force: true });
        return;
      }
      if (busy) {
        this.log(`engine mount namespace: keeping the root's bind mount, ${busy.mountPoint} is still mounted`);
        return;
      }
      let r = await run('umount', [this.root], { allowFail: true });
      // Files opened through the bind (the engine's own log, its socket) keep it busy. It binds
      // the root onto itself with nothing mounted inside any more, so detaching it lazily is
      // safe: those files are the same inodes either way.
      if (r.code !== 0) r = await run('umount', ['-l', this.root], { allowFail: true });
      if (r.code !== 0) {
        this.log(`engine mount namespace: cannot unmount the root's bind: ${r.stderr.trim()}`);
        return;
      }
    }
  }
}
