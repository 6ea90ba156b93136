// Samples the resident memory of a process tree (the `next start` process and all its
// descendants) every `intervalMs` from /proc, in a worker thread so that a busy main thread
// (serialising batches, awaiting sockets) never delays a sample.
import { Worker } from "node:worker_threads";

export interface RssReport {
  /** highest sum of VmRSS over the tree seen in one sample, in bytes */
  peakRssBytes: number;
  /** highest sum of the processes' own VmHWM (kernel-kept peaks), in bytes; an upper bound */
  peakHwmBytes: number;
  /** VmRSS sum of the latest sample, in bytes */
  lastRssBytes: number;
  samples: number;
  /** most processes seen in the tree at once */
  processes: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const root = workerData.pid;
const report = { peakRssBytes: 0, peakHwmBytes: 0, lastRssBytes: 0, samples: 0, processes: 0 };
let tree = [root];
let lastTreeScan = 0;

function childrenOf(pid) {
  // /proc/<pid>/task/<tid>/children lists direct children (CONFIG_PROC_CHILDREN).
  const out = [];
  try {
    for (const tid of fs.readdirSync("/proc/" + pid + "/task")) {
      const text = fs.readFileSync("/proc/" + pid + "/task/" + tid + "/children", "utf8").trim();
      if (text) for (const c of text.split(/\\s+/)) out.push(Number(c));
    }
    return out;
  } catch {
    return null;
  }
}

function scanByPpid() {
  const parent = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync("/proc/" + name + "/stat", "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(name), ppid);
    } catch {}
  }
  const result = [root];
  for (let i = 0; i < result.length; i++) for (const [pid, ppid] of parent) if (ppid === result[i]) result.push(pid);
  return result;
}

function scanTree() {
  const result = [root];
  for (let i = 0; i < result.length; i++) {
    const kids = childrenOf(result[i]);
    if (kids === null) return i === 0 ? scanByPpid() : result;
    result.push(...kids);
  }
  return result;
}

function kb(status, field) {
  const m = status.match(new RegExp("^" + field + ":\\\\s+(\\\\d+) kB", "m"));
  return m ? Number(m[1]) * 1024 : 0;
}

function sample() {
  const now = Date.now();
  if (now - lastTreeScan > 1000) {
    tree = scanTree();
    lastTreeScan = now;
  }
  let rss = 0, hwm = 0, alive = 0;
  for (const pid of tree) {
    try {
      const status = fs.readFileSync("/proc/" + pid + "/status", "utf8");
      rss += kb(status, "VmRSS");
      hwm += kb(status, "VmHWM");
      alive++;
    } catch {}
  }
  if (alive === 0) return;
  report.samples++;
  report.lastRssBytes = rss;
  report.peakRssBytes = Math.max(report.peakRssBytes, rss);
  report.peakHwmBytes = Math.max(report.peakHwmBytes, hwm);
  report.processes = Math.max(report.processes, alive);
}

sample();
const timer = setInterval(sample, workerData.intervalMs);
parentPort.on("message", (msg) => {
  if (msg === "stop") {
    clearInterval(timer);
    sample();
  }
  parentPort.postMessage({ ...report });
  if (msg === "stop") parentPort.close();
});
`;

export class RssSampler {
  private readonly worker: Worker;
  private stopped: RssReport | null = null;

  constructor(pid: number, intervalMs = 200) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pid, intervalMs } });
    this.worker.unref();
  }

  /** The figures so far. */
  read(): Promise<RssReport> {
    if (this.stopped) return Promise.resolve(this.stopped);
    return this.ask("read");
  }

  async stop(): Promise<RssReport> {
    if (this.stopped) return this.stopped;
    this.stopped = await this.ask("stop").catch(() => this.stopped ?? emptyReport());
    await this.worker.terminate().catch(() => {});
    return this.stopped;
  }

  private ask(message: "read" | "stop"): Promise<RssReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("RSS sampler did not answer")), 5_000);
      this.worker.once("message", (report: RssReport) => {
        clearTimeout(timer);
        resolve(report);
      });
      this.worker.postMessage(message);
    });
  }
}

function emptyReport(): RssReport {
  return { peakRssBytes: 0, peakHwmBytes: 0, lastRssBytes: 0, samples: 0, processes: 0 };
}

/** One report over several processes run one after another (the server restarted between phases). */
export function mergeReports(reports: RssReport[]): RssReport {
  return reports.reduce(
    (a, b) => ({
      peakRssBytes: Math.max(a.peakRssBytes, b.peakRssBytes),
      peakHwmBytes: Math.max(a.peakHwmBytes, b.peakHwmBytes),
      lastRssBytes: b.lastRssBytes,
      samples: a.samples + b.samples,
      processes: Math.max(a.processes, b.processes),
    }),
    emptyReport(),
  );
}
