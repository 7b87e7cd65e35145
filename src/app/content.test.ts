import { describe, expect, it } from 'vitest';
import type { Project } from '../model/types.js';
import { serviceConfigHash, serviceContentDigest, serviceFieldHashes } from '../plan/hash.js';
import { reconcile } from '../plan/reconcile.js';
import { planToText } from '../plan/text.js';
import type { ObservedState } from '../plan/types.js';
import { contentDigests } from './content.js';

const IMG_ID = 'sha256:' + '1'.repeat(64);

function project(conf: string, secretFile = '/run/pw'): Project {
  return {
    name: 'demo',
    services: {
      app: { image: 'busybox', configs: [{ source: 'conf' }], secrets: [{ source: 'pw' }], networks: { default: null } },
      plain: { image: 'busybox', networks: { default: null } },
    },
    networks: { default: { name: 'demo_default' } },
    configs: { conf: { content: conf }, token: { environment: 'TOKEN' } },
    secrets: { pw: { file: secretFile } },
  };
}

const files: Record<string, string> = { '/run/pw': 's3cret', '/run/pw2': 'other' };
const read = (f: string): Uint8Array => {
  if (!(f in files)) throw new Error('ENOENT');
  return Buffer.from(files[f]!);
};

/** The engine after an up of `p` (labels as convert stamps them). */
function upState(p: Project): ObservedState {
  return {
    project: 'demo',
    containers: Object.entries(p.services).map(([name, s], i) => ({
      id: `id${i}`,
      name: `demo-${name}-1`,
      service: name,
      number: 1,
      oneoff: false,
      status: 'running',
      exitCode: 0,
      configHash: serviceConfigHash(s, serviceContentDigest(p, name)),
      fieldHashes: serviceFieldHashes(s, serviceContentDigest(p, name)),
      imageId: IMG_ID,
      dependsOn: [],
      image: 'busybox',
    })),
    networks: [{ id: 'n1', name: 'demo_default', key: 'default' }],
    volumes: [],
    images: { busybox: IMG_ID },
  };
}

describe('secret and config contents in the config hash', () => {
  it('nothing to do when no content changed', () => {
    const p = contentDigests(project('a=1'), {}, read);
    expect(planToText(reconcile(p, undefined, upState(p)))).toMatch(/nothing to do/);
  });

  it('a changed inline config recreates only the service that mounts it, and says why', () => {
    const before = contentDigests(project('a=1'), {}, read);
    const after = contentDigests(project('a=2'), {}, read);
    const text = planToText(reconcile(after, undefined, upState(before)));
    expect(text).toContain('#3 CreateContainer demo-app-1 (after #2): config hash changed: secret/config content changed');
    expect(text).not.toContain('demo-plain-1');
  });

  it('a changed secret file counts too; an environment source unused by any service does not', () => {
    const before = contentDigests(project('a=1'), { TOKEN: 'x' }, read);
    expect(planToText(reconcile(contentDigests(project('a=1'), { TOKEN: 'y' }, read), undefined, upState(before)))).toMatch(/nothing to do/);
    expect(planToText(reconcile(contentDigests(project('a=1', '/run/pw2'), { TOKEN: 'x' }, read), undefined, upState(before)))).toContain('CreateContainer demo-app-1');
  });

  it('a service without secrets or configs keeps the hash it had without digests', () => {
    const p = contentDigests(project('a=1'), {}, read);
    expect(serviceContentDigest(p, 'plain')).toBeUndefined();
    expect(serviceConfigHash(p.services.plain!, serviceContentDigest(p, 'plain'))).toBe(serviceConfigHash(p.services.plain!));
  });
});
