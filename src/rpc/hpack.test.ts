// HPACK against nghttp2 (node:http2's encoder): header blocks a real HTTP/2 peer sends, Huffman-coded strings of
// every byte a header may carry, the dynamic table across blocks, and the malformed inputs the decoder must refuse.
import { strict as assert } from 'node:assert';
import { connect as http2Connect } from 'node:http2';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRpcError } from './errors.js';
import { encodeHeaders, HpackDecoder, huffmanDecode } from './hpack.js';
import { withTempDir } from './rpc.test-util.js';

/** The HEADERS blocks a node:http2 client sends for these requests, in order, on one connection. */
async function capturedBlocks(requests: readonly Record<string, string>[]): Promise<Uint8Array[]> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'capture.sock');
    const blocks: Uint8Array[] = [];
    let peer: Socket | undefined;
    const done = new Promise<void>((resolve) => {
      const server = createServer((socket) => {
        peer = socket;
        let buffer = Buffer.alloc(0);
        let prefaceSeen = false;
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          if (!prefaceSeen) {
            if (buffer.length < 24) return;
            buffer = buffer.subarray(24);
            prefaceSeen = true;
          }
          while (buffer.length >= 9) {
            const length = buffer.readUIntBE(0, 3);
            if (buffer.length < 9 + length) return;
            if (buffer[3] === 1) blocks.push(Uint8Array.from(buffer.subarray(9, 9 + length)));
            buffer = buffer.subarray(9 + length);
          }
          if (blocks.length === requests.length) {
            server.close();
            resolve();
          }
        });
        socket.on('error', () => undefined);
      });
      server.listen(path, () => {
        const client = http2Connect('http://localhost', { createConnection: () => netConnect(path) });
        client.on('error', () => undefined);
        for (const headers of requests)
          client.request({ ':method': 'POST', ':path': '/x', ...headers }).on('error', () => undefined);
        void done.then(() => client.destroy());
      });
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`captured ${blocks.length} of ${requests.length} blocks`)), 10_000).unref(),
    );
    await Promise.race([done, timeout]);
    peer?.destroy();
    return blocks;
  });
}

/** Every byte a header value may hold (tab, printable ASCII, and 0x80-0xff), each among frequent characters. */
function everyByte(): string[] {
  const bytes = [
    9,
    ...Array.from({ length: 95 }, (_, i) => 0x20 + i),
    ...Array.from({ length: 128 }, (_, i) => 0x80 + i),
  ];
  return bytes.map((b) => `aeio${String.fromCharCode(b)}tsao0123`);
}

describe('hpack', () => {
  it("decodes nghttp2's Huffman-coded strings of every byte a header value can carry", async () => {
    const values = everyByte();
    // nghttp2 opens at most 100 streams before the peer's SETTINGS (which the capture never sends): 80 per connection.
    for (let start = 0; start < values.length; start += 80) {
      const chunk = values.slice(start, start + 80);
      const blocks = await capturedBlocks(chunk.map((v, i) => ({ [`x-value-${i % 7}`]: v })));
      const decoder = new HpackDecoder();
      for (const [i, block] of blocks.entries()) {
        const headers = decoder.decode(block);
        assert.equal(headers.find(([name]) => name === `x-value-${i % 7}`)?.[1], chunk[i], `value ${start + i}`);
      }
    }
  });

  it('follows the dynamic table across the blocks of one connection (indexed repeats, evictions)', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => ({
      'x-request': String(i % 3),
      'x-long': 'v'.repeat(200 + (i % 5) * 300),
      'user-agent': 'same',
    }));
    const blocks = await capturedBlocks(requests);
    const decoder = new HpackDecoder();
    for (const [i, block] of blocks.entries()) {
      const headers = new Map(decoder.decode(block));
      assert.equal(headers.get(':method'), 'POST');
      assert.equal(headers.get(':path'), '/x');
      assert.equal(headers.get('x-request'), requests[i]?.['x-request']);
      assert.equal(headers.get('x-long'), requests[i]?.['x-long']);
      assert.equal(headers.get('user-agent'), 'same');
    }
  });

  it('encodes what it decodes: static names and full entries, literal names, long values', () => {
    const headers: [string, string][] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/rpc.CNIBackend/AddNetwork'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['x-long', 'z'.repeat(300)],
    ];
    const block = encodeHeaders(headers);
    assert.equal(block[0], 0x83, ':method POST is static entry 3');
    assert.deepEqual(new HpackDecoder().decode(block), headers);
  });

  it('applies table size updates and refuses one above the announced size', () => {
    const decoder = new HpackDecoder(4096);
    // Literal with incremental indexing, new name "a" = "b"; then a size update to 0 (evicts it); then index 62.
    assert.deepEqual(decoder.decode(Uint8Array.from([0x40, 1, 0x61, 1, 0x62, 0xbe])), [
      ['a', 'b'],
      ['a', 'b'],
    ]);
    assert.throws(
      () => decoder.decode(Uint8Array.from([0x20, 0xbe])),
      (e) => isRpcError(e, 'RPC_PROTOCOL'),
    );
    assert.throws(
      () => new HpackDecoder(100).decode(Uint8Array.from([0x3f, 0xe1, 0x1f])),
      (e) => isRpcError(e, 'RPC_PROTOCOL'),
    );
  });

  it('refuses malformed blocks and Huffman strings', () => {
    const refuses = (bytes: number[]): void =>
      assert.throws(
        () => new HpackDecoder().decode(Uint8Array.from(bytes)),
        (e) => isRpcError(e, 'RPC_PROTOCOL'),
      );
    refuses([0x80]); // index 0
    refuses([0xff, 0x00]); // index 127: no such entry
    refuses([0x00, 0x05, 0x61]); // a string running past the block
    refuses([0x7f]); // a truncated integer
    assert.equal(huffmanDecode(Uint8Array.from([0x1f])), 'a'); // 00011 + padding 111
    assert.throws(() => huffmanDecode(Uint8Array.from([0x18])), /padding/); // padding of zeros
    assert.throws(() => huffmanDecode(Uint8Array.from([0xff, 0xff, 0xff, 0xff])), /EOS|Huffman/); // EOS
  });
});
