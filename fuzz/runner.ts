/**
 * Runs cases in a child process under limits: a case past its time limit is a hang, a child that
 * dies (a signal, a V8 heap abort) or grows past `memoryMb` of resident memory is a kill. After
 * either, the child is replaced and the next case goes on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseOutcome } from './outcome.js';
import type { CaseRequest } from './child.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export interface RunnerOptions {
  /** Resident memory above which the child is killed (default 1536 MB). */
  memoryMb?: number;
  /** V8 heap limit of the child (default 512 MB). */
  heapMb?: number;
}

function residentMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export class CaseRunner {
  private child: ChildProcess | null = null;
  private stderr = '';
  private readonly memoryMb: number;
  private readonly heapMb: number;

  constructor(options: RunnerOptions = {}) {
    this.memoryMb = options.memoryMb ?? 1536;
    this.heapMb = options.heapMb ?? 512;
  }

  private start(): ChildProcess {
    const child = fork(CHILD, [], {
      execArgv: [`--max-old-space-size=${this.heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Without NODE_TEST_CONTEXT: under node --test, the child must not act as a test process.
      // The HDF5 guard's limit stays below the case limit, so a file that makes HDF5 loop is refused, not a hang.
      env: { ...process.env, CORTADO_NO_CUDA: '1', CORTADO_HDF5_TIME_LIMIT: '2', NODE_TEST_CONTEXT: undefined },
    });
    child.on('error', () => { /* a send to a child that just died: its exit is reported instead */ });
    this.stderr = '';
    child.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-2000); });
    return child;
  }

  /** Runs one case; `input` is filled in by the child (or left as the case's name on a hang/kill). */
  run(req: CaseRequest, timeLimitMs: number): Promise<CaseOutcome> {
    const child = (this.child ??= this.start());
    return new Promise((resolve) => {
      let done = false;
      let input = '(not announced: see replay)';
      const finish = (outcome: CaseOutcome, killChild: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (killChild) {
          child.kill('SIGKILL');
          this.child = null;
        }
        resolve(outcome);
      };
      const onMessage = (m: { index: number; outcome?: CaseOutcome; input?: string }): void => {
        if (m.index !== req.index) return;
        if (m.input !== undefined) input = m.input;
        if (m.outcome) finish(m.outcome, false);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        this.child = null;
        const lines = this.stderr.trim().split('\n');
        const last = lines.find((l) => /FATAL|uncaught|unhandled/.test(l)) ?? lines.slice(-3).join(' | ');
        const cls = code === 70 ? 'other' : 'kill';
        finish({ cls, input, detail: `child died (${signal ?? `exit ${code}`}): ${last}`.slice(0, 600) }, false);
      };
      const timer = setTimeout(() => finish({ cls: 'hang', input, detail: `no answer within ${timeLimitMs} ms` }, true), timeLimitMs);
      const watch = setInterval(() => {
        const mb = child.pid ? residentMb(child.pid) : 0;
        if (mb > this.memoryMb) finish({ cls: 'kill', input, detail: `resident memory ${mb.toFixed(0)} MB > ${this.memoryMb} MB` }, true);
      }, 20);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(req);
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}
