import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineWriter } from '../../src/observability/line-writer';

function tempFd(): { fd: number; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'rrp-lw-')), 'out.log');
  return { fd: openSync(path, 'w'), path };
}

test('lines written in one turn leave together, at the end of the turn', async () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  w.write('{"a":1}\n');
  w.write('{"b":2}\n');
  expect(readFileSync(path, 'utf8')).toBe(''); // not yet: batched
  await new Promise((r) => setImmediate(r));
  expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  closeSync(fd);
});

test('a large batch is written whole, in order, multi-byte text intact', () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`{"i":${i},"s":"é${'x'.repeat(i % 50)}"}\n`);
  for (const l of lines) w.write(l);
  w.flush();
  expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
  closeSync(fd);
});

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
