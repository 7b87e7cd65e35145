import { describe, expect, test } from 'vitest';
import { validateSchema } from './schema.js';

/** Validates one service attribute and says whether the schema accepted it. */
function accepts(attribute: string, value: unknown): boolean {
  return validateSchema({ services: { s: { image: 'busybox', [attribute]: value } } }).length === 0;
}

describe('short port syntax', () => {
  test.each([
    '80', '3000-3005', '8000:8000', '9090-9091:8080-8081', '127.0.0.1:8001:8001',
    '127.0.0.1:5000-5010:5000-5010', '127.0.0.1::5000', '::1:6000:6000', '[::1]:6001:6001',
    '6060:6060/udp', '53:53/udp', '1234:1234/sctp', ':80', '0.0.0.0:80:80', '65535:65535',
  ])('accepts %s', (port) => expect(accepts('ports', [port])).toBe(true));

  test.each([
    '', 'eighty', '80:80:80:80', '127.0.0.1:8001', '8080:99999', '70000', 'abc:80',
    '80/', '1.2.3:80:80', 'localhost:80:80', '80 : 80',
  ])('rejects %j', (port) => expect(accepts('ports', [port])).toBe(false));

  test('numbers are container ports', () => {
    expect(accepts('ports', [80, 65535])).toBe(true);
    expect(accepts('ports', [65536])).toBe(false);
    expect(accepts('ports', [-1])).toBe(false);
  });
});

describe('expose', () => {
  test.each(['3000', '8080-8085/tcp', '9600/udp', 8000])('accepts %j', (v) => expect(accepts('expose', [v])).toBe(true));
  test.each(['http', '80:80', '3000/', true])('rejects %j', (v) => expect(accepts('expose', [v])).toBe(false));
});

describe('short volume syntax', () => {
  test.each([
    '/data', 'data:/data', './a:/b', './a:/b:ro', '~/c:/etc/c:ro,z', 'vol:/data:nocopy',
    'C:\\data:/data', 'C:\\data:C:\\target:ro', '/:/host:ro,rslave', '.:/code',
  ])('accepts %s', (v) => expect(accepts('volumes', [v])).toBe(true));
  test.each(['', ' ', ':/data', 'a::b', './a:/b:ro:extra', 'a:b:c:d'])('rejects %j', (v) =>
    expect(accepts('volumes', [v])).toBe(false),
  );
});

describe('durations', () => {
  test.each(['10s', '1m30s', '1h', '1.5h', '500ms', '100us', '100µs', '10ns', '0', '0s', '2h45m10s'])(
    'accepts %s',
    (d) => expect(accepts('stop_grace_period', d)).toBe(true),
  );
  test.each(['10', '10 seconds', '1d', 's', '1m 30s', '', '5x', 10])('rejects %j', (d) =>
    expect(accepts('stop_grace_period', d)).toBe(false),
  );
  test('cpu_rt_runtime takes microseconds or a duration', () => {
    expect(accepts('cpu_rt_runtime', 95000)).toBe(true);
    expect(accepts('cpu_rt_runtime', '400ms')).toBe(true);
    expect(accepts('cpu_rt_runtime', 'soon')).toBe(false);
  });
});

describe('byte values', () => {
  test.each(['512m', '512M', '1g', '1gb', '1GB', '1.5g', '1GiB', '1024k', '2b', '100', '1 GB', '1.5', 1073741824])(
    'accepts %j',
    (v) => expect(accepts('mem_limit', v)).toBe(true),
  );
  test.each(['lots', '64q', '1 gigabyte', '-5m', 'm', '', true])('rejects %j', (v) =>
    expect(accepts('mem_limit', v)).toBe(false),
  );
  test('memswap_limit may be -1 (unlimited swap)', () => expect(accepts('memswap_limit', -1)).toBe(true));
});

describe('values Compose converts from strings', () => {
  test.each([true, false, 'true', 'False', 'yes', 'NO', 'on', 'off', 'y', 'N'])('boolean %j', (v) =>
    expect(accepts('tty', v)).toBe(true),
  );
  test.each(['maybe', 1, 0, 'truee', null, []])('not boolean %j', (v) => expect(accepts('tty', v)).toBe(false));
  test.each([3, '3', '-1', '+2'])('integer %j', (v) => expect(accepts('scale', v)).toBe(true));
  test.each([1.5, '1.5', 'three', ''])('not integer %j', (v) => expect(accepts('scale', v)).toBe(false));
  test.each([0.5, 2, '0.5', '.5', '1e-3'])('number %j', (v) => expect(accepts('cpus', v)).toBe(true));
  test.each(['half', '1,5', ''])('not number %j', (v) => expect(accepts('cpus', v)).toBe(false));
});

describe('restart and pull_policy', () => {
  test.each(['no', 'always', 'on-failure', 'on-failure:3', 'unless-stopped'])('restart %s', (v) =>
    expect(accepts('restart', v)).toBe(true),
  );
  test.each(['never', 'on-failure:x', 'Always', 'yes'])('not restart %s', (v) =>
    expect(accepts('restart', v)).toBe(false),
  );
  test.each(['always', 'never', 'missing', 'if_not_present', 'build', 'daily', 'weekly', 'every_12h', 'every_1w2d'])(
    'pull_policy %s',
    (v) => expect(accepts('pull_policy', v)).toBe(true),
  );
  test.each(['sometimes', 'every_', 'every_12', 'every_x'])('not pull_policy %s', (v) =>
    expect(accepts('pull_policy', v)).toBe(false),
  );
});

test('compiled once: later calls reuse the validator', () => {
  validateSchema({});
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) validateSchema({ services: { s: { image: 'x', ports: ['80:80'] } } });
  // Compiling takes ~100 ms; 50 validations of a small file take well under that.
  expect(performance.now() - t0).toBeLessThan(100);
});
