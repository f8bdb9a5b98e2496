// Draws the Askwell monogram (a white "A" on the warm accent) into the PNG icons the manifest
// lists. Plain Node: a tiny PNG encoder over zlib, shapes rendered with 4x4 supersampling.
// Run with `npm run icons`; the PNGs are committed, so builds never need this script.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'public', 'icons');
mkdirSync(out, { recursive: true });

const ACCENT = [0xb0, 0x4a, 0x25];
const ACCENT_DEEP = [0x94, 0x3b, 0x1c];
const CREAM = [0xfd, 0xf6, 0xee];

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

// Shapes in unit coordinates (0..1). `inset` shrinks the glyph for the maskable safe zone.
function shade(u, v, { rounded, glyphScale }) {
  // background: rounded square (or full bleed), with a soft vertical gradient
  let inBg = true;
  if (rounded) {
    const r = 0.22;
    const cx = Math.min(Math.max(u, r), 1 - r), cy = Math.min(Math.max(v, r), 1 - r);
    inBg = Math.hypot(u - cx, v - cy) <= r;
  }
  if (!inBg) return null;
  const bg = ACCENT.map((c, i) => Math.round(c + (ACCENT_DEEP[i] - c) * v));
  // glyph: an "A" of round-capped strokes plus a small speech-bubble dot (the ask)
  const s = glyphScale;
  const gx = 0.5 + (u - 0.5) / s, gy = 0.5 + (v - 0.5) / s;
  const w = 0.058;
  const top = [0.5, 0.22], left = [0.29, 0.77], right = [0.71, 0.77];
  const d = Math.min(
    distToSegment(gx, gy, ...top, ...left),
    distToSegment(gx, gy, ...top, ...right),
    distToSegment(gx, gy, 0.385, 0.585, 0.615, 0.585),
  );
  if (d <= w) return CREAM;
  return bg;
}

function render(size, opts) {
  const buf = Buffer.alloc(size * size * 4);
  const ss = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size, opts);
          if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1; }
        }
      }
      const i = (y * size + x) * 4;
      const n = ss * ss;
      if (a) { buf[i] = Math.round(r / a); buf[i + 1] = Math.round(g / a); buf[i + 2] = Math.round(b / a); }
      buf[i + 3] = Math.round((a / n) * 255);
    }
  }
  return png(size, buf);
}

const files = [
  ['icon-192.png', 192, { rounded: true, glyphScale: 1 }],
  ['icon-512.png', 512, { rounded: true, glyphScale: 1 }],
  ['maskable-512.png', 512, { rounded: false, glyphScale: 0.72 }],
  ['apple-touch-icon.png', 180, { rounded: false, glyphScale: 0.86 }],
];
for (const [name, size, opts] of files) {
  writeFileSync(join(out, name), render(size, opts));
  console.log('wrote', name);
}
