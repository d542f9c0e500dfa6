import { READY_PATH, type ReadinessCheck } from '../platform/lifecycle';

/**
 * The gateway is ready when its supergraph is loaded (Apollo has started over it before this is
 * mounted) and identity, which every signed-in request asks about its caller, is ready itself.
 * Concurrent probes share one question to identity.
 */
export function gatewayReadiness(identityUrl: string, timeoutMs: number): ReadinessCheck {
  const target = new URL(READY_PATH, identityUrl);
  let asking: Promise<string | null> | null = null;
  const ask = async () => {
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      return response.ok ? null : 'identity not ready';
    } catch {
      return 'identity unreachable';
    }
  };
  return () => {
    asking ??= ask().finally(() => {
      asking = null;
    });
    return asking;
  };
}
