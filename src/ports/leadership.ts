/** Whether this replica may order certificates, write Secrets and edit challenge routing. */
export interface Leadership {
  isLeader(): boolean;
  /** Called with the new state each time it changes; returns a function that removes the listener. */
  onChange(listener: (leader: boolean) => void): () => void;
}
