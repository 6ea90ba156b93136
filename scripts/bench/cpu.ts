// CPU time used during a phase, from /proc, split into the app (the `next start` process tree),
// PostgreSQL (every `postgres` process, plus the time of backends that exited, which the
// postmaster's cutime/cstime keeps) and the benchmark process itself. Shows where a phase's
// time goes on a machine where all three share the cores.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let ticks = 100;
try {
  ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  // 100 on every Linux this runs on
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  own: number; // utime + stime, seconds
  children: number; // cutime + cstime (waited-for children), seconds
}

function readStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const open = text.indexOf("(");
      const close = text.lastIndexOf(")");
      const f = text.slice(close + 2).split(" ");
      // after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
      out.set(Number(name), {
        pid: Number(name),
        ppid: Number(f[1]),
        comm: text.slice(open + 1, close),
        own: (Number(f[11]) + Number(f[12])) / ticks,
        children: (Number(f[13]) + Number(f[14])) / ticks,
      });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export interface CpuSnapshot {
  app: number;
  postgres: number;
  bench: number;
  /** all CPUs' busy time (user, nice, system, irq, softirq), seconds */
  machineBusy: number;
  /** time the hypervisor gave to others, seconds */
  steal: number;
  wall: number;
}

function machine(): { busy: number; steal: number } {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return { busy: (user + nice + system + irq + softirq) / ticks, steal: steal / ticks };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

export function cpuSnapshot(appPid: number | undefined): CpuSnapshot {
  const stats = readStats();
  let app = 0;
  if (appPid !== undefined && stats.has(appPid)) {
    const tree = [appPid];
    for (let i = 0; i < tree.length; i++) for (const s of stats.values()) if (s.ppid === tree[i]) tree.push(s.pid);
    app = tree.reduce((n, pid) => n + stats.get(pid)!.own, 0) + stats.get(appPid)!.children;
  }
  let postgres = 0;
  for (const s of stats.values()) {
    if (s.comm !== "postgres") continue;
    postgres += s.own;
    const parent = stats.get(s.ppid);
    if (!parent || parent.comm !== "postgres") postgres += s.children; // the postmaster
  }
  const usage = process.cpuUsage();
  const m = machine();
  return {
    app,
    postgres,
    bench: (usage.user + usage.system) / 1e6,
    machineBusy: m.busy,
    steal: m.steal,
    wall: performance.now() / 1000,
  };
}

export interface CpuUse {
  wallS: number;
  appS: number;
  postgresS: number;
  benchS: number;
  /** CPU used by everything else on the machine (other users' builds, tests, daemons) */
  otherS: number;
  stealS: number;
}

export function cpuSince(before: CpuSnapshot, appPid: number | undefined): CpuUse {
  const now = cpuSnapshot(appPid);
  return {
    wallS: now.wall - before.wall,
    appS: now.app - before.app,
    postgresS: now.postgres - before.postgres,
    benchS: now.bench - before.bench,
    otherS: Math.max(
      0,
      now.machineBusy -
        before.machineBusy -
        (now.app - before.app) -
        (now.postgres - before.postgres) -
        (now.bench - before.bench),
    ),
    stealS: now.steal - before.steal,
  };
}

/** "app 1.23 s (95% of a core), postgres …" */
export function describeCpu(use: CpuUse): string {
  const part = (label: string, s: number) =>
    `${label} ${s.toFixed(1)} CPU-s (${Math.round((100 * s) / use.wallS)}% of a core)`;
  return (
    `${use.wallS.toFixed(1)} s wall: ${part("app", use.appS)}, ${part("postgres", use.postgresS)}, ${part("bench client", use.benchS)}, ` +
    `${part("other processes", use.otherS)}${use.stealS > 0.05 * use.wallS ? `, ${part("stolen by the hypervisor", use.stealS)}` : ""}`
  );
}
