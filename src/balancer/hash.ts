/**
 * A fast, well-mixed 32-bit string hash for ring placement and request keys: FNV-1a over the
 * UTF-16 code units, then MurmurHash3's fmix32 finaliser (FNV-1a alone mixes short keys poorly,
 * which would clump "10.0.0.1:80#1", "#2"... on the ring).
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
