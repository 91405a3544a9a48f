/**
 * `POST /api/token` (Orkes' token exchange, which the SDK calls when it has a key and secret) and the
 * browser login link `GET /login?code=…`. With auth off there is no token route: the SDK gets the 404
 * Conductor OSS answers there and goes on without a token.
 */
import { isRejection, LOGIN_PATH, type HttpSecurity } from '../../security';
import type { ApiResponse, Router } from '../http/router';
import { rejectionBody } from '../http/server';

export function registerAuthRoutes(router: Router, security: HttpSecurity): void {
  if (security.authEnabled) {
    router.post(
      '/api/token',
      (req): ApiResponse => {
        const issued = security.issueToken(req.body);
        if (isRejection(issued)) return { status: issued.status, json: rejectionBody(issued) };
        return { status: 200, json: issued, headers: { 'cache-control': 'no-store' } };
      },
      { body: 'json', access: 'open' },
    );
  }
  router.get(
    LOGIN_PATH,
    (req): ApiResponse => {
      const r = security.redeemLogin(req, req.query);
      if (isRejection(r)) return { status: r.status, json: rejectionBody(r) };
      return { status: r.status, text: r.text, headers: { ...r.headers, 'cache-control': 'no-store' } };
    },
    { access: 'open' },
  );
}
