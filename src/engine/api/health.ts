/** `GET /health` and `GET /api/health` (Conductor answers `{"healthy": true, …}`); `GET /api/version`. */
import { packageVersion } from '../../paths';
import type { Engine } from '../engine';
import type { Router } from '../http/router';
import { ok, text } from './util';

export function registerHealthRoutes(router: Router, engine: Engine): void {
  const health = () => {
    engine.ctx.db.prepare('SELECT 1').get();
    return ok({ healthy: true, healthResults: [], suppressedHealthResults: [] });
  };
  router.get('/health', health, { access: 'open' });
  router.get('/api/health', health);
  // Conductor answers its build version as text; the UI asks on every page.
  const version = packageVersion();
  router.get('/api/version', () => text(version));
}
