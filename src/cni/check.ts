/**
 * CHECK (CNI 0.4.0+): is the pod's network still what ADD made it? The reference does not implement CHECK (its
 * conflist sets `disableCheck`); ours compares prevResult — which must be given (code 7 otherwise) — with what the
 * config and CNI_ARGS say it should be, then asks the PodNetwork port to compare the live state with it. Every
 * difference is listed in one CNI_CHECK_FAILED error.
 */
import { requirePodIdentity } from './args.js';
import { CniError } from './errors.js';
import { containerInterfaceName, dummyInterfaceName, hostVethName } from './names.js';
import type { PodSpec } from '../netlink/port.js';
import { podFromResult, readPrevResult } from './result.js';
import type { VerbContext } from './skel.js';

/** CHECK. Resolves when all is as ADD left it (CHECK prints nothing); throws a VpcCniError otherwise. */
export async function check(ctx: VerbContext): Promise<void> {
  const { cmd, conf, k8s, deps, log } = ctx;
  requirePodIdentity(k8s);
  const pod = `${k8s.podNamespace}/${k8s.podName}`;
  if (conf.prevResult === undefined)
    throw new CniError('CNI_INVALID_CONFIG', 'check: the config has no prevResult to check against');
  const previous = podFromResult(readPrevResult(conf.prevResult), dummyInterfaceName(k8s.podNamespace, k8s.podName));
  if (!(await deps.isNetns(cmd.netns))) {
    throw new CniError('CNI_NETNS_MISSING', `check: netns ${cmd.netns} does not exist or is not a network namespace`, {
      netns: cmd.netns,
    });
  }

  const differences: string[] = [];
  const ifName = containerInterfaceName(cmd.ifName, 0);
  const attachment = previous.attachments.find((a) => a.containerIfName === ifName);
  if (attachment === undefined) {
    throw new CniError('CNI_CHECK_FAILED', `check: prevResult of pod ${pod} has no address on ${ifName}`, {
      differences: [`no address on ${ifName}`],
    });
  }
  const expectedVeth = hostVethName(conf.vethPrefix, k8s.podNamespace, k8s.podName);
  if (attachment.hostVethName !== expectedVeth) {
    differences.push(
      `prevResult names host veth ${JSON.stringify(attachment.hostVethName)}, the config and pod make it ${expectedVeth}`,
    );
  }
  if (attachment.netnsPath !== cmd.netns) {
    differences.push(`prevResult puts ${ifName} in ${attachment.netnsPath}, CNI_NETNS is ${cmd.netns}`);
  }
  const spec: PodSpec = {
    hostVethName: expectedVeth,
    containerIfName: ifName,
    netnsPath: cmd.netns,
    podIp: attachment.podIp,
    mtu: conf.mtu,
    routeTableId: attachment.routeTableId,
  };
  differences.push(...(await deps.pods.checkPod(spec)));
  if (differences.length > 0) {
    throw new CniError(
      'CNI_CHECK_FAILED',
      `check: the network of pod ${pod} differs from its ADD result: ${differences.join('; ')}`,
      { differences },
    );
  }
  log.debug(`check: pod ${pod} (${attachment.podIp}, table ${attachment.routeTableId}) is as ADD left it`);
}
