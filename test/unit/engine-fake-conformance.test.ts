import { describe, expect, it } from 'vitest';
import { engineConformance } from '../conformance/engine-conformance.js';
import { FakeEngine, interpret } from '../helpers/fake-engine.js';

engineConformance('FakeEngine', async () => new FakeEngine({ images: ['busybox:latest'] }), { image: 'busybox' });

describe('FakeEngine extras', () => {
  it('interprets just enough shell', () => {
    expect(interpret(['sh', '-c', 'echo a; exit 3'])).toEqual([{ echo: 'a', stream: 'stdout' }, { exit: 3 }]);
    expect(interpret(['nginx', '-g', 'daemon off;'])).toEqual([{ forever: true }]);
    expect(interpret(['true'])).toEqual([{ exit: 0 }]);
  });

  it('records calls and lets a test end a container', async () => {
    const e = new FakeEngine({ images: ['busybox'] });
    const { id } = await e.containerCreate({ image: 'busybox', name: 'x' });
    await e.containerStart(id);
    e.exit('x', 9);
    expect((await e.containerInspect(id)).state.exitCode).toBe(9);
    expect(e.calls).toContain('containerStart ' + id);
  });
});
