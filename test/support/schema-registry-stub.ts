import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One registered schema version. */
interface StoredVersion {
  id: number;
  version: number;
  schema: string;
  schemaType: string;
  guid?: string;
  references?: unknown[];
}

export interface StubOptions {
  /** Demand these credentials (`Authorization` header value); anything else gets 401. */
  authorization?: string;
  /** GUIDs in answers, as Confluent Platform 8+ gives them. */
  guids?: boolean;
}

/**
 * A Confluent Schema Registry REST stub on 127.0.0.1 for the unit tests of the client and the
 * cache: the two calls a producer makes, with the registry's own answers (error_code 40401 subject
 * not found, 40402 version not found, 401, ids shared by identical schemas), plus what a real
 * registry cannot be made to do on demand: fail the next requests, or hold an answer until the
 * test releases it. The integration tests use Apicurio Registry itself.
 */
export class SchemaRegistryStub {
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[] = [];
  /** The headers of every request, in order. */
  readonly headers: IncomingHttpHeaders[] = [];
  private readonly subjects = new Map<string, StoredVersion[]>();
  private readonly failures: { status: number; body: string }[] = [];
  private held: Promise<void> | undefined;
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: StubOptions,
  ) {}

  static async start(options: StubOptions = {}): Promise<SchemaRegistryStub> {
    let stub: SchemaRegistryStub | undefined;
    const server = createServer((request, response) => {
      void stub?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new SchemaRegistryStub(server, `http://127.0.0.1:${port}`, options);
    return stub;
  }

  /** Registers a schema as a producer would, returning its id. */
  add(subject: string, schema: string, schemaType = 'AVRO', extra: Partial<StoredVersion> = {}): number {
    const versions = this.subjects.get(subject) ?? [];
    const id = this.idOf(schema, schemaType);
    versions.push({ id, version: versions.length + 1, schema, schemaType, ...extra, ...this.guidFor(id) });
    this.subjects.set(subject, versions);
    return id;
  }

  /** The next `count` requests are answered with `status` (and the registry's error body). */
  failNext(count: number, status: number, errorCode = status * 100): void {
    for (let i = 0; i < count; i++) {
      this.failures.push({
        status,
        body: JSON.stringify({ error_code: errorCode, message: `injected ${status}` }),
      });
    }
  }

  /** Holds every answer until `released` settles. */
  hold(released: Promise<void>): void {
    this.held = released;
  }

  /** Requests made so far for `path` (e.g. `GET /subjects/orders-value/versions/latest`). */
  count(request: string): number {
    return this.requests.filter((r) => r === request).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private idOf(schema: string, schemaType: string): number {
    for (const versions of this.subjects.values()) {
      const same = versions.find((v) => v.schema === schema && v.schemaType === schemaType);
      if (same) return same.id;
    }
    return this.nextId++;
  }

  private guidFor(id: number): { guid?: string } {
    return this.options.guids ? { guid: `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}` } : {};
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = decodeURI(request.url ?? '/');
    this.requests.push(`${request.method} ${path}`);
    this.headers.push(request.headers);
    if (this.held) await this.held;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const failure = this.failures.shift();
    if (failure) return send(failure.status, failure.body);
    if (this.options.authorization && request.headers.authorization !== this.options.authorization) {
      return send(401, { error_code: 401, message: 'Unauthorized' });
    }
    const version = /^\/subjects\/([^/]+)\/versions\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && version) {
      const [, subject = '', which = ''] = version;
      const versions = this.subjects.get(decodeURIComponent(subject));
      if (!versions) return send(404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      const found = which === 'latest' ? versions.at(-1) : versions.find((v) => v.version === Number(which));
      if (!found) return send(404, { error_code: 40402, message: `Version ${which} not found.` });
      const { schemaType, ...rest } = found;
      // The registry leaves schemaType out for Avro.
      return send(200, { subject, ...rest, ...(schemaType === 'AVRO' ? {} : { schemaType }) });
    }
    const register = /^\/subjects\/([^/]+)\/versions$/.exec(path);
    if (request.method === 'POST' && register) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        schema: string;
        schemaType?: string;
      };
      const subject = decodeURIComponent(register[1] ?? '');
      const schemaType = body.schemaType ?? 'AVRO';
      const existing = this.subjects.get(subject)?.find((v) => v.schema === body.schema);
      const id = existing?.id ?? this.add(subject, body.schema, schemaType);
      return send(200, { id, ...this.guidFor(id) });
    }
    return send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  }
}
