/**
 * Error catalogue of the Kubernetes adapter (src/k8s). A failed API call keeps the HTTP status and the API server's
 * `Status.reason`/`message` in details; the message says which call failed and why. The codes are docs/errors.md's
 * "Kubernetes adapter" table (generated into src/error-codes.generated.ts).
 *
 * @example
 * throw new K8sError('K8S_NOT_FOUND', "Node 'node-1' does not exist", { status: 404, operation: 'readNode' });
 */
import { catalogueError, errorGuard } from '../errors.js';
import { K8S_ERRORS } from '../error-codes.generated.js';

export { K8S_ERRORS };

export type K8sErrorCode = keyof typeof K8S_ERRORS;

/**
 * An error of the Kubernetes adapter; `code` is one of {@link K8S_ERRORS}.
 *
 * @example
 * new K8sError('K8S_API_ERROR', 'listNode failed: connect ECONNREFUSED').cniCode; // 11
 */
export class K8sError extends catalogueError(K8S_ERRORS) {}

/**
 * True for a {@link K8sError}, optionally of one of the given codes.
 *
 * @example
 * if (isK8sError(error, 'K8S_NOT_FOUND')) return undefined;
 */
export const isK8sError = errorGuard(K8sError);

/** The `message` and `reason` of a Kubernetes Status body (text or object), when there is one. */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return body === '' ? {} : { message: body };
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  return {
    ...(typeof record['message'] === 'string' ? { message: record['message'] } : {}),
    ...(typeof record['reason'] === 'string' ? { reason: record['reason'] } : {}),
  };
}

/**
 * Maps whatever @kubernetes/client-node threw (an ApiException with `code` and `body`, a fetch error) to a
 * {@link K8sError} naming the operation.
 *
 * @example
 * try { await core.readNode({ name }); } catch (error) { throw toK8sError(error, `readNode ${name}`); }
 */
export function toK8sError(error: unknown, operation: string): K8sError {
  if (error instanceof K8sError) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    body?: unknown;
    message?: unknown;
  };
  const status = typeof record.code === 'number' && record.code >= 100 && record.code < 600 ? record.code : undefined;
  const detail = statusOf(record.body);
  const text = detail.message ?? (typeof record.message === 'string' ? record.message : String(error));
  const details = {
    operation,
    ...(status === undefined ? {} : { status }),
    ...(detail.reason === undefined ? {} : { reason: detail.reason }),
  };
  if (status === 404) return new K8sError('K8S_NOT_FOUND', `${operation}: not found (${text})`, details, error);
  if (status === 409) return new K8sError('K8S_CONFLICT', `${operation}: conflict (${text})`, details, error);
  const how =
    status === undefined
      ? 'could not reach the API server'
      : `HTTP ${status}${detail.reason === undefined ? '' : ` ${detail.reason}`}`;
  return new K8sError('K8S_API_ERROR', `${operation} failed: ${how}: ${text}`, details, error);
}
