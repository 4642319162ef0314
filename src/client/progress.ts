/** Rendering of the download progress bar (pure; the output module decides when to draw it). */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * One line of progress: "[#######.............]  35%  3.5 MiB / 10.0 MiB  1.2 MiB/s", or
 * without the bar and percentage when the length is unknown (chunked, close-delimited).
 */
export function renderProgress(
  received: number,
  total: number | null,
  elapsedMs: number,
  width = 30,
): string {
  const rate = elapsedMs > 0 ? (received * 1000) / elapsedMs : 0;
  const speed = `${formatBytes(Math.round(rate))}/s`;
  if (total === null || total <= 0) return `${formatBytes(received)}  ${speed}`;
  const fraction = Math.min(1, received / total);
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${bar}] ${pct}  ${formatBytes(received)} / ${formatBytes(total)}  ${speed}`;
}

/** Downloads at least this large (or of unknown length) get a progress bar. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;

export function wantsProgress(
  stderrIsTty: boolean,
  silent: boolean,
  total: number | null,
): boolean {
  return stderrIsTty && !silent && (total === null || total >= PROGRESS_MIN_BYTES);
}
