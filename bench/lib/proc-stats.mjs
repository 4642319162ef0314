// Readers of /proc: CPU time of process trees, per-cpu busy time, peak RSS. Linux only.
// CPU times are in clock ticks (USER_HZ, 100 per second on every Linux this runs on).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

export const USER_HZ = 100;

/** Parses /proc/<pid>/stat; null when the process is gone. `cpu` = utime + stime (all threads). */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return {
    ppid: Number(f[1]),
    cpu: Number(f[11]) + Number(f[12]),
    lastCpu: Number(f[36]),
  };
}

/** Every process now: pid -> { ppid, cpu, lastCpu }. */
export function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = readStat(name);
    if (st) table.set(Number(name), st);
  }
  return table;
}

/** `root` and all its descendants present in `table`. */
export function treeOf(table, root) {
  const out = new Set();
  if (!table.has(root)) return out;
  out.add(root);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of table) {
      if (!out.has(pid) && out.has(p.ppid)) {
        out.add(pid);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * Busy ticks of each cpu (user + nice + system + irq + softirq) and steal, from /proc/stat.
 * irq/softirq count: with IRQ time accounting, loopback networking shows up there (a fifth of a
 * loaded cpu), while processes' utime + stime still cover most of it; without them our own
 * processes would seem to use more than the cpu did, hiding other jobs.
 */
export function cpuBusy() {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/).slice(1).map(Number);
      return { busy: f[0] + f[1] + f[2] + (f[5] || 0) + (f[6] || 0), steal: f[7] || 0 };
    });
}

/** Sum of busy ticks of the cpus in `cpus` (a Set of indices). */
export function busyOf(cpus) {
  return cpuBusy().reduce((sum, c, i) => (cpus.has(i) ? sum + c.busy : sum), 0);
}

/** "0-1,3" -> [0, 1, 3]. */
export function parseCpuList(list) {
  return String(list)
    .split(',')
    .filter(Boolean)
    .flatMap((range) => {
      const [a, b = a] = range.split('-').map(Number);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
}

/** The cpus a process may run on, from /proc/<pid>/status; [] when it is gone. */
export function allowedCpus(pid) {
  const m = statusField(pid, 'Cpus_allowed_list');
  return m ? parseCpuList(m) : [];
}

function statusField(pid, field) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = text.match(new RegExp(`^${field}:\\s*(.+)$`, 'm'));
    return m ? m[1].trim() : null;
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM (peak RSS) in KiB, summed over the given pids (a tree: nginx master + workers). */
export function memoryOf(pids) {
  let rss = 0;
  let hwm = 0;
  for (const pid of pids) {
    rss += parseInt(statusField(pid, 'VmRSS') ?? '0', 10);
    hwm += parseInt(statusField(pid, 'VmHWM') ?? '0', 10);
  }
  return { rssKiB: rss, hwmKiB: hwm };
}

/**
 * Resets the peak-RSS mark of each process (writing 5 to clear_refs, Linux >= 4.0), so VmHWM read
 * after a sample is the peak during that sample and not since the process started.
 */
export function resetPeakRss(pids) {
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      /* gone, or not allowed: VmHWM then covers the process lifetime */
    }
  }
}

/** Whether a process is still there (and not a zombie). */
export function alive(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
