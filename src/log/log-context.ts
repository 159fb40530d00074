/**
 * The `context` field of every log line: kube-lego 0.1.7's contexts, so log queries written for it keep working.
 * New subsystems add their context here, nowhere else.
 */
export const LOG_CONTEXTS = ['kubelego', 'ingress', 'ingress_tls', 'secret', 'acme', 'provider'] as const;

export type LogContext = (typeof LOG_CONTEXTS)[number];
