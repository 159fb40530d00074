/** One RBAC question: may kube-lego `verb` the `resource` (named `name`) in `namespace`? */
export interface AccessQuestion {
  readonly verb: string;
  readonly resource: string;
  /** The API group; absent for the core group. */
  readonly group?: string;
  readonly namespace: string;
  readonly name?: string;
}

/** RBAC questions (AccessReview). */
export interface WriteAccess {
  allowed(question: AccessQuestion, nowMs: number): Promise<boolean>;
}
