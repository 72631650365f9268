/** The product version, and the RPC client version the plugin sends and ipamd requires (they ship together). */
export const VERSION = '0.1.0';
export const RPC_CLIENT_VERSION = `vpc-cni/${VERSION}`;
