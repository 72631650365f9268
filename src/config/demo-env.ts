/**
 * The process environment `vpc-cni demo` needs for the AWS SDK inside it. ipamd's EC2 and IMDS endpoints come from
 * its {@link loadConfig} record, but the SDK resolves *credentials* from `process.env` itself, and SigV4 needs some
 * even though the embedded VPC does not check them. This is the only place the demo touches `process.env`.
 *
 * Dummy values replace whatever was set, so real credentials (or a profile, or a session token) are never used to
 * sign a request, not even one to loopback; `AWS_EC2_METADATA_DISABLED` keeps the SDK's credential chain away from
 * the real instance metadata service (169.254.169.254) should it ever get that far.
 *
 * @example
 * const restore = useEmbeddedVpcCredentials();
 * try { await runDemo(...); } finally { restore(); }
 */

/** The variables {@link useEmbeddedVpcCredentials} sets (a value) or removes (`undefined`). */
export const EMBEDDED_VPC_CREDENTIALS: Readonly<Record<string, string | undefined>> = Object.freeze({
  AWS_ACCESS_KEY_ID: 'AKIAVPCCNIDEMO000000',
  AWS_SECRET_ACCESS_KEY: 'vpc-cni-demo-embedded-vpc-not-a-secret',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
});

/**
 * Points the AWS SDK's credential resolution of this process at dummy static credentials for the embedded VPC.
 * Returns a function that puts the previous values back (tests run it; the demo's process simply exits).
 */
export function useEmbeddedVpcCredentials(): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(EMBEDDED_VPC_CREDENTIALS)) {
    previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
