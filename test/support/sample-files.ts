import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** Test payloads served by the nginx backends and uploaded through the proxy. */
export interface SampleFile {
  /** File name under the docroot's /files/ directory. */
  name: string;
  size: number;
  sha256: string;
  data: Buffer;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function sample(name: string, data: Buffer): SampleFile {
  return { name, size: data.length, sha256: sha256(data), data };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A valid 16x16 RGB PNG (PNG spec: signature, IHDR, IDAT, IEND). */
export function makePng(): Buffer {
  const w = 16;
  const h = 16;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolor
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 3);
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = x * 16;
      raw[row + 2 + x * 3] = y * 16;
      raw[row + 3 + x * 3] = 0x80;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid one-page PDF with a correct cross-reference table. */
export function makePdf(): Buffer {
  const stream = 'BT /F1 18 Tf 40 100 Td (rrproxy test document) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * Text served through nginx's SSI filter, which makes the response length unknown so nginx
 * sends it chunked to HTTP/1.1 clients (and close-delimited to HTTP/1.0 clients). The SSI
 * directive at the start outputs nothing, so the expected body is the text itself.
 */
export const SSI_DIRECTIVE = '<!--# config timefmt="%A" -->';
export function makeChunkedText(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++)
    lines.push(`line ${i} of a response nginx streams with chunked framing`);
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}

let cached: SampleFile[] | null = null;

/** The sample files, generated once per test process (random bytes differ between runs). */
export function sampleFiles(): SampleFile[] {
  if (cached === null) {
    cached = [
      sample('0b.bin', Buffer.alloc(0)),
      sample('1b.bin', randomBytes(1)),
      sample('1k.bin', randomBytes(1024)),
      sample('1m.bin', randomBytes(1024 * 1024)),
      sample('10m.bin', randomBytes(10 * 1024 * 1024)),
      sample('image.png', makePng()),
      sample('doc.pdf', makePdf()),
    ];
  }
  return cached;
}

export function sampleFile(name: string): SampleFile {
  const f = sampleFiles().find((s) => s.name === name);
  if (f === undefined) throw new Error(`no sample file ${name}`);
  return f;
}
