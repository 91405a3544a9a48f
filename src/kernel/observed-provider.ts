/**
 * A kernel provider that reports how long each kernel start took (for metrics), around any provider.
 * Cancelled starts (E_ABORTED: the pool shut down, a task was cancelled) are not reported: they say
 * nothing about how kernels start.
 */
import { performance } from 'node:perf_hooks';

import { isNbcError } from '../errors';
import type { KernelProvider } from './provider';

export interface KernelStartEvent {
  kernelName: string;
  durationMs: number;
  ok: boolean;
}

export function observeKernelStarts(
  provider: KernelProvider,
  onStart: (event: KernelStartEvent) => void,
): KernelProvider {
  return {
    kind: provider.kind,
    listKernelSpecs: () => provider.listKernelSpecs(),
    dispose: () => provider.dispose(),
    async startKernel(options) {
      const started = performance.now();
      const report = (ok: boolean): void =>
        onStart({ kernelName: options.kernelName, durationMs: performance.now() - started, ok });
      try {
        const session = await provider.startKernel(options);
        report(true);
        return session;
      } catch (err) {
        if (!isNbcError(err, 'E_ABORTED')) report(false);
        throw err;
      }
    },
  };
}
