import { formatBytes, renderProgress, wantsProgress } from '../../src/client/progress';

describe('progress bar', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB');
  });
  it('draws a bar with percentage, sizes and speed', () => {
    const line = renderProgress(5 * 1024 * 1024, 10 * 1024 * 1024, 1000, 10);
    expect(line).toBe('[#####.....]  50%  5.0 MiB / 10.0 MiB  5.0 MiB/s');
  });
  it('never goes past 100% and works without a total', () => {
    expect(renderProgress(20, 10, 1000, 4)).toMatch(/^\[####\] 100%/);
    expect(renderProgress(2048, null, 1000)).toBe('2.0 KiB  2.0 KiB/s');
  });
  it('only on a terminal, not silent, for large or unknown sizes', () => {
    expect(wantsProgress(true, false, 2 * 1024 * 1024)).toBe(true);
    expect(wantsProgress(true, false, null)).toBe(true);
    expect(wantsProgress(true, false, 1000)).toBe(false);
    expect(wantsProgress(false, false, null)).toBe(false);
    expect(wantsProgress(true, true, null)).toBe(false);
  });
});
