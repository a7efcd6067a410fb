import { describe, expect, it } from 'vitest';
import { parseSocketMemory, settledMemory, slabBytesPerSocket } from '../../bench/lib/memory.ts';

// `ss -tmnH state established sport = :9` in a namespace holding two connections, one with data queued.
const SS_OUTPUT = `0      0      198.18.1.2:9 198.18.1.1:56886
\t skmem:(r0,rb131072,t0,tb3939840,f0,w0,o0,bl0,d0)
65536  0      198.18.1.2:9 198.18.1.1:56888
\t skmem:(r69632,rb6291456,t512,tb3939840,f4096,w1024,o8,bl16,d3)
`;

// /proc/slabinfo lines: name active_objs num_objs objsize objperslab pagesperslab : …
const SLABINFO = `slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables ...
TCP                   94    117   2368   13    8 : tunables    0    0    0 : slabdata      9      9      0
sock_inode_cache     190    228    832   19    4 : tunables    0    0    0 : slabdata     12     12      0
filp                 609    672    192   21    1 : tunables    0    0    0 : slabdata     32     32      0
dentry             34366  34377    192   21    1 : tunables    0    0    0 : slabdata   1637   1637      0
`;

describe('kernel socket memory', () => {
  it('sums the charged skmem fields (r, w, f, o, bl) and counts the sockets', () => {
    expect(parseSocketMemory(SS_OUTPUT)).toEqual({
      sockets: 2,
      bufferBytes: 69632 + 1024 + 4096 + 8 + 16,
    });
    expect(parseSocketMemory('')).toEqual({ sockets: 0, bufferBytes: 0 });
  });

  it('counts each slab object at its share of its slab', () => {
    const expected = (8 * 4096) / 13 + (4 * 4096) / 19 + 4096 / 21 + 4096 / 21;
    expect(slabBytesPerSocket(SLABINFO)).toBe(Math.round(expected));
  });

  it('gives no slab figure when a cache is missing or the file unreadable', () => {
    expect(slabBytesPerSocket(SLABINFO.replace(/^filp.*\n/m, ''))).toBeUndefined();
    expect(slabBytesPerSocket(undefined)).toBeUndefined();
  });
});

describe('settled memory', () => {
  it('reads until the server holds the connections asked for', async () => {
    const readings = [
      { bytes: 900, connections: 3 },
      { bytes: 700, connections: 1 },
      { bytes: 500, connections: 0 },
    ];
    let reads = 0;
    const bytes = await settledMemory(async () => readings[Math.min(reads++, readings.length - 1)], 0);
    expect(bytes).toBe(500);
    expect(reads).toBe(3);
  });

  it('fails rather than count other connections when the count never settles', async () => {
    const read = async () => ({ bytes: 1, connections: 2 });
    await expect(settledMemory(read, 0, 120)).rejects.toThrow('the server held 2 connections, not 0');
  });

  it('passes on a server that cannot be read', async () => {
    expect(await settledMemory(async () => undefined, 10)).toBeUndefined();
  });
});
