import { describe, expect, it } from 'vitest';
import { cpPlan } from './cp.js';

const dirs = new Set(['/host/dir']);
const isDir = (p: string) => dirs.has(p);

describe('container cp arguments', () => {
  it('copies out, into an existing directory by the source name', () => {
    expect(cpPlan('web:/etc/hostname', 'out.txt', '/host', isDir)).toEqual({ dir: 'out', container: 'web', containerPath: '/etc/hostname', hostPath: '/host/out.txt' });
    expect(cpPlan('web:/etc/hostname', 'dir', '/host', isDir)).toEqual({ dir: 'out', container: 'web', containerPath: '/etc/hostname', hostPath: '/host/dir/hostname' });
  });

  it('copies in with paths resolved against the cwd, keeping a trailing "/" and "SRC/." for the engine', () => {
    expect(cpPlan('./app.conf', 'web:/etc/', '/host', isDir)).toEqual({ dir: 'in', container: 'web', containerPath: '/etc/', hostPath: '/host/app.conf' });
    expect(cpPlan('/abs/a', 'web:/x/b', '/host', isDir)).toEqual({ dir: 'in', container: 'web', containerPath: '/x/b', hostPath: '/abs/a' });
    expect(cpPlan('site/.', 'web:srv', '/host', isDir)).toEqual({ dir: 'in', container: 'web', containerPath: '/srv', hostPath: '/host/site/.' });
    expect(cpPlan('a', 'web:/', '/host', isDir)).toEqual({ dir: 'in', container: 'web', containerPath: '/', hostPath: '/host/a' });
  });

  it('refuses what Docker refuses or berth does not do', () => {
    expect(() => cpPlan('a:/x', 'b:/y', '/', isDir)).toThrow(/between containers/);
    expect(() => cpPlan('./a', './b', '/', isDir)).toThrow(/at least one container/);
    expect(() => cpPlan('a:/x', '-', '/', isDir)).toThrow(/standard output/);
  });
});
