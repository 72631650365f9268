/**
 * The one base class of every error vpc-cni raises on purpose.
 *
 * Each error carries a stable `code` (documented in docs/errors.md, checked by a test) and the CNI error code a
 * plugin reports when the error reaches a container runtime. Layers keep their own catalogue (`src/ipam/errors.ts`,
 * `src/config/errors.ts`, ...) of subclasses or factory functions; nothing throws a bare `Error` across a port.
 */

/**
 * CNI spec error codes: 1 incompatible version, 2 unsupported field, 3 container unknown, 4 invalid environment
 * variables, 5 I/O failure, 6 decode failure, 7 invalid network config, 11 try again later, 50/51 STATUS
 * (plugin not available / limited connectivity), 999 internal.
 */
export type CniCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 11 | 50 | 51 | 999;

export interface VpcCniErrorOptions {
  readonly cniCode?: CniCode;
  readonly cause?: unknown;
  /** Structured facts for logs and introspection (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class VpcCniError extends Error {
  readonly code: string;
  readonly cniCode: CniCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: VpcCniErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.cniCode = options.cniCode ?? 999;
    this.details = options.details ?? {};
  }
}

/** True for errors raised by vpc-cni itself (as opposed to bugs or library failures). */
export function isVpcCniError(error: unknown): error is VpcCniError {
  return error instanceof VpcCniError;
}

/** One layer's catalogue: stable code → its CNI code and a one-line summary (docs/errors.md has a row per code). */
export type ErrorCatalogue = Readonly<Record<string, { readonly cniCode: CniCode; readonly summary: string }>>;

/** A layer's error class: built from a code of its catalogue, which supplies the CNI code. */
export interface CatalogueErrorClass<Code extends string> {
  new (
    code: Code,
    message: string,
    details?: Readonly<Record<string, unknown>>,
    cause?: unknown,
  ): VpcCniError & { readonly code: Code };
}

/**
 * The base of one layer's error class, so that every layer does not repeat the same constructor. The subclass keeps
 * its own name (`error.name`, `instanceof`).
 *
 * @example
 * export class IpamError extends catalogueError(IPAM_ERRORS) {}
 * new IpamError('NO_AVAILABLE_ADDRESS', 'no free address', { eniCount: 3 }).cniCode; // IPAM_ERRORS' cniCode
 */
export function catalogueError<C extends ErrorCatalogue>(catalogue: C): CatalogueErrorClass<keyof C & string> {
  return class extends VpcCniError {
    constructor(
      code: keyof C & string,
      message: string,
      details: Readonly<Record<string, unknown>> = {},
      cause?: unknown,
    ) {
      super(code, message, { cniCode: catalogue[code]?.cniCode ?? 999, details, cause });
    }
  };
}

/**
 * An error's stable code, EC2 code and message, for logs, history and replies.
 *
 * @example
 * errorFacts(new CloudError('CLOUD_SUBNET_FULL', 'full', { operation: 'x', awsCode: 'InsufficientFreeAddressesInSubnet' }));
 * // { code: 'CLOUD_SUBNET_FULL', awsCode: 'InsufficientFreeAddressesInSubnet', message: 'full' }
 */
export function errorFacts(error: unknown): { code: string; awsCode?: string; message: string } {
  if (error instanceof Error) {
    const record = error as Error & { code?: unknown; details?: { awsCode?: unknown } };
    const code = typeof record.code === 'string' ? record.code : error.name;
    const awsCode = typeof record.details?.awsCode === 'string' ? record.details.awsCode : undefined;
    return awsCode === undefined ? { code, message: error.message } : { code, awsCode, message: error.message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
