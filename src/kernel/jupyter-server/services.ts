/**
 * The lazily loaded @jupyterlab/services (~150 ms to require: never at CLI start-up), server settings for
 * one Jupyter Server, and the translation of its REST failures into NbcErrors.
 */
import type { Kernel, KernelMessage, ServerConnection } from '@jupyterlab/services';
import type WebSocketType from 'ws';

import { NbcError } from '../../errors';

export type Services = typeof import('@jupyterlab/services');
export type ServerSettings = ServerConnection.ISettings;

let servicesModule: Services | undefined;

export function loadServices(): Services {
  servicesModule ??= require('@jupyterlab/services') as Services;
  return servicesModule;
}

/** Where a server lives. `url` is normalised: http(s), trailing slash, no query. */
export interface ServerEndpoint {
  url: string;
  token: string;
}

/**
 * Normalise a server URL. A URL pasted from a Jupyter log (`http://host:8888/lab?token=abc`) works too:
 * its token is used when none is given, and the query and the UI path are dropped.
 */
export function parseServerUrl(raw: string, token: string | undefined): ServerEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new NbcError('E_CONFIG', `invalid Jupyter Server URL: ${JSON.stringify(raw)}`, {
      field: 'jupyter.url',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new NbcError('E_CONFIG', `Jupyter Server URL must be http(s): ${parsed.protocol}//${parsed.host}`, {
      field: 'jupyter.url',
    });
  }
  const fromQuery = parsed.searchParams.get('token') ?? undefined;
  parsed.search = '';
  parsed.hash = '';
  parsed.pathname = parsed.pathname.replace(/\/(lab|tree|notebooks)(\/.*)?$/, '/');
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return { url: parsed.toString(), token: token ?? fromQuery ?? '' };
}

/** A URL safe for messages and logs (credentials stripped). */
export function displayUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]*@/, '$1');
}

// The `ws` client with settings suited to kernel traffic: no 30 s wait for a close handshake from a server
// that is gone (it would keep the process alive), no compression negotiation (jupyter_server declines it),
// and room for large outputs (ws defaults to a 100 MiB message limit).
let wsClass: unknown;
function kernelWebSocketClass(): unknown {
  if (wsClass) return wsClass;
  const WS = require('ws') as typeof WebSocketType;
  class KernelWebSocket extends WS {
    constructor(address: string, protocols?: string | string[]) {
      // closeTimeout exists in ws 8.x but not in its type definitions.
      const options = { closeTimeout: 2000, perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 };
      super(address, protocols, options as WebSocketType.ClientOptions);
    }
  }
  wsClass = KernelWebSocket;
  return wsClass;
}

/**
 * The fetch behind the library's REST calls. An error response reaches the library as JSON holding only
 * the server's message: given a traceback, the library would console.error it, and given a body that is
 * not JSON (a proxy's HTML error page) it would console.debug the parse error onto stdout.
 */
async function restFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (res.ok || res.status === 304) return res;
  const body = await res.text().catch(() => '');
  let message: string | undefined;
  try {
    const data = JSON.parse(body) as { message?: unknown; reason?: unknown };
    const m = typeof data.message === 'string' && data.message ? data.message : data.reason;
    message = typeof m === 'string' && m ? m : undefined;
  } catch {
    message = body.trim().split('\n')[0]?.slice(0, 300) || undefined;
  }
  return new Response(JSON.stringify(message === undefined ? {} : { message }), {
    status: res.status,
    statusText: res.statusText,
    headers: { 'content-type': 'application/json' },
  });
}

export type MessageInterceptor = (msg: KernelMessage.IMessage) => void;

/**
 * Settings for one server. With `intercept`, every message the websocket delivers passes through it
 * after decoding and before @jupyterlab/services handles it (the session uses it to see, and neutralise,
 * the server's `restarting` status: see session.ts).
 */
export function makeServerSettings(endpoint: ServerEndpoint, intercept?: MessageInterceptor): ServerSettings {
  const { ServerConnection } = loadServices();
  const base = {
    baseUrl: endpoint.url,
    wsUrl: endpoint.url.replace(/^http/, 'ws'),
    token: endpoint.token,
    appendToken: true,
    WebSocket: kernelWebSocketClass() as ServerSettings['WebSocket'],
    fetch: restFetch,
  };
  const settings = ServerConnection.makeSettings(base);
  if (!intercept) return settings;
  const { serializer } = settings;
  return ServerConnection.makeSettings({
    ...base,
    serializer: {
      serialize: (msg, protocol) => serializer.serialize(msg, protocol),
      deserialize: (data, protocol) => {
        const msg = serializer.deserialize(data, protocol);
        intercept(msg);
        return msg;
      },
    },
  });
}

export interface RestFailure {
  /** HTTP status, or 0 when the server could not be reached. */
  status: number;
  /** The server's message (JSON `message`/`reason`), or the network error. */
  message: string;
}

/** Pull the HTTP status and the server's message out of whatever @jupyterlab/services threw. */
export function restFailure(err: unknown): RestFailure {
  const { ServerConnection } = loadServices();
  if (err instanceof ServerConnection.ResponseError) {
    const status = err.response.status;
    return { status, message: err.message || err.response.statusText || `HTTP ${status}` };
  }
  if (err instanceof ServerConnection.NetworkError) return { status: 0, message: err.message };
  return { status: -1, message: err instanceof Error ? err.message : String(err) };
}

/**
 * The NbcError for a failed REST call that is not specific to one operation: bad token, unreachable
 * server. Returns undefined for anything else (the caller words those).
 */
export function connectionError(
  failure: RestFailure,
  endpoint: ServerEndpoint,
  what: string,
): NbcError | undefined {
  const where = displayUrl(endpoint.url);
  if (failure.status === 401 || failure.status === 403) {
    return new NbcError(
      'E_CONFIG',
      `${what}: the Jupyter Server at ${where} rejected the token (HTTP ${failure.status} ${failure.message}); ` +
        'check the Jupyter token setting (--jupyter-token)',
      { uri: where, field: 'jupyter.token', status: failure.status },
    );
  }
  if (failure.status === 0) {
    return new NbcError(
      'E_KERNEL_START',
      `${what}: cannot reach the Jupyter Server at ${where} (${failure.message})`,
      {
        uri: where,
      },
    );
  }
  return undefined;
}

/**
 * `DELETE /api/kernels/<id>`; resolves with the HTTP status (204 done, 404 already gone). Not
 * KernelAPI.shutdownKernel: it console.warns on 404, which is normal for us (the server removes a kernel
 * that died).
 */
export async function deleteKernel(settings: ServerSettings, kernelId: string): Promise<number> {
  const { ServerConnection, KernelAPI } = loadServices();
  const url = `${settings.baseUrl}${KernelAPI.KERNEL_SERVICE_URL}/${encodeURIComponent(kernelId)}`;
  const response = await ServerConnection.makeRequest(url, { method: 'DELETE' }, settings);
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
}

/**
 * The REST client a `KernelConnection` uses when its websocket drops, to ask whether the kernel still
 * exists. The library's own client, when the server cannot be reached, asks again 10-30 s later on a timer
 * that `dispose()` does not clear (the process would linger). This one answers "unknown, keep
 * reconnecting" instead, so the library's reconnect timers (which dispose() clears) run and the session's
 * grace period decides when to give up; a kernel the server no longer has is reported dead at once.
 */
export function reconnectAwareClient(
  settings: ServerSettings,
  noteDeath: (reason: string) => void,
): Kernel.IKernelAPIClient {
  const { KernelAPI } = loadServices();
  class ReconnectAwareClient extends KernelAPI.KernelAPIClient {
    override async getModel(id: string): Promise<Kernel.IModel | undefined> {
      let model: Kernel.IModel | undefined;
      try {
        model = await super.getModel(id);
      } catch (err) {
        const { status } = restFailure(err);
        if (status === 0 || status === 502 || status === 503 || status === 424) return { id, name: '' };
        throw err;
      }
      if (model === undefined) {
        noteDeath('the kernel no longer exists on the server');
        return { id, name: '', execution_state: 'dead' };
      }
      return model;
    }
  }
  return new ReconnectAwareClient({ serverSettings: settings });
}
