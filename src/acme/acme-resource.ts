/**
 * The ACME resource a request addresses, by its RFC 8555 name (RFC 9773 for `renewalInfo`): what metrics
 * label a request with instead of its URL, whose order, authorization and certificate ids are unbounded.
 */
export type AcmeResource =
  | 'directory'
  | 'newNonce'
  | 'newAccount'
  | 'account'
  | 'keyChange'
  | 'newOrder'
  | 'order'
  | 'authz'
  | 'challenge'
  | 'finalize'
  | 'certificate'
  | 'revokeCert'
  | 'renewalInfo';
