import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** A server process of the bench, by its role (e.g. `gateway, secured`), pinned when asked. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
}

export interface StartOptions {
  /** taskset CPU list; the process runs unpinned without it. */
  cpus?: string;
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Forks a Node script with an IPC channel; under `taskset -c` when pinned (taskset execs Node, the pid stays). */
export function startProcess(name: string, script: string, options: StartOptions = {}): BenchProcess {
  const stdio: ('ignore' | 'inherit' | 'ipc')[] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const child = options.cpus
    ? spawn('taskset', ['-c', options.cpus, process.execPath, ...(options.execArgv ?? []), script], { stdio, env: options.env, cwd: options.cwd })
    : fork(script, [], { stdio, execArgv: options.execArgv ?? [], env: options.env, cwd: options.cwd });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  return { name, child, pid: child.pid };
}

/** Pins this process (all its threads) to a CPU list. */
export function pinSelf(cpus: string): void {
  pinProcess(process.pid, cpus);
}

/** Moves a running process, every thread of it, to these CPUs. */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/** The CPU list a process may run on, as taskset reports it. */
export function affinityOf(pid: number): string {
  return execFileSync('taskset', ['-cp', String(pid)], { encoding: 'utf8' }).split(':').pop()!.trim();
}

/** Waits for the first message carrying `key`; fails if the process exits first. */
export function reply<T>(proc: BenchProcess, key: string, message?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: Record<string, unknown>) => {
      if (!(key in answer)) return;
      proc.child.off('message', onMessage);
      proc.child.off('exit', onExit);
      resolve(answer as T);
    };
    const onExit = (code: number | null) => reject(new Error(`${proc.name} exited with ${code} before it was ready`));
    proc.child.on('message', onMessage);
    proc.child.once('exit', onExit);
    if (message) proc.child.send(message);
  });
}

let tickMs: number | undefined;
/** Milliseconds per clock tick of /proc's CPU times (USER_HZ, 100 on Linux). */
function clockTickMs(): number {
  if (tickMs === undefined) {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    tickMs = 1000 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
  }
  return tickMs;
}

/** CPU milliseconds (user + system, every thread) the process has used so far, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the name.
  return (Number(fields[11]) + Number(fields[12])) * clockTickMs();
}

/** The machine's CPU time so far, all CPUs, in clock ticks: the total and what the hypervisor stole (/proc/stat). */
export function machineTicks(): { total: number; steal: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  return { total: fields.slice(0, 8).reduce((sum, v) => sum + v, 0), steal: fields[7] ?? 0 };
}

/** Resident memory of the process in MiB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

/** Asks the process to shut down (it closes on disconnect) and waits; kills it by pid after `graceMs`. */
export async function stopProcess(proc: BenchProcess, graceMs = 20_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  if (proc.child.connected) proc.child.disconnect();
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
