import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLUSH_DELAY_MS, LineWriter, PIPE_BUF } from '../../src/observability/line-writer';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempFd(): { fd: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rrp-lw-'));
  dirs.push(dir);
  const path = join(dir, 'out.log');
  return { fd: openSync(path, 'w'), path };
}

test('lines leave together, FLUSH_DELAY_MS after the first', async () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  w.write('{"a":1}\n');
  w.write('{"b":2}\n');
  await new Promise((r) => setImmediate(r));
  expect(readFileSync(path, 'utf8')).toBe(''); // not yet: batched past the turn
  await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS + 20));
  expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  closeSync(fd);
});

test.each([
  ['whole', undefined],
  ['in PIPE_BUF pieces (--workers)', PIPE_BUF],
])(
  'a large batch written %s arrives in order, multi-byte text intact (content only: piece sizes are not observable on a file)',
  (_how, pieceBytes) => {
    const { fd, path } = tempFd();
    const w = new LineWriter(fd, pieceBytes);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`{"i":${i},"s":"é${'x'.repeat(i % 50)}"}\n`);
    for (const l of lines) w.write(l);
    w.flush();
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
    closeSync(fd);
  },
);

test('flush with nothing pending writes nothing; a closed fd does not throw', () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  w.flush();
  expect(readFileSync(path, 'utf8')).toBe('');
  closeSync(fd);
  const gone = new LineWriter(fd);
  gone.write('x\n');
  expect(() => gone.flush()).not.toThrow();
});
