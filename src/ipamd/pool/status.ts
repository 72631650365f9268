/** Pool facts shared by the pool manager (writer), the reconciler and the backend (readers, for reasons). */
export interface PoolStatus {
  /** Last successful increase, decrease, ENI free or reconcile: reconcile waits 60 s after it. */
  lastActionAt: number;
  lastDecreaseAt?: number;
  /** The last insufficient-address answer: starts the 120 s back-off. */
  lastInsufficient?: {
    readonly at: number;
    readonly code: string;
    readonly awsCode: string;
    readonly subnetId: string;
  };
  /** The last EC2 failure of a pool action, for AddNetwork's reason. */
  lastError?: {
    readonly at: number;
    readonly code: string;
    readonly awsCode?: string;
    readonly action: string;
    readonly message: string;
  };
  /** The last failed EC2 attempt that is being retried (the call is still in flight), for AddNetwork's reason. */
  lastRetry?: Ec2RetryNote;
  terminating: boolean;
}

/** An EC2 attempt that failed and will be retried, as the EC2 adapter reports it (its `onRetry`). */
export interface Ec2RetryNote {
  readonly at: number;
  readonly action: string;
  readonly code: string;
  readonly awsCode?: string;
  readonly message: string;
}
