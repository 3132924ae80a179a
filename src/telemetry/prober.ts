import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { ErrorKind } from './sample';
import {
  AddressPolicy,
  guardedLookup,
  RefusedTargetError,
  refusalForLiteralHost,
} from './ssrf-guard';

export interface ProbeTarget {
  url: string;
  method: string;
  expectedStatusCodes: number[];
  timeoutMs: number;
}

export type ProbeResult =
  | { kind: 'sample'; latencyMs: number; statusCode: number | null; errorKind: ErrorKind | null }
  /** Not probed at all: the target is off-limits. Nothing is stored; it is a configuration error. */
  | { kind: 'refused'; reason: string };

const MAX_REDIRECTS = 5;

/** The prober's HTTP client: SSRF-guarded connections, redirects followed hop by hop through the guard. */
export function createProbeClient(policy: AddressPolicy): {
  dispatcher: Dispatcher;
  policy: AddressPolicy;
  close: () => Promise<void>;
} {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy) }, keepAliveTimeout: 1000 });
  const guardLiteralHosts: Dispatcher.DispatcherComposeInterceptor =
    (dispatch) => (options, handler) => {
      const refusal = refusalForLiteralHost(new URL(options.path, options.origin), policy);
      if (refusal) throw new RefusedTargetError(refusal);
      return dispatch(options, handler);
    };
  // Order matters: composed this way, the redirect interceptor dispatches every hop through the
  // guard (test/prober.test.ts fails with the order reversed).
  const dispatcher = agent.compose(
    guardLiteralHosts,
    interceptors.redirect({ maxRedirections: MAX_REDIRECTS }),
  );
  return { dispatcher, policy, close: () => agent.close() };
}

function errorKindOf(err: unknown): ErrorKind {
  const code = String(
    (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '',
  );
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError' || code.includes('TIMEOUT'))
    return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA') return 'dns';
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  )
    return 'tls';
  return 'connection';
}

function isRefusal(err: unknown): err is RefusedTargetError {
  return (
    err instanceof RefusedTargetError ||
    (err as { cause?: unknown }).cause instanceof RefusedTargetError
  );
}

/** Probes once: the latency to the full response (or to the failure), and how it went. */
export async function probe(
  target: ProbeTarget,
  client: { dispatcher: Dispatcher },
): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await request(target.url, {
      method: target.method as Dispatcher.HttpMethod,
      dispatcher: client.dispatcher,
      signal: AbortSignal.timeout(target.timeoutMs),
      headers: { 'user-agent': 'Sentinel-Prober/1' },
    });
    await response.body.dump({ limit: 1024 * 1024 });
    const ok = target.expectedStatusCodes.includes(response.statusCode);
    return {
      kind: 'sample',
      latencyMs: elapsed(),
      statusCode: response.statusCode,
      errorKind: ok ? null : 'unexpected_status',
    };
  } catch (err) {
    if (isRefusal(err))
      return {
        kind: 'refused',
        reason: (err as Error).message || String((err as { cause?: Error }).cause?.message),
      };
    return { kind: 'sample', latencyMs: elapsed(), statusCode: null, errorKind: errorKindOf(err) };
  }
}
