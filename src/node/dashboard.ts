/**
 * `serveDashboard(solver)`: a live training dashboard over HTTP on 127.0.0.1 (never another
 * address: it shows a run to whoever can connect, so only this machine may).
 *
 *   GET /            a self-contained page (src/dashboard/view.ts): no external request
 *   GET /state.json  { state, html }: the DashboardState and its rendered fragment, which the page
 *                    polls every 500 ms
 *
 * Requests are answered when the solver yields to the event loop (every ~16 ms of work by default,
 * see the solver's yieldEvery), between iterations, so a state is always that of a whole iteration.
 * `ended()` marks the run over (the page stops polling); `close()` stops the server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DashboardRecorder } from '../dashboard/state.js';
import type { SamplePrediction } from '../dashboard/samples.js';
import { dashboardPage, renderDashboard } from '../dashboard/view.js';
import type { Solver } from '../solver/solver.js';

/** The one address the dashboard listens on. */
export const DASHBOARD_HOST = '127.0.0.1';

export interface DashboardOptions {
  /** TCP port (default 0: any free port, see `Dashboard.url`). */
  port?: number;
  /** Shown on the page (default 'Cortado training'). */
  title?: string;
  /** The latest sample predictions to show (a PredictionSamples' `latest`, say); none by default. */
  samples?: () => SamplePrediction[];
}

export interface Dashboard {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly port: number;
  /** Marks the run as ended: the page shows it and stops polling. */
  ended(): void;
  /** Stops the server (idempotent); resolves once it no longer listens. */
  close(): Promise<void>;
}

export async function serveDashboard(solver: Solver, options: DashboardOptions = {}): Promise<Dashboard> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`serveDashboard: option "port" must be an integer from 0 to 65535, found ${port}`);
  const recorder = new DashboardRecorder(solver, options.title ?? 'Cortado training');
  recorder.samples = options.samples;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end(`cortado dashboard: ${req.method} not allowed; GET / or /state.json\n`);
      return;
    }
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(dashboardPage(recorder.take()));
    } else if (path === '/state.json') {
      const state = recorder.take();
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ state, html: renderDashboard(state) }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`cortado dashboard: no page ${path}; GET / or /state.json\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(`dashboard: cannot listen on ${DASHBOARD_HOST}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use; choose another or 0 for any free one' : e.message}`)));
    server.listen(port, DASHBOARD_HOST, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${DASHBOARD_HOST}:${actual}/`,
    port: actual,
    ended: () => void (recorder.running = false),
    close: () => {
      recorder.running = false;
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
