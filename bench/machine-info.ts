import os from 'node:os';

/** The machine a run happened on, printed with every report so numbers are never read without context. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly loadAverage1m: number;
  readonly os: string;
  readonly node: string;
}

/** Reads the current machine's description. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    loadAverage1m: os.loadavg()[0] ?? 0,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
