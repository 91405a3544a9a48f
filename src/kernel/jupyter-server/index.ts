/** The `jupyter-server` kernel provider: public surface. */
export {
  createJupyterServerKernelProvider,
  type JupyterServerInfo,
  type JupyterServerKernelProvider,
  type JupyterServerProviderOptions,
  type JupyterServerSpawnOptions,
} from './provider';
export {
  findFreePort,
  startJupyterServer,
  type JupyterServerLaunchOptions,
  type JupyterServerProcess,
} from './server-process';
export { CONFIG_LOG_MARKER, NODELAY_LOG_TEXT } from './server-config';
