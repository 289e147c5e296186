import { describe, expect, it } from 'vitest';
// No IndexedDB here: the helpers are pure, and ChunkStore writes to an in-memory stand-in.
import { ChunkStore, fileParts, normalizePatches, StoredParts, type RecorderDatabase } from '../../src/store/chunk-store.js';
import type { Patch } from '../../src/store/schema.js';
import { rng } from './rng.js';


const bytes = (...v: number[]) => new Uint8Array(v);
const patch = (position: number, ...v: number[]): Patch => ({ position, data: bytes(...v) });
const plain = (ps: Patch[]) => ps.map((p) => [p.position, [...p.data]]);

/** The file as stored: `file` split into chunk records at the given offsets. */
function chunksOf(file: Uint8Array, cuts: number[]) {
  const edges = [0, ...cuts, file.length];
  const out: { offset: number; size: number; blob: Blob }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i] as number;
    const b = edges[i + 1] as number;
    out.push({ offset: a, size: b - a, blob: new Blob([file.slice(a, b)]) });
  }
  return out;
}

/** What the file must read as: every patch written over a copy, in order. */
function applied(file: Uint8Array, patches: readonly Patch[]): Uint8Array {
  const out = file.slice();
  for (const p of patches) out.set(p.data, p.position);
  return out;
}

async function assemble(chunks: ReturnType<typeof chunksOf>, patches: readonly Patch[]): Promise<Uint8Array> {
  return new Uint8Array(await new Blob(fileParts(chunks, patches)).arrayBuffer());
}

describe('normalizePatches', () => {
  it('returns an empty list for no patches', () => {
    expect(normalizePatches([])).toEqual([]);
  });

  it('sorts disjoint patches by position and keeps them whole', () => {
    expect(plain(normalizePatches([patch(10, 1, 2), patch(0, 3), patch(5, 4, 5, 6)]))).toEqual([
      [0, [3]],
      [5, [4, 5, 6]],
      [10, [1, 2]],
    ]);
  });

  it('lets a later patch win inside an earlier one, splitting it', () => {
    expect(plain(normalizePatches([patch(0, 1, 1, 1, 1, 1, 1), patch(2, 9, 9)]))).toEqual([
      [0, [1, 1]],
      [2, [9, 9]],
      [4, [1, 1]],
    ]);
  });

  it('trims earlier patches overlapped at either end', () => {
    expect(plain(normalizePatches([patch(0, 1, 1, 1, 1), patch(6, 2, 2, 2, 2), patch(3, 7, 7, 7, 7)]))).toEqual([
      [0, [1, 1, 1]],
      [3, [7, 7, 7, 7]],
      [7, [2, 2, 2]],
    ]);
  });

  it('drops earlier patches that a later one covers', () => {
    expect(plain(normalizePatches([patch(4, 1, 1), patch(4, 2, 2), patch(3, 5, 5, 5, 5)]))).toEqual([[3, [5, 5, 5, 5]]]);
  });

  it('keeps an earlier patch that a later one only touches', () => {
    expect(plain(normalizePatches([patch(0, 1, 1), patch(2, 2, 2)]))).toEqual([
      [0, [1, 1]],
      [2, [2, 2]],
    ]);
  });

  it('yields non-overlapping patches that read like the writes applied in order', () => {
    const random = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const size = 64;
      const ps: Patch[] = [];
      for (let k = 0; k < 1 + Math.floor(random() * 8); k++) {
        const position = Math.floor(random() * size);
        const len = 1 + Math.floor(random() * Math.min(16, size - position));
        ps.push({ position, data: Uint8Array.from({ length: len }, () => 1 + Math.floor(random() * 255)) });
      }
      const norm = normalizePatches(ps);
      for (let i = 1; i < norm.length; i++) {
        const prev = norm[i - 1] as Patch;
        expect(prev.position + prev.data.length).toBeLessThanOrEqual((norm[i] as Patch).position);
      }
      const blank = new Uint8Array(size);
      expect(applied(blank, norm)).toEqual(applied(blank, ps));
    }
  });
});

describe('fileParts', () => {
  const random = rng(3);
  const file = Uint8Array.from({ length: 1000 }, () => Math.floor(random() * 256));
  const cuts = [1, 37, 300, 301, 512, 999];
  const chunks = chunksOf(file, cuts);

  it('reproduces the stored bytes without patches', async () => {
    expect(await assemble(chunks, [])).toEqual(file);
    // An unpatched chunk is passed through as its own Blob, not copied.
    const parts = fileParts(chunks, []);
    expect(parts.length).toBe(chunks.length);
    parts.forEach((p, i) => expect(p).toBe((chunks[i] as { blob: Blob }).blob));
  });

  it('splices a patch inside one chunk', async () => {
    const ps = [patch(310, 0xde, 0xad, 0xbe, 0xef)];
    expect(await assemble(chunks, ps)).toEqual(applied(file, ps));
  });

  it('splices a patch at the very start and the very end', async () => {
    const ps = [patch(0, 0xaa, 0xbb), patch(998, 0xcc, 0xdd)];
    const out = await assemble(chunks, ps);
    expect(out).toEqual(applied(file, ps));
    expect([...out.slice(0, 2)]).toEqual([0xaa, 0xbb]);
    expect([...out.slice(998)]).toEqual([0xcc, 0xdd]);
  });

  it('splices a patch spanning two chunks and one spanning several', async () => {
    const ps = [patch(35, 1, 2, 3, 4, 5), { position: 290, data: new Uint8Array(240).fill(7) }];
    expect(await assemble(chunks, ps)).toEqual(applied(file, ps));
  });

  it('lets later patches win where they overlap earlier ones', async () => {
    const ps = [{ position: 100, data: new Uint8Array(300).fill(1) }, patch(295, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), patch(0, 3, 3, 3, 3), patch(2, 4, 4)];
    const out = await assemble(chunks, ps);
    expect(out).toEqual(applied(file, ps));
    expect([...out.slice(0, 5)]).toEqual([3, 3, 4, 4, file[4]]);
    expect(out[294]).toBe(1);
    expect(out[295]).toBe(2);
    expect(out[305]).toBe(1);
  });

  it('keeps the file length', async () => {
    const ps = [patch(500, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9)];
    expect((await assemble(chunks, ps)).length).toBe(file.length);
  });

  it('matches patches applied directly for random chunkings and patch sets', async () => {
    const r = rng(99);
    for (let trial = 0; trial < 150; trial++) {
      const size = 1 + Math.floor(r() * 400);
      const data = Uint8Array.from({ length: size }, () => Math.floor(r() * 256));
      const cutSet = new Set<number>();
      for (let k = 0; k < Math.floor(r() * 12); k++) cutSet.add(1 + Math.floor(r() * Math.max(1, size - 1)));
      const at = [...cutSet].filter((c) => c > 0 && c < size).sort((a, b) => a - b);
      const ps: Patch[] = [];
      for (let k = 0; k < Math.floor(r() * 6); k++) {
        const position = Math.floor(r() * size);
        const len = 1 + Math.floor(r() * Math.min(120, size - position));
        ps.push({ position, data: Uint8Array.from({ length: len }, () => Math.floor(r() * 256)) });
      }
      expect(await assemble(chunksOf(data, at), ps), `trial ${trial}`).toEqual(applied(data, ps));
    }
  });
});

describe('StoredParts', () => {
  it('joins parts as they come into at most two, which read as the file with its patches', async () => {
    const r = rng(7);
    const n = 1500;
    const sizes = Array.from({ length: n }, () => 1 + Math.floor(r() * 40));
    const total = sizes.reduce((a, b) => a + b, 0);
    const file = new Uint8Array(total).map(() => Math.floor(r() * 256));
    const list = new StoredParts();
    let offset = 0;
    for (const size of sizes) {
      list.push({ offset, size, blob: new Blob([file.slice(offset, offset + size)]) });
      offset += size;
    }
    // 1500 = 46·32 + 28: the whole of 46 runs, and the run of the last 28.
    expect(list.parts.length).toBe(2);
    expect(list.parts[1]?.size).toBe(sizes.slice(46 * 32).reduce((a, b) => a + b, 0));
    let at = 0;
    for (const p of list.parts) {
      expect(p.offset).toBe(at);
      expect(p.blob.size).toBe(p.size);
      at += p.size;
    }
    expect(at).toBe(total);
    const even = new StoredParts();
    for (let i = 0; i < 64; i++) even.push({ offset: i, size: 1, blob: new Blob([new Uint8Array([i])]) });
    expect(even.parts.map((p) => [p.offset, p.size])).toEqual([[0, 64]]);
    expect(new StoredParts().parts).toEqual([]);
    const patches = [patch(0, 1, 2, 3, 4), patch(Math.floor(total / 2) - 2, 9, 9, 9, 9, 9), patch(total - 3, 7, 7, 7)];
    expect(await assemble(list.parts as ReturnType<typeof chunksOf>, patches)).toEqual(applied(file, patches));
  });
});

describe('ChunkStore fragment boundaries', () => {
  // The write path's logic only: records go to an in-memory stand-in for the IndexedDB object store
  // (the browser tests cover the real one).
  function store() {
    const rows = new Map<string, unknown>();
    const db = {
      put: async (_s: string, r: { sessionId: string; seq: number }) => void rows.set(`${r.sessionId}/${r.seq}`, r),
      get: async (_s: string, [id, seq]: [string, number]) => rows.get(`${id}/${seq}`),
    } as unknown as RecorderDatabase;
    const s = new ChunkStore(db, 'rec');
    const writer = s.writable().getWriter();
    const write = (position: number, ...v: number[]) => writer.write({ type: 'write', data: bytes(...v), position });
    return { s, write };
  }

  it('a WebM cluster waits for its own size, even when two clusters close between writes', async () => {
    const { s, write } = store();
    // cluster A at 0..10 (size field at 4), cluster B at 10..20 (size field at 14), blocks first
    await write(0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 9);
    await write(10, 1, 2, 3, 4, 0, 0, 0, 0, 0, 9);
    s.markFragmentEnd(10, 4);
    s.markFragmentEnd(20, 14);
    await write(4, 7, 7, 7, 7, 7); // A's size: A may be stored, B still waits
    await write(14, 8, 8, 8, 8, 8); // B's size
    await s.flush();
    expect(s.allPatches).toEqual([]);
    expect(s.chunkCount).toBe(2);
  });

  it('hold(): fragments stored meanwhile are in the File at once and committed only on release, and large writes are not held back', async () => {
    const { s, write } = store();
    await write(0, 1, 2, 3);
    s.markFragmentEnd(3);
    await s.flush();
    expect(s.chunkCount).toBe(1);
    const release = s.hold();
    // 9 MB in flight while held: above the backpressure limit, yet the writer must go on (the hold
    // ends only after the muxer's last write, so waiting here would never end).
    const big = new Uint8Array(9 << 20).fill(5);
    const more = s.writable().getWriter();
    await more.write({ type: 'write', data: big, position: 3 });
    s.markFragmentEnd(3 + big.length);
    await more.write({ type: 'write', data: bytes(6, 6), position: 3 + big.length });
    s.markFragmentEnd(5 + big.length);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.chunkCount).toBe(3);
    // handed over, not committed: a crash now keeps one chunk
    expect(s.chunksCommitted).toBe(1);
    expect(s.bytesStored).toBe(3);
    expect(s.bytesPending).toBe(2 + big.length);
    const file = new Uint8Array(await s.file('x.mp4', 'video/mp4').arrayBuffer());
    expect(file.length).toBe(5 + big.length);
    expect([...file.subarray(0, 4)]).toEqual([1, 2, 3, 5]);
    expect([...file.subarray(-3)]).toEqual([5, 6, 6]);
    release();
    await s.flush();
    expect(s.bytesStored).toBe(5 + big.length);
    expect(s.chunksCommitted).toBe(3);
    expect(s.bytesPending).toBe(0);
  });

  it('a size that never comes holds at most two fragments back', async () => {
    const { s, write } = store();
    for (let i = 0; i < 4; i++) {
      await write(i * 10, ...Array.from({ length: 10 }, () => i));
      s.markFragmentEnd((i + 1) * 10, i * 10 + 4);
    }
    expect(s.chunkCount).toBeGreaterThanOrEqual(2);
  });
});
