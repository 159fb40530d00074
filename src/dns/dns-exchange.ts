/**
 * A request/answer round trip with a deadline, classified: a timeout, an unreachable server and an undecodable
 * answer become `DnsError`s naming the server (and the zone and key the caller was working with).
 */
import { DnsError } from './dns-error.js';
import { DnsFormatError } from './dns-format-error.js';
import { decodeMessage, type DecodedMessage } from './dns-message.js';
import { exchangeTcp, exchangeUdp, formatServer, type DnsServer } from './dns-transport.js';

export const DEFAULT_DNS_TIMEOUT_MS = 5_000;

export interface ExchangeOptions {
  /** The caller's own cancellation; the exchange also ends after `timeoutMs`. */
  readonly signal?: AbortSignal;
  /** Deadline of the whole exchange, UDP retries and TCP fallback included (default 5 s). */
  readonly timeoutMs?: number;
  /** `udp` falls back to TCP when the answer is truncated (RFC 7766 §5); `tcp` only uses TCP. */
  readonly transport?: 'udp' | 'tcp';
}

/** What the error messages name besides the server. */
export interface ExchangeContext {
  readonly what: string;
  readonly zone?: string;
  readonly keyName?: string;
}

export interface Answer {
  readonly wire: Buffer;
  readonly message: DecodedMessage;
}

/** Sends `wire` to `server`; resolves with the decoded answer or rejects with a `DnsError`. */
export async function exchange(
  server: DnsServer,
  wire: Uint8Array,
  options: ExchangeOptions,
  context: ExchangeContext,
): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  const at = formatServer(server);
  const scope = {
    server: at,
    ...(context.zone === undefined ? {} : { zone: context.zone }),
    ...(context.keyName === undefined ? {} : { keyName: context.keyName }),
  };
  const decode = (answer: Buffer): Answer => {
    try {
      return { wire: answer, message: decodeMessage(answer) };
    } catch (error) {
      if (!(error instanceof DnsFormatError)) throw error;
      throw new DnsError(
        `DNS server ${at} sent an answer to ${context.what} that cannot be decoded: ${error.message}`,
        {
          ...scope,
          code: 'dnsMalformedResponse',
          cause: error,
        },
      );
    }
  };
  try {
    if (options.transport !== 'tcp') {
      const first = decode(await exchangeUdp(server, wire, signal));
      if (!first.message.truncated) return first;
    }
    return decode(await exchangeTcp(server, wire, signal));
  } catch (error) {
    if (error instanceof DnsError) throw error;
    if (deadline.aborted) {
      throw new DnsError(`DNS server ${at} did not answer ${context.what} within ${timeoutMs} ms`, {
        ...scope,
        code: 'dnsTimeout',
        cause: error,
      });
    }
    if (options.signal?.aborted === true) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DnsError(`Cannot reach DNS server ${at} for ${context.what}: ${reason}`, {
      ...scope,
      code: 'dnsUnreachable',
      cause: error,
    });
  }
}
