import { describe, expect, it } from 'vitest';
import { commandString } from './views.js';

describe('container list command', () => {
  it("joins path and args as Docker does: args with a space in single quotes", () => {
    expect(commandString('sh', ['-c', 'echo hello; sleep 5'])).toBe("sh -c 'echo hello; sleep 5'");
    expect(commandString('sleep', ['1000'])).toBe('sleep 1000');
    expect(commandString('true', [])).toBe('true');
  });
  it('does not show the init wrapper of --init (older records carry it)', () => {
    expect(commandString('/sbin/docker-init', ['--', 'sh', '-c', 'echo a b'])).toBe("sh -c 'echo a b'");
  });
});
