import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../test/helpers/fake-engine.js';
import type { Project } from '../model/types.js';
import { toCreateRequest } from './convert.js';
import { LABEL, networkLabels, volumeLabels } from './labels.js';
import { observe, observeProjects } from './observe.js';

const meta = { name: 'p', configFiles: [], envFiles: [], version: 't' };
const project: Project = {
  name: 'p',
  services: { web: { image: 'img:1', environment: { A: '1' }, depends_on: { db: { condition: 'service_healthy', required: true } }, networks: { default: null } }, db: { image: 'img:1', networks: { default: null } } },
  networks: { default: { name: 'p_default' } },
};

describe('observe', () => {
  it('rebuilds the project from labels alone', async () => {
    const engine = new FakeEngine();
    const imageId = engine.addImage('img:1');
    await engine.networkCreate({ name: 'p_default', labels: networkLabels(meta, 'default') });
    await engine.networkCreate({ name: 'other_default', labels: networkLabels({ ...meta, name: 'other' }, 'default') });
    await engine.volumeCreate({ name: 'p_data', labels: volumeLabels(meta, 'data') });
    await engine.containerCreate(toCreateRequest({ project, meta, env: {}, imageId }, 'web', 1));
    await engine.containerCreate({ ...toCreateRequest({ project, meta, env: {}, imageId }, 'web', 1, { oneoff: true, name: 'p-web-run-1' }) });
    const o = await observe(engine, 'p', ['img:1', 'missing:2']);
    expect(o.networks).toEqual([expect.objectContaining({ name: 'p_default', key: 'default' })]);
    expect(o.volumes).toEqual([{ name: 'p_data', key: 'data', anonymous: false }]);
    expect(o.images).toEqual({ 'img:1': imageId });
    const web = o.containers.find((c) => !c.oneoff)!;
    expect(web).toMatchObject({ name: 'p-web-1', service: 'web', number: 1, status: 'created', dependsOn: ['db'], imageId, image: 'img:1' });
    expect(web.configHash).toHaveLength(64);
    expect(web.fieldHashes?.['environment.A']).toHaveLength(8);
    expect(o.containers.filter((c) => c.oneoff).map((c) => c.name)).toEqual(['p-web-run-1']);
    const projects = await observeProjects(engine, true);
    expect([...projects.keys()]).toEqual(['p']);
    expect(projects.get('p')!.every((c) => c.labels[LABEL.project] === 'p')).toBe(true);
  });
});
