/**
 * Error catalogue of `vpc-cni demo` (start-up checks, nodes, pods, the control socket). Every message says what is
 * wrong and what to do; every code is documented in docs/errors.md.
 */
import { catalogueError, type ErrorCatalogue } from '../errors.js';

export const DEMO_ERRORS = {
  DEMO_NEEDS_ROOT: { cniCode: 999, summary: 'The demo creates network namespaces: run it as root (sudo).' },
  DEMO_PLUGIN_MISSING: {
    cniCode: 999,
    summary: 'bin/aws-cni is missing or not executable: build first (npm run build).',
  },
  DEMO_PORT_BUSY: {
    cniCode: 999,
    summary:
      'A port the demo needs (introspection, metrics, EC2 API) is taken; stop the other program or pick others with --base-port.',
  },
  DEMO_ALREADY_RUNNING: {
    cniCode: 999,
    summary: 'Another demo owns the run directory; stop it (Ctrl-C in its terminal) or use another --run-dir.',
  },
  DEMO_RUN_DIR_UNUSABLE: {
    cniCode: 999,
    summary: 'The run directory exists and is not a demo run directory, or cannot be created.',
  },
  DEMO_NODE_FAILED: {
    cniCode: 999,
    summary: "A node's ipamd failed to start or did not become ready in time; the message names its log file.",
  },
  DEMO_POD_FAILED: {
    cniCode: 999,
    summary: "Creating a pod (namespace + aws-cni ADD) failed; the message has the plugin's error.",
  },
  DEMO_TOO_MANY_PODS: {
    cniCode: 999,
    summary: "More pods per node than the node's ENIs can give addresses to (m5.large: 3 ENIs × 9 = 27).",
  },
  DEMO_NOT_RUNNING: {
    cniCode: 999,
    summary: 'No demo is running (no state file or control socket in the run directory); start one with vpc-cni demo.',
  },
  DEMO_CONTROL_FAILED: {
    cniCode: 999,
    summary: "The running demo's control socket answered with an error or broke off.",
  },
  DEMO_INTERRUPTED: {
    cniCode: 999,
    summary: 'The demo was stopped (Ctrl-C, SIGTERM) before it was ready; everything it made was removed.',
  },
} as const satisfies ErrorCatalogue;

export type DemoErrorCode = keyof typeof DEMO_ERRORS;

export class DemoError extends catalogueError(DEMO_ERRORS) {}
