// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012): the keyed function F that
// RFC 6528 asks for in ISN generation, and the one Linux uses for ISNs, ephemeral ports and SYN cookies.
// A PRF over a short input with a 128-bit secret key: without the key its outputs cannot be predicted.
//
// JavaScript numbers hold 32-bit integers exactly, so each 64-bit word of the state is kept as two 32-bit
// halves in a Uint32Array (whose stores wrap modulo 2^32 for free); additions carry from the low half by
// hand. Words are little-endian, as the paper specifies.

// The state v0..v3, each as [hi, lo]: v[2i] is the high half of vi, v[2i + 1] the low half. Module-level
// scratch so that hashing allocates nothing but its result; the core is single-threaded and re-entry free.
const v = new Uint32Array(8);
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** vi += vj (mod 2^64). */
function add(i: number, j: number): void {
  const lo = v[i + 1]! + v[j + 1]!;
  v[i + 1] = lo;
  v[i] = v[i]! + v[j]! + (lo > 0xffffffff ? 1 : 0);
}

/** vi ^= vj. */
function xor(i: number, j: number): void {
  v[i] ^= v[j]!;
  v[i + 1] ^= v[j + 1]!;
}

/** vi <<<= n, for 0 < n < 32 or n = 32 (a swap of the halves). */
function rotate(i: number, n: number): void {
  const hi = v[i]!;
  const lo = v[i + 1]!;
  if (n === 32) {
    v[i] = lo;
    v[i + 1] = hi;
    return;
  }
  v[i] = (hi << n) | (lo >>> (32 - n));
  v[i + 1] = (lo << n) | (hi >>> (32 - n));
}

/** SipRound, the ARX network of §2 of the paper. */
function sipRound(): void {
  add(V0, V1);
  rotate(V1, 13);
  xor(V1, V0);
  rotate(V0, 32);
  add(V2, V3);
  rotate(V3, 16);
  xor(V3, V2);
  add(V0, V3);
  rotate(V3, 21);
  xor(V3, V0);
  add(V2, V1);
  rotate(V1, 17);
  xor(V1, V2);
  rotate(V2, 32);
}

/** Absorbs one 64-bit message word m = [hi, lo] with c = 2 compression rounds. */
function compress(hi: number, lo: number): void {
  v[V3] ^= hi;
  v[V3 + 1] ^= lo;
  sipRound();
  sipRound();
  v[V0] ^= hi;
  v[V0 + 1] ^= lo;
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/** SipHash-2-4 of `message` under a 16-byte key; the 64-bit result as its high and low 32-bit halves. */
export function siphash24(key: Uint8Array, message: Uint8Array): [hi: number, lo: number] {
  if (key.length !== 16) throw new RangeError(`a SipHash key is 16 bytes, not ${key.length}`);
  const k0lo = readU32LE(key, 0);
  const k0hi = readU32LE(key, 4);
  const k1lo = readU32LE(key, 8);
  const k1hi = readU32LE(key, 12);
  // Initialization: the key XORed with "somepseudorandomlygeneratedbytes".
  v[V0] = k0hi ^ 0x736f6d65;
  v[V0 + 1] = k0lo ^ 0x70736575;
  v[V1] = k1hi ^ 0x646f7261;
  v[V1 + 1] = k1lo ^ 0x6e646f6d;
  v[V2] = k0hi ^ 0x6c796765;
  v[V2 + 1] = k0lo ^ 0x6e657261;
  v[V3] = k1hi ^ 0x74656462;
  v[V3 + 1] = k1lo ^ 0x79746573;

  const length = message.length;
  const whole = length - (length % 8);
  for (let i = 0; i < whole; i += 8) compress(readU32LE(message, i + 4), readU32LE(message, i));
  // The last word holds the 0–7 remaining bytes and, in its top byte, the message length mod 256.
  let lastLo = 0;
  let lastHi = (length & 0xff) << 24;
  for (let i = whole; i < length; i++) {
    const shift = 8 * (i - whole);
    if (shift < 32) lastLo |= message[i]! << shift;
    else lastHi |= message[i]! << (shift - 32);
  }
  compress(lastHi >>> 0, lastLo >>> 0);

  // Finalization: d = 4 rounds after v2 ^= 0xff.
  v[V2 + 1] ^= 0xff;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  return [
    (v[V0]! ^ v[V1]! ^ v[V2]! ^ v[V3]!) >>> 0,
    (v[V0 + 1]! ^ v[V1 + 1]! ^ v[V2 + 1]! ^ v[V3 + 1]!) >>> 0,
  ];
}
