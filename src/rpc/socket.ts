/**
 * The byte stream under the plugin's HTTP/2 client: a unix-socket connection through `Bun.connect` when the plugin
 * runs compiled by Bun, else node:net (loaded on the first connection, so that nothing pays for it up front).
 *
 * @example
 * const socket = await defaultConnector()('/var/run/aws-node/ipamd.sock', { data: onData, closed: onClosed });
 */
/** A connected byte stream. */
export interface RpcSocket {
  write(bytes: Uint8Array): void;
  close(): void;
  /** Keep the process alive while calls are in flight (a Node socket or timer does; an idle one must not). */
  ref(): void;
  unref(): void;
}

export interface SocketEvents {
  data(chunk: Uint8Array): void;
  /** The connection ended (by either side), with the error that ended it, if any. */
  closed(error: Error | undefined): void;
}

/** Connects to a unix socket; rejects with the system error (its `code`: ENOENT, ECONNREFUSED, ...) when it cannot. */
export type Connector = (path: string, events: SocketEvents) => Promise<RpcSocket>;

/** node:net, loaded on the first connection. */
export function nodeConnector(): Connector {
  return async (path, events) => {
    const { connect } = await import('node:net');
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      let connected = false;
      let failure: Error | undefined;
      socket.on('connect', () => {
        connected = true;
        resolve({
          write: (bytes) => {
            socket.write(bytes);
          },
          close: () => socket.destroy(),
          ref: () => socket.ref(),
          unref: () => socket.unref(),
        });
      });
      socket.on('data', (chunk: Buffer) => events.data(chunk));
      socket.on('error', (error) => {
        failure = error;
        if (!connected) reject(error);
      });
      socket.on('close', () => {
        if (connected) events.closed(failure);
      });
    });
  };
}

/** The part of Bun's socket API used here (the project does not depend on Bun's types). */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  ref(): void;
  unref(): void;
}
interface BunSocketHandler {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}
interface BunNet {
  connect(options: { unix: string; socket: BunSocketHandler }): Promise<BunSocket>;
}

/** `Bun.connect`, or undefined when not running on Bun. Writes the socket cannot take at once are sent on drain. */
export function bunConnector(): Connector | undefined {
  const bun = (globalThis as { Bun?: BunNet }).Bun;
  if (bun === undefined) return undefined;
  return async (path, events) => {
    const queue: Uint8Array[] = [];
    let failure: Error | undefined;
    const flush = (socket: BunSocket): void => {
      while (queue.length > 0) {
        const head = queue[0] as Uint8Array;
        const written = socket.write(head);
        if (written >= head.length) queue.shift();
        else {
          queue[0] = head.subarray(Math.max(0, written));
          return;
        }
      }
    };
    const socket = await bun.connect({
      unix: path,
      socket: {
        data: (_socket, data) => events.data(data),
        drain: (s) => flush(s),
        close: (_socket, error) => events.closed(error ?? failure),
        error: (_socket, error) => {
          failure = error;
        },
      },
    });
    return {
      write: (bytes) => {
        queue.push(bytes);
        if (queue.length === 1) flush(socket);
      },
      close: () => socket.end(),
      ref: () => socket.ref(),
      unref: () => socket.unref(),
    };
  };
}

/** Bun's connector under Bun, else node:net's. */
export function defaultConnector(): Connector {
  return bunConnector() ?? nodeConnector();
}
