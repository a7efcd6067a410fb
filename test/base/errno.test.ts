import { describe, expect, it } from 'vitest';
import { ERRNO_MESSAGES, Errno, fail, isErrno } from '../../src/base/errno.ts';
import { Stats } from '../../src/base/stats.ts';

describe('errno', () => {
  it('carries Linux numbers and messages', () => {
    expect(Errno.ECONNREFUSED).toBe(111);
    expect(Errno.EADDRINUSE).toBe(98);
    expect(ERRNO_MESSAGES.ECONNREFUSED).toBe('Connection refused');
  });

  it('returns one shared result per errno and recognises it', () => {
    expect(fail('EAGAIN')).toBe(fail('EAGAIN'));
    expect(isErrno(fail('ETIMEDOUT'))).toBe(true);
    expect(isErrno(42)).toBe(false);
    expect(isErrno({ errno: 'NOPE' })).toBe(false);
  });
});

describe('stats', () => {
  it('counts drops by reason and in total', () => {
    const stats = new Stats();
    stats.drop('ipv4.bad-checksum');
    stats.drop('ipv4.bad-checksum');
    stats.drop('tcp.bad-flags');
    stats.add('tcp.segments-in', 5);
    expect(stats.snapshot()).toEqual({
      drop: 3,
      'drop.ipv4.bad-checksum': 2,
      'drop.tcp.bad-flags': 1,
      'tcp.segments-in': 5,
    });
    expect(stats.get('missing')).toBe(0);
  });
});
