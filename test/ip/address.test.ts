import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANY_ADDR,
  BROADCAST_ADDR,
  directedBroadcast,
  formatCidr,
  formatIpv4Address,
  inPrefix,
  isLoopback,
  isMulticast,
  networkOf,
  parseCidr,
  parseIpv4Address,
  prefixMask,
} from '../../src/ip/address.ts';

describe('IPv4 addresses', () => {
  it('parses dotted quads to host-order unsigned numbers', () => {
    expect(parseIpv4Address('198.18.0.1')).toBe(0xc6120001);
    expect(parseIpv4Address('0.0.0.0')).toBe(ANY_ADDR);
    expect(parseIpv4Address('255.255.255.255')).toBe(BROADCAST_ADDR);
    expect(parseIpv4Address('224.0.0.251')).toBe(0xe00000fb);
  });

  it('refuses everything but four plain decimal octets', () => {
    for (const text of [
      '',
      '198.18.0',
      '198.18.0.1.5',
      '256.0.0.1',
      '198.18.0.1000',
      '01.2.3.4',
      '1.2.3.00',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.4\n',
      '0x1.2.3.4',
      '1..2.3',
      '+1.2.3.4',
      '1.2.3.-4',
      '1.2.3.4/24',
      '١.٢.٣.٤',
      '1e2.0.0.1',
    ]) {
      expect(parseIpv4Address(text), text).toBeUndefined();
    }
  });

  it('formats and parses back every address', () => {
    expect(formatIpv4Address(0xc6120002)).toBe('198.18.0.2');
    expect(formatIpv4Address(BROADCAST_ADDR)).toBe('255.255.255.255');
    fc.assert(
      fc.property(fc.nat(0xffffffff), (addr) => {
        expect(parseIpv4Address(formatIpv4Address(addr))).toBe(addr);
      }),
    );
  });

  it('parses CIDR text, keeping the host bits', () => {
    expect(parseCidr('198.18.0.2/24')).toEqual({ addr: 0xc6120002, prefixLen: 24 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ addr: 0, prefixLen: 0 });
    expect(parseCidr('198.18.0.1/32')).toEqual({ addr: 0xc6120001, prefixLen: 32 });
    for (const text of [
      '198.18.0.2',
      '198.18.0.2/',
      '/24',
      '198.18.0.2/33',
      '198.18.0.2/024',
      '198.18.0.2/2 4',
    ]) {
      expect(parseCidr(text), text).toBeUndefined();
    }
    expect(parseCidr('198.18.0.2/-1')).toBeUndefined();
    expect(parseCidr('198.18.0/24')).toBeUndefined();
    expect(formatCidr({ addr: 0xc6120002, prefixLen: 15 })).toBe('198.18.0.2/15');
  });

  it('builds prefix masks as unsigned numbers, /0 and /32 included', () => {
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(1)).toBe(0x80000000);
    expect(prefixMask(8)).toBe(0xff000000);
    expect(prefixMask(15)).toBe(0xfffe0000);
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(31)).toBe(0xfffffffe);
    expect(prefixMask(32)).toBe(0xffffffff);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), (len) => {
        const mask = prefixMask(len);
        expect(mask).toBeGreaterThanOrEqual(0);
        expect(mask.toString(2).replace(/0/g, '')).toHaveLength(len);
      }),
    );
  });

  it('tests prefix membership, high addresses (sign bit) included', () => {
    const lab = 0xc6120000; // 198.18.0.0/15, the lab range
    expect(inPrefix(0xc6120001, lab, 15)).toBe(true);
    expect(inPrefix(0xc613ffff, lab, 15)).toBe(true);
    expect(inPrefix(0xc6140000, lab, 15)).toBe(false);
    expect(inPrefix(0xc611ffff, lab, 15)).toBe(false);
    expect(inPrefix(0x08080808, 0, 0)).toBe(true);
    expect(inPrefix(0xc6120001, 0xc6120001, 32)).toBe(true);
    expect(inPrefix(0xc6120002, 0xc6120001, 32)).toBe(false);
    expect(inPrefix(0xefffffff, 0xe0000000, 4)).toBe(true);
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        expect(inPrefix(addr, networkOf(addr, len), len)).toBe(true);
        expect(inPrefix(directedBroadcast(addr, len), networkOf(addr, len), len)).toBe(true);
      }),
    );
  });

  it('derives network and directed broadcast addresses', () => {
    expect(networkOf(0xc6120002, 24)).toBe(0xc6120000);
    expect(networkOf(0xc6130102, 15)).toBe(0xc6120000);
    expect(networkOf(0xffffffff, 0)).toBe(0);
    expect(directedBroadcast(0xc6120000, 24)).toBe(0xc61200ff);
    expect(directedBroadcast(0xc6120000, 15)).toBe(0xc613ffff);
    expect(directedBroadcast(0, 0)).toBe(BROADCAST_ADDR);
    expect(directedBroadcast(0xc6120001, 32)).toBe(0xc6120001);
  });

  it('classifies multicast and loopback addresses', () => {
    expect(isMulticast(0xe0000001)).toBe(true);
    expect(isMulticast(0xefffffff)).toBe(true);
    expect(isMulticast(0xdfffffff)).toBe(false);
    expect(isMulticast(0xf0000000)).toBe(false);
    expect(isMulticast(BROADCAST_ADDR)).toBe(false);
    expect(isLoopback(0x7f000001)).toBe(true);
    expect(isLoopback(0x7fffffff)).toBe(true);
    expect(isLoopback(0x80000000)).toBe(false);
    expect(isLoopback(0xc6120001)).toBe(false);
  });
});
