/** One TXT record kube-lego added for a dns-01 challenge. */
export interface Dns01Record {
  /** The owner name written (after CNAMEs), lower-case without the final dot. */
  readonly name: string;
  readonly zone: string;
  /** The TXT value: base64url(SHA-256(key authorization)). Only ours are ever deleted, by this value. */
  readonly value: string;
}

/**
 * Where the records kube-lego wrote are remembered until they are deleted, in the cluster: a restart (or a
 * new leader) deletes what an interrupted order left on the DNS server, recognised by value.
 */
export interface Dns01Journal {
  /** Called before the record is added, so a crash between the two still leaves it remembered. */
  remember(record: Dns01Record): Promise<void>;
  forget(record: Dns01Record): Promise<void>;
  records(): Promise<readonly Dns01Record[]>;
}
