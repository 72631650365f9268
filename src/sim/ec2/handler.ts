/**
 * The shape of an EC2 operation in the embedded VPC: parameters in, a response object (EC2 locationNames) out,
 * or an {@link Ec2Error}. Operation groups export a {@link HandlerTable}; the server merges them.
 */
import type { VpcStore } from '../state/store.js';
import type { Params } from './params.js';
import type { XmlObject } from './xml.js';

export interface HandlerContext {
  readonly store: VpcStore;
  readonly action: string;
  readonly requestId: string;
}

export type Ec2Handler = (params: Params, context: HandlerContext) => XmlObject;

export type HandlerTable = Readonly<Record<string, Ec2Handler>>;

/**
 * Decides, before a handler runs, whether a request is admitted: throttling (token buckets) and injected faults
 * (errors, latency) plug in here. Throws an Ec2Error to refuse; may wait to add latency.
 */
export interface RequestGate {
  admit(action: string, params: Params): Promise<void> | void;
}
