// Our EC2 calls name our product in their User-Agent (CloudTrail's userAgent field), not the reference's.
import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { productUserAgent, VERSION } from '../../version.js';
import { systemClock } from '../../obs/clock.js';
import { createEc2Api } from './client.js';

/** One EC2 call against a loopback server that records the request's headers and answers an empty describe. */
async function headersOfOneCall(userAgent: string): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders | undefined;
  const server = createServer((req, res) => {
    seen = req.headers;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/xml' });
    res.end(
      '<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>' +
        '<networkInterfaceSet/></DescribeNetworkInterfacesResponse>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new TypeError('no port');
  const ec2 = createEc2Api({
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    clock: systemClock,
    budget: false,
    retry: { maxAttempts: 1 },
    userAgent,
  });
  try {
    await ec2.describeNetworkInterfaces(['eni-0123456789abcdef0']).catch(() => undefined);
  } finally {
    ec2.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.ok(seen !== undefined, 'the EC2 call reached the server');
  return seen;
}

describe('the EC2 user agent', () => {
  for (const [cniVersion, expected] of [
    [undefined, `vpc-cni/${VERSION}`],
    [VERSION, `vpc-cni/${VERSION}`],
    ['v1.23.1', `vpc-cni/${VERSION} vpc-cni-deployment/v1.23.1`],
  ] as const) {
    it(`VPC_CNI_VERSION=${cniVersion ?? 'unset'} → ${expected}`, async () => {
      assert.equal(productUserAgent(cniVersion), expected);
      const headers = await headersOfOneCall(productUserAgent(cniVersion));
      const sent = `${headers['user-agent'] ?? ''} ${String(headers['x-amz-user-agent'] ?? '')}`;
      assert.ok(sent.includes(expected), sent);
      assert.ok(!sent.includes('amazon-vpc-cni-k8s'), sent);
    });
  }
});
