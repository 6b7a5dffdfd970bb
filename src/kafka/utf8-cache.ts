// The UTF-8 bytes of short strings the hot paths write again and again (client ids, cluster aliases), encoded
// once. The map is cleared when it passes 1024 entries, so odd inputs cannot grow it without bound.
// Returned buffers are shared: read or copy them, never write into them.
const cache = new Map<string, Buffer>();

export function utf8Bytes(s: string): Buffer {
  let b = cache.get(s);
  if (!b) {
    b = Buffer.from(s, 'utf8');
    if (cache.size >= 1024) cache.clear();
    cache.set(s, b);
  }
  return b;
}
