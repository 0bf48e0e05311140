import { SchemaRegistryError } from '../value-serializer.ts';

/** Credentials for a Confluent-compatible registry: HTTP basic, or a bearer token. */
export type ConfluentRegistryAuth =
  | { username: string; password: string }
  | {
      token: string;
      /** Confluent Cloud: the registry's logical cluster id (`target-sr-cluster` header). */
      logicalCluster?: string;
      /** Confluent Cloud: the identity pool of an OAuth token (`Confluent-Identity-Pool-Id`). */
      identityPoolId?: string;
    };

export interface ConfluentRegistryClientOptions {
  /** Base URL of the REST API (`https://sr.example.com`, Apicurio's `.../apis/ccompat/v7`). */
  url: string;
  /** Credentials; user info in the URL (`https://user:pass@host`) is taken as basic auth too. */
  auth?: ConfluentRegistryAuth;
  /** How long one request may take before it counts as failed. Default 10 s. */
  requestTimeoutMs?: number;
}

/** A schema version as the registry answers it. */
export interface ConfluentSchemaVersion {
  subject: string;
  version: number | undefined;
  id: number;
  /** The schema's GUID (Confluent Platform 8+ and Confluent Cloud; not every registry has one). */
  guid: string | undefined;
  /** `AVRO` (the registry omits it for Avro), `JSON` or `PROTOBUF`. */
  schemaType: string;
  schema: string;
  references: unknown[];
}

/** What registering a schema answers. */
export interface ConfluentRegistration {
  id: number;
  guid: string | undefined;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A small client of the Confluent Schema Registry REST API (the two calls a producer needs), on
 * the global fetch. Every failure is a SchemaRegistryError carrying the HTTP status and the URL,
 * never the credentials. Caching is the caller's business.
 */
export class ConfluentRegistryClient {
  /** The base URL without user info, safe to print. */
  readonly url: string;
  private readonly authorization: Record<string, string>;
  private readonly requestTimeoutMs: number;

  constructor(options: ConfluentRegistryClientOptions) {
    const url = new URL(options.url);
    const fromUrl =
      url.username || url.password
        ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
        : undefined;
    url.username = '';
    url.password = '';
    this.url = url.toString().replace(/\/+$/, '');
    this.authorization = authorizationHeaders(options.auth ?? fromUrl);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** `GET /subjects/{subject}/versions/{version}`: a version of a subject (`latest` or a number). */
  async getVersion(subject: string, version: number | 'latest'): Promise<ConfluentSchemaVersion> {
    const url = `${this.url}/subjects/${encodeURIComponent(subject)}/versions/${version}`;
    const body = await this.request('GET', url, undefined, { subject, version });
    const { id, schema, schemaType, references, guid } = body as Record<string, unknown>;
    if (typeof id !== 'number' || typeof schema !== 'string') {
      throw new SchemaRegistryError(`${url} answered without a schema id and schema`, { url });
    }
    return {
      subject,
      version: typeof body.version === 'number' ? body.version : undefined,
      id,
      guid: typeof guid === 'string' ? guid : undefined,
      schemaType: typeof schemaType === 'string' ? schemaType : 'AVRO',
      schema,
      references: Array.isArray(references) ? references : [],
    };
  }

  /**
   * `POST /subjects/{subject}/versions`: registers a schema (or finds it registered already, the
   * registry answers the same id) and returns its id.
   */
  async register(subject: string, schema: string, schemaType: string): Promise<ConfluentRegistration> {
    const url = `${this.url}/subjects/${encodeURIComponent(subject)}/versions`;
    // Confluent's own clients leave schemaType out for Avro, which older registries require.
    const payload = schemaType === 'AVRO' ? { schema } : { schema, schemaType };
    const body = await this.request('POST', url, payload, { subject });
    if (typeof body.id !== 'number') {
      throw new SchemaRegistryError(`${url} registered the schema but answered no id`, { url });
    }
    return { id: body.id, guid: typeof body.guid === 'string' ? body.guid : undefined };
  }

  private async request(
    method: 'GET' | 'POST',
    url: string,
    payload: unknown,
    asked: { subject: string; version?: number | 'latest' },
  ): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Accept: `${CONTENT_TYPE}, application/json`,
          ...(payload === undefined ? {} : { 'Content-Type': CONTENT_TYPE }),
          ...this.authorization,
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const reason = timedOut
        ? `did not answer within ${this.requestTimeoutMs} ms`
        : `could not be reached (${networkReason(error)})`;
      throw new SchemaRegistryError(`schema registry ${method} ${url} ${reason}`, { cause: error, url });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw this.httpError(method, url, response.status, text, asked);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new SchemaRegistryError(
        `${method} ${url} answered HTTP ${response.status} with a body that is not JSON`,
        {
          cause: error,
          status: response.status,
          url,
        },
      );
    }
  }

  /** Says what is wrong in the registry's own terms (its `error_code`), and what to do about it. */
  private httpError(
    method: string,
    url: string,
    status: number,
    text: string,
    asked: { subject: string; version?: number | 'latest' },
  ): SchemaRegistryError {
    const { error_code: code, message } = parseErrorBody(text);
    const said = message ? `: ${message}` : '';
    const detail = `HTTP ${status}${code === undefined ? '' : `, error ${code}`}${said}`;
    let what: string;
    if (code === 40401) {
      what = `subject "${asked.subject}" is not registered at ${this.url}: register its schema, or turn auto-registration on`;
    } else if (code === 40402) {
      what = `subject "${asked.subject}" has no version ${asked.version} at ${this.url}`;
    } else if (status === 404) {
      what = `${method} ${url} found nothing (is ${this.url} the registry's REST API base URL?)`;
    } else if (status === 401 || status === 403) {
      what = `${this.url} refused ${Object.keys(this.authorization).length ? 'the configured credentials' : 'a request without credentials'}`;
    } else if (status === 409 || status === 422) {
      what = `${this.url} refused to register the schema for subject "${asked.subject}"`;
    } else if (status === 429) {
      what = `${this.url} is throttling requests`;
    } else {
      what = `${method} ${url} failed`;
    }
    return new SchemaRegistryError(`${what} (${detail})`, { status, url });
  }
}

function authorizationHeaders(auth: ConfluentRegistryAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('token' in auth) {
    return {
      Authorization: `Bearer ${auth.token}`,
      ...(auth.logicalCluster ? { 'target-sr-cluster': auth.logicalCluster } : {}),
      ...(auth.identityPoolId ? { 'Confluent-Identity-Pool-Id': auth.identityPoolId } : {}),
    };
  }
  return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

function parseErrorBody(text: string): { error_code?: number; message?: string } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      error_code: typeof body.error_code === 'number' ? body.error_code : undefined,
      message: typeof body.message === 'string' ? body.message.slice(0, 500) : undefined,
    };
  } catch {
    return {};
  }
}

/** fetch() hides the socket error under `cause`: ECONNREFUSED says more than "fetch failed". */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
