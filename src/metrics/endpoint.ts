/** The metrics endpoint when `metrics.port` is configured (prom-client is loaded only then). */
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from './index';

export async function startMetricsEndpoint(
  settings: Config['metrics'],
  logger: Logger,
): Promise<Metrics | null> {
  const { port } = settings;
  if (port === null) return null;
  const { startMetrics } = require('./index') as typeof import('./index');
  return startMetrics({ ...settings, port }, logger);
}
