/**
 * An in-process EC2 server on 127.0.0.1:<ephemeral> with an `@aws-sdk/client-ec2` client pointed at it: how the
 * handler tests speak the real wire protocol. The client makes one attempt unless told otherwise, so that errors
 * surface at once; close() destroys the client and stops the server.
 *
 * @example
 * const sim = await startSdkServer(store, eniHandlers);
 * await sim.client.send(new DescribeNetworkInterfacesCommand({}));
 * await sim.close();
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { VpcStore } from '../state/store.js';
import type { HandlerTable, RequestGate } from './handler.js';
import { startEc2Server, type RunningServer } from './server.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export interface SdkServer {
  readonly server: RunningServer;
  readonly client: EC2Client;
  readonly url: string;
  close(): Promise<void>;
}

export async function startSdkServer(
  store: VpcStore,
  handlers: HandlerTable,
  options: { gate?: RequestGate; maxAttempts?: number } = {},
): Promise<SdkServer> {
  const server = await startEc2Server({
    store,
    handlers,
    port: 0,
    ...(options.gate === undefined ? {} : { gate: options.gate }),
  });
  const client = new EC2Client({
    endpoint: server.url,
    region: store.region,
    credentials: CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  });
  return {
    server,
    client,
    url: server.url,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
