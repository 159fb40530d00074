/** The work-queue operations the reconciler uses (WorkQueue). */
export interface ReconcileQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
}
