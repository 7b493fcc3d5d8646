// Samples the machine and the process: CPU, memory, disk, event-loop lag, uptime.
import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface SystemStats {
  cpuPercent: number;
  processCpuPercent: number;
  memoryPercent: number;
  memoryTotalBytes: number;
  rssBytes: number;
  heapUsedBytes: number;
  diskPercent: number | undefined;
  diskFreeBytes: number | undefined;
  eventLoopLagMs: number;
  eventLoopLagP99Ms: number;
  uptimeSeconds: number;
}

export interface SystemSampler {
  /** CPU figures cover the time since the previous call (at least `minSpanMs`). */
  sample(): Promise<SystemStats>;
  stop(): void;
}

interface CpuMark {
  at: number;
  idle: number;
  total: number;
  process: number;
}

function cpuMark(): CpuMark {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  const usage = process.cpuUsage();
  return { at: performance.now(), idle, total, process: (usage.user + usage.system) / 1000 };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function createSystemSampler(dataDir: string, minSpanMs = 1000): SystemSampler {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let previous = cpuMark();
  let last = { cpuPercent: 0, processCpuPercent: 0 };
  const cores = Math.max(1, cpus().length);

  return {
    async sample() {
      const mark = cpuMark();
      if (mark.at - previous.at >= minSpanMs) {
        const total = mark.total - previous.total;
        const idle = mark.idle - previous.idle;
        const wallMs = mark.at - previous.at;
        last = {
          cpuPercent: total > 0 ? round1(((total - idle) / total) * 100) : 0,
          processCpuPercent: round1(((mark.process - previous.process) / (wallMs * cores)) * 100),
        };
        previous = mark;
      }
      let diskPercent: number | undefined;
      let diskFreeBytes: number | undefined;
      try {
        const fs = await statfs(dataDir);
        diskPercent = fs.blocks > 0 ? round1(((fs.blocks - fs.bavail) / fs.blocks) * 100) : undefined;
        diskFreeBytes = fs.bavail * fs.bsize;
      } catch {
        // DATA_DIR may not exist when running on PostgreSQL; disk is then not reported.
      }
      const memory = process.memoryUsage();
      const total = totalmem();
      const stats: SystemStats = {
        ...last,
        memoryPercent: round1(((total - freemem()) / total) * 100),
        memoryTotalBytes: total,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        diskPercent,
        diskFreeBytes,
        eventLoopLagMs: Number.isFinite(loop.mean) ? round1(loop.mean / 1e6) : 0,
        eventLoopLagP99Ms: round1(loop.percentile(99) / 1e6),
        uptimeSeconds: Math.round(process.uptime()),
      };
      return stats;
    },
    stop() {
      loop.disable();
    },
  };
}
