/**
 * `vpc-cni custom-networking plan|apply|validate`: the seed's six-step secondary-CIDR workflow as one idempotent
 * command. The flags are parsed in src/cli/custom-networking/options.ts, the work is done by plan.ts, apply.ts and
 * validate.ts there (run.ts wires them to EC2, the target and this command's streams).
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { parseCustomNetworkingArgs } from '../custom-networking/options.js';
import { runCustomNetworking } from '../custom-networking/run.js';

const USAGE = `Usage: vpc-cni custom-networking plan|apply [options]
       vpc-cni custom-networking validate FILE... [options]

The seed's secondary-CIDR workflow as one safe, idempotent command: associate --cidr with the cluster's VPC, carve
one pod subnet per zone, tag it, associate it with the route table of the nodes' subnets, write one ENIConfig per
zone (named after the zone, with the nodes' security groups), map every node to its zone's ENIConfig, turn on
AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG. 'plan' shows the difference and changes nothing; 'apply' makes it (a second
apply changes nothing; an interrupted one resumes) and verifies it. Mistakes are refused before any change.

Where:
  --cluster NAME          the VPC tagged Name=NAME or kubernetes.io/cluster/NAME; nodes = its instances tagged
                          kubernetes.io/cluster/NAME
  --vpc-id ID             the VPC (instead of, or with, --cluster)
  --endpoint-url URL      EC2 endpoint (default AWS_ENDPOINT_URL_EC2 or AWS_EC2_ENDPOINT; the embedded VPC's URL)
  --region REGION         AWS region (default AWS_REGION)
                          credentials: the AWS SDK's chain; the embedded VPC accepts any (AWS_ACCESS_KEY_ID=x ...)

What (plan, apply):
  --cidr CIDR             block to add to the VPC (default 100.64.0.0/16)
  --subnet-size N         prefix length of each pod subnet (default 19)
  --azs ZONE,...          zones to get a pod subnet (default: the zones of the nodes)
  --subnet ZONE=ID        use this existing subnet for ZONE (repeatable)
  --nodes KEY[=VALUE]     only instances with this tag (repeatable), e.g. alpha.eksctl.io/nodegroup-name=ng1-public
  --security-groups SG,.. groups of the ENIConfigs (default: the nodes' groups)
  --label-key KEY         map nodes by this label (sets ENI_CONFIG_LABEL_DEF), e.g. topology.kubernetes.io/zone;
                          default: the annotation k8s.amazonaws.com/eniConfig
  --annotation-key KEY    annotation naming the ENIConfig (ENI_CONFIG_ANNOTATION_DEF)
  --prefix-delegation     size the pod subnets for /28 prefixes (ENABLE_PREFIX_DELEGATION)
  --static-dir DIR        no cluster: write DIR/eniconfigs/<zone>.yaml, DIR/nodes.yaml and DIR/aws-node.env for
                          ipamd's static node source
  --kubeconfig PATH       a cluster: create the ENIConfigs and annotate or label the nodes
  --timeout SECONDS       apply: how long to wait for the CIDR association (default 300)

validate:
  FILE...                 ENIConfig manifests (multi-document YAML, JSON, kubectl lists)
  --nodes-file FILE       node mapping to check (nodes.yaml, or kubectl get nodes -o yaml)
  with --cluster or --vpc-id, subnets and security groups are checked against the VPC

  --output text|json|yaml output format (yaml: the ENIConfig manifests; default text)
  -h, --help              show this help
`;

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCustomNetworkingArgs(args);
  if (parsed.action === 'help') {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  return runCustomNetworking(parsed.action, parsed.options, parsed.files, io);
}

export const customNetworkingCommand: CliCommand = { usage: USAGE, run };
