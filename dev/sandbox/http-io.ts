/** HTTP plumbing of the sandbox: request URLs (with the token path prefix), bodies and JSON responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { JsonValue } from './json.js';

/** Largest request body accepted (the real server's limit is 3 MiB too). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * kubectl (client-go) never sends a bearer token to a plain-http server, so over http the kubeconfig
 * carries the token as a path prefix of the server URL (`http://127.0.0.1:port/t/<token>`); the prefix is
 * stripped before routing and never recorded in the audit log.
 */
export const TOKEN_PREFIX = '/t/';

/** The request URL with a `/t/<token>` prefix removed, and that token. */
export function requestUrl(req: IncomingMessage): { url: URL; pathToken: string | undefined } {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  if (!url.pathname.startsWith(TOKEN_PREFIX)) return { url, pathToken: undefined };
  const rest = url.pathname.slice(TOKEN_PREFIX.length);
  const slash = rest.indexOf('/');
  const pathToken = slash < 0 ? rest : rest.slice(0, slash);
  url.pathname = slash < 0 ? '/' : rest.slice(slash);
  return { url, pathToken };
}

/** Sends a JSON body with its length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: JsonValue | object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends an ApiError as its Status object (with Retry-After when set). */
export function sendError(res: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  sendJson(res, error.code, error.toStatus(), headers);
}

/** Reads a whole request body, refusing more than MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, 'BadRequest', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON request body; a 400 that does not quote the body otherwise. */
export function parseJsonBody(bytes: Buffer): JsonValue {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    // The parser's message quotes the body, which may hold secret data: keep it only as the cause.
    throw new ApiError(
      400,
      'BadRequest',
      'the request body is not valid JSON: send a JSON object (or a JSON patch array)',
      {
        cause: error,
      },
    );
  }
}
