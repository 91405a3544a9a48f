/** Shapes shared by the security module's pieces and the servers that use them. */
import type { IncomingHttpHeaders } from 'node:http';

/** What the checks read from a request (node:http's IncomingMessage is one). */
export interface RequestLike {
  readonly method?: string;
  readonly headers: IncomingHttpHeaders;
}

/** A refused request: the status to answer, a message for people, and for 401s the code the SDK reads. */
export interface Rejection {
  readonly status: 400 | 401 | 403 | 415;
  readonly message: string;
  /** `INVALID_TOKEN` / `EXPIRED_TOKEN` (Orkes' codes: the Conductor SDK renews its token on either). */
  readonly error?: 'INVALID_TOKEN' | 'EXPIRED_TOKEN';
}

/** An Orkes-style application key: `POST /api/token {keyId, keySecret}` exchanges it for a token. */
export interface Credentials {
  readonly keyId: string;
  readonly keySecret: string;
}
