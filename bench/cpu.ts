/**
 * CPU time and memory of processes, read from /proc: what a benchmark reports beside its rates,
 * because on a shared machine the CPU a piece of work used says more than its wall-clock time.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Memory high-water mark of a process, from /proc (MB). */
export function peakRssMb(pid: number | 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by a process, from /proc. */
export function cpuSeconds(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of the PostgreSQL backends serving `database`, per backend pid. */
export function backendCpu(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('postgres:') && cmd.includes(` ${database} `)) out.set(Number(d), cpuSeconds(Number(d)));
    } catch {}
  }
  return out;
}

/** CPU seconds the backends of `database` used since `start` (a backendCpu reading). */
export function backendCpuSince(database: string, start: Map<number, number>): number {
  let sec = 0;
  for (const [pid, t] of backendCpu(database)) sec += t - (start.get(pid) ?? 0);
  return sec;
}
