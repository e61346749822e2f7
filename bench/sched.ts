import { readFileSync } from 'node:fs';

/**
 * How one thread shared the CPUs since this was called, from Linux's /proc/<pid>/task/<tid>/schedstat: the share
 * of the wall time it ran and the share it was runnable but waiting for a CPU (the run queue). On two cores shared
 * by the server, its attempt thread, the pipeline child and the load generator, that wait is where a tail comes
 * from. NaN where /proc has no schedstat. `pid` alone is that process's main thread.
 */
export function schedSince(pid: number | undefined): () => { runPct: number; waitPct: number } {
  const read = () => {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
      return { run: run as number, wait: wait as number, at: performance.now() };
    } catch {
      return { run: NaN, wait: NaN, at: performance.now() };
    }
  };
  const from = read();
  return () => {
    const to = read();
    const pct = (ns: number) => Math.round(ns / 1e4 / (to.at - from.at));
    return { runPct: pct(to.run - from.run), waitPct: pct(to.wait - from.wait) };
  };
}

/**
 * Resident memory of a process and of its child processes (the pipeline child of `sentinela start`), in MB, from
 * /proc/<pid>/status (VmRSS) and /proc/<pid>/task/<pid>/children; NaN for a process /proc does not show (0 for
 * children when it lists none).
 */
export function residentMb(pid: number | undefined): { self: number; children: number } {
  const rss = (p: string | number) => {
    try {
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    } catch {
      return NaN;
    }
  };
  const childrenOf = () => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  };
  return { self: rss(pid ?? NaN), children: childrenOf().reduce((mb, child) => mb + rss(child), 0) };
}
