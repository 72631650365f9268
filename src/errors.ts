/**
 * The one error model of vpc-cni. Every error a user can meet is a {@link VpcCniError}: a stable `code` from one
 * layer's catalogue, the CNI error code the catalogue gives that code (what a plugin reports to the container
 * runtime, and whether a retry may help: 11), structured `details` (never secrets) and the `cause`. The catalogues
 * are written once, as the tables of docs/errors.md, which scripts/gen-errors.ts turns into
 * src/error-codes.generated.ts (`npm run gen:errors`, run before every compile); a layer gets its class from its
 * catalogue with {@link catalogueError}, so every error is made the same way: `new LayerError(code, message,
 * details?, cause?)`.
 *
 * @example
 * import { IPAM_ERRORS } from '../error-codes.generated.js';
 * export class IpamError extends catalogueError(IPAM_ERRORS) {}
 * export const isIpamError = errorGuard(IpamError);
 * throw new IpamError('NO_AVAILABLE_ADDRESS', 'no free address: 27 of 27 in use', { eniCount: 3 });
 */

/**
 * CNI spec error codes: 1 incompatible version, 2 unsupported field, 3 container unknown, 4 invalid environment
 * variables, 5 I/O failure, 6 decode failure, 7 invalid network config, 11 try again later, 50/51 STATUS
 * (plugin not available / limited connectivity), 999 internal. A value, not only a type, so that the generator of
 * the catalogues (scripts/error-docs.ts) refuses any other number in docs/errors.md.
 */
export const CNI_CODES = [1, 2, 3, 4, 5, 6, 7, 11, 50, 51, 999] as const;

/** One of {@link CNI_CODES}. */
export type CniCode = (typeof CNI_CODES)[number];

/** A catalogue row: the CNI code of the error and its summary (a row of docs/errors.md: code, CNI code, meaning). */
export interface ErrorSpec {
  readonly cniCode: CniCode;
  readonly summary: string;
}

/** One layer's catalogue: stable code → its {@link ErrorSpec}. */
export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

/**
 * Structured facts for logs, introspection and replies (never secrets). A `cause` here is a code in words (the CNI
 * output's `cause=NETLINK_COMMAND_FAILED`); the error that caused this one is the constructor's last argument, so an
 * Error in details does not type-check.
 */
export type ErrorDetails = Readonly<Record<string, unknown>> & { readonly cause?: string };

/** The base of every layer's error class; made only through {@link catalogueError}. */
// eslint-disable-next-line no-restricted-syntax -- the one subclass of Error: the base of every catalogue's class
export class VpcCniError extends Error {
  readonly code: string;
  readonly cniCode: CniCode;
  readonly details: ErrorDetails;

  protected constructor(code: string, message: string, cniCode: CniCode, details: ErrorDetails, cause: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.cniCode = cniCode;
    this.details = details;
  }
}

/** True for errors raised by vpc-cni itself (as opposed to bugs or library failures). */
export function isVpcCniError(error: unknown): error is VpcCniError {
  return error instanceof VpcCniError;
}

/** A layer's error class: the one constructor, its code from the catalogue, its details of the layer's shape. */
export interface CatalogueErrorClass<Code extends string, Details extends object> {
  new (
    code: Code,
    message: string,
    details?: Details,
    cause?: unknown,
  ): VpcCniError & { readonly code: Code; readonly details: Details & ErrorDetails };
  /** The catalogue the class was made from. */
  readonly catalogue: Readonly<Record<Code, ErrorSpec>>;
}

/**
 * The base of one layer's error class. The subclass keeps its own name (`error.name`, `instanceof`); the CNI code
 * of each error comes from the catalogue, so nothing restates it.
 *
 * @example
 * export class CloudError extends catalogueError<typeof CLOUD_ERRORS, CloudErrorDetails>(CLOUD_ERRORS) {}
 * new CloudError('CLOUD_THROTTLED', 'RequestLimitExceeded', { operation: 'AssignPrivateIpAddresses' }).cniCode; // 11
 */
export function catalogueError<C extends ErrorCatalogue, Details extends object = ErrorDetails>(
  catalogue: C,
): CatalogueErrorClass<keyof C & string, Details> {
  return class extends VpcCniError {
    static readonly catalogue = catalogue;

    constructor(code: keyof C & string, message: string, details?: Details, cause?: unknown) {
      super(code, message, catalogue[code]?.cniCode ?? 999, details ?? {}, cause);
    }
  } as unknown as CatalogueErrorClass<keyof C & string, Details>;
}

/**
 * The type guard of a layer's errors, optionally narrowed to some of its codes.
 *
 * @example
 * export const isCloudError = errorGuard(CloudError);
 * if (isCloudError(error, 'CLOUD_SUBNET_FULL', 'CLOUD_NO_CIDR_BLOCKS')) backOff();
 */
export function errorGuard<E extends VpcCniError>(
  Class: abstract new (...args: never[]) => E,
): (error: unknown, ...codes: E['code'][]) => error is E {
  return (error: unknown, ...codes: E['code'][]): error is E =>
    error instanceof Class && (codes.length === 0 || codes.includes(error.code));
}

/**
 * The message of anything thrown, for logs and for wrapping into another error's message.
 *
 * @example
 * messageOf(new Error('boom')); // 'boom'
 * messageOf('plain'); // 'plain'
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

/**
 * Anything thrown, as an Error (a rejection must carry one): an Error as it is, any other value wrapped.
 *
 * @example
 * promise.catch((thrown: unknown) => reject(asError(thrown)));
 */
export function asError(thrown: unknown): Error {
  // eslint-disable-next-line no-restricted-syntax -- the one place a foreign throwable becomes an Error
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
