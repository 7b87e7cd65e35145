import { describe, expect, it } from 'vitest';
import { isEngineError } from '../api/types.js';
import { formatCidr, overlaps, parseCidr, parseIp } from './cidr.js';
import { allocateAddress, chooseSubnet, DEFAULT_POOL, macFor, planNetworkIpam } from './ipam.js';

describe('cidr', () => {
  it('parses, clears host bits and detects overlaps', () => {
    expect(formatCidr(parseCidr('10.1.2.3/24'))).toBe('10.1.2.0/24');
    expect(parseIp('255.255.255.255')).toBe(0xffffffff);
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.213.5.0/24'))).toBe(true);
    expect(overlaps(parseCidr('10.213.4.0/24'), parseCidr('10.213.5.0/24'))).toBe(false);
    expect(() => parseCidr('10.1.2.3')).toThrow(/CIDR/);
    expect(() => parseIp('300.1.1.1')).toThrow(/IPv4/);
  });
});

describe('subnet choice', () => {
  it('takes the first /24 of the pool that no network and no host route covers', () => {
    expect(chooseSubnet(DEFAULT_POOL, 24, [])).toBe('10.213.0.0/24');
    expect(chooseSubnet(DEFAULT_POOL, 24, ['10.213.0.0/24', '10.213.1.0/25'])).toBe('10.213.2.0/24');
    // a host route covering part of the pool is skipped
    expect(chooseSubnet(DEFAULT_POOL, 24, ['10.213.0.0/23', '10.213.2.7/32'])).toBe('10.213.3.0/24');
  });
  it('never hands out the reserved ranges even when the pool covers them', () => {
    const s = chooseSubnet('10.88.0.0/15', 24, []);
    expect(s).toBeUndefined();
    expect(chooseSubnet('172.16.0.0/15', 16, [])).toBe('172.16.0.0/16');
    expect(chooseSubnet('172.17.0.0/16', 24, [])).toBeUndefined();
  });
  it('reports an exhausted pool', () => {
    expect(() => planNetworkIpam(undefined, [], ['10.213.0.0/16'])).toThrow(/no free/);
  });
});

describe('network IPAM', () => {
  it('defaults the gateway to the first address and validates explicit settings', () => {
    expect(planNetworkIpam({ subnet: '192.168.77.5/24' }, [], [])).toEqual({ subnet: '192.168.77.0/24', gateway: '192.168.77.1' });
    expect(planNetworkIpam({ subnet: '192.168.77.0/24', gateway: '192.168.77.254', ipRange: '192.168.77.128/25' }, [], [])).toEqual({
      subnet: '192.168.77.0/24',
      gateway: '192.168.77.254',
      ipRange: '192.168.77.128/25',
    });
    expect(() => planNetworkIpam({ subnet: '192.168.77.0/24', gateway: '192.168.78.1' }, [], [])).toThrow(/gateway/);
    expect(() => planNetworkIpam({ subnet: '192.168.77.0/24', ipRange: '192.168.0.0/16' }, [], [])).toThrow(/ip range/);
    const e = (() => {
      try {
        planNetworkIpam({ subnet: '192.168.77.0/25' }, ['192.168.77.0/24'], []);
      } catch (err) {
        return err;
      }
    })();
    expect(isEngineError(e, 'CONFLICT')).toBe(true);
  });
});

describe('address allocation', () => {
  const ipam = { subnet: '10.9.0.0/29', gateway: '10.9.0.1' };
  it('hands out the lowest free host address, never network, gateway or broadcast', () => {
    expect(allocateAddress(ipam, [])).toBe('10.9.0.2');
    expect(allocateAddress(ipam, ['10.9.0.2', '10.9.0.4'])).toBe('10.9.0.3');
    expect(() => allocateAddress(ipam, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6'])).toThrow(/no free address/);
  });
  it('stays inside ip_range and skips aux addresses', () => {
    expect(allocateAddress({ subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipRange: '10.9.0.128/28', auxAddresses: { router: '10.9.0.128', x: '10.9.0.129' } }, [])).toBe('10.9.0.130');
  });
  it('checks static addresses', () => {
    expect(allocateAddress(ipam, [], '10.9.0.6')).toBe('10.9.0.6');
    expect(() => allocateAddress(ipam, ['10.9.0.6'], '10.9.0.6')).toThrow(/in use/);
    expect(() => allocateAddress(ipam, [], '10.9.0.1')).toThrow(/in use/);
    expect(() => allocateAddress(ipam, [], '10.9.0.7')).toThrow(/broadcast/);
    expect(() => allocateAddress(ipam, [], '10.9.1.2')).toThrow(/not inside/);
  });
  it('derives a stable MAC from the address', () => {
    expect(macFor('10.213.0.2')).toBe('02:42:0a:d5:00:02');
  });
});

describe('IPv6', () => {
  it('parses and prints addresses in RFC 5952 form', async () => {
    const { formatIp6, parseIp6, parseCidr6, formatCidr6 } = await import('./cidr6.js');
    expect(formatIp6(parseIp6('fd00:0:0:0:0:0:0:1'))).toBe('fd00::1');
    expect(formatIp6(parseIp6('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatIp6(parseIp6('::ffff:10.0.0.1'))).toBe('::ffff:a00:1');
    expect(formatIp6(parseIp6('::'))).toBe('::');
    expect(formatCidr6(parseCidr6('fd12:3456:1::99/64'))).toBe('fd12:3456:1::/64');
    expect(() => parseIp6('1::2::3')).toThrow(/IPv6/);
    expect(() => parseIp6('10.0.0.1')).toThrow(/IPv6/);
  });
  it('derives a ULA /64 from the root id, skipping taken ones, and allocates after the gateway', async () => {
    const { planIpv6, allocateAddress6 } = await import('./ipam.js');
    expect(planIpv6(undefined, [], [], 'abcdef')).toEqual({ subnet6: 'fdab:cdef::/64', gateway6: 'fdab:cdef::1' });
    expect(planIpv6(undefined, ['fdab:cdef::/64'], ['fdab:cdef:1::/64'], 'abcdef')).toEqual({ subnet6: 'fdab:cdef:2::/64', gateway6: 'fdab:cdef:2::1' });
    expect(planIpv6({ subnet: '2001:db8:1::/64', gateway: '2001:db8:1::fe' }, [], [], 'abcdef')).toEqual({ subnet6: '2001:db8:1::/64', gateway6: '2001:db8:1::fe' });
    expect(() => planIpv6({ subnet: '2001:db8:1::/64' }, ['2001:db8::/32'], [], 'x')).toThrow(/overlaps/);
    expect(allocateAddress6('fdab:cdef::/64', 'fdab:cdef::1', [])).toBe('fdab:cdef::2');
    expect(allocateAddress6('fdab:cdef::/64', 'fdab:cdef::1', ['fdab:cdef::2'])).toBe('fdab:cdef::3');
    expect(() => allocateAddress6('fdab:cdef::/64', 'fdab:cdef::1', ['fdab:cdef::9'], 'fdab:cdef::9')).toThrow(/in use/);
  });
});
