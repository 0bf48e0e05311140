import {
  type ProxyBytes,
  type ProxyInfo,
  type ProxyOptions,
  type Toxic,
  type ToxicOptions,
  ToxiproxyApiError,
} from './types.ts';

/**
 * A small client of Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api).
 * Proxies are named by the caller, so a name is the handle every method takes.
 *
 * @example
 * const toxiproxy = new ToxiproxyClient('http://127.0.0.1:31692');
 * await toxiproxy.addToxic('node-2', { type: 'timeout', attributes: { timeout: 0 } });
 */
export class ToxiproxyClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  /** The server's version; answers only once the API is up. */
  async version(): Promise<string> {
    return (await this.call('GET', '/version', undefined, 'text')) as string;
  }

  /** Creates a proxy, listening at once unless `enabled` is false. */
  async createProxy(options: ProxyOptions): Promise<ProxyInfo> {
    return (await this.call('POST', '/proxies', { enabled: true, ...options })) as ProxyInfo;
  }

  async getProxy(name: string): Promise<ProxyInfo> {
    return (await this.call('GET', `/proxies/${enc(name)}`)) as ProxyInfo;
  }

  /** Every proxy, by name. */
  async listProxies(): Promise<Record<string, ProxyInfo>> {
    return (await this.call('GET', '/proxies')) as Record<string, ProxyInfo>;
  }

  /** Deletes a proxy, closing its listener and connections. */
  async deleteProxy(name: string): Promise<void> {
    await this.call('DELETE', `/proxies/${enc(name)}`, undefined, 'none');
  }

  /** Disabling closes the listener and every open connection; enabling listens again. */
  async setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    return (await this.call('POST', `/proxies/${enc(name)}`, { enabled })) as ProxyInfo;
  }

  /** Adds a toxic to a proxy; it applies to open connections too. */
  async addToxic(proxy: string, toxic: ToxicOptions): Promise<Toxic> {
    const body = { stream: 'downstream', toxicity: 1, ...toxic };
    return (await this.call('POST', `/proxies/${enc(proxy)}/toxics`, body)) as Toxic;
  }

  /** Removes a toxic. Removing a `timeout` toxic closes the connections it held. */
  async removeToxic(proxy: string, toxicName: string): Promise<void> {
    await this.call('DELETE', `/proxies/${enc(proxy)}/toxics/${enc(toxicName)}`, undefined, 'none');
  }

  async listToxics(proxy: string): Promise<Toxic[]> {
    return (await this.call('GET', `/proxies/${enc(proxy)}/toxics`)) as Toxic[];
  }

  /** Removes every toxic and enables every proxy: the cleanup a test registers. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset', undefined, 'none');
  }

  /**
   * Bytes the proxy received from clients (upstream) and from the server (downstream). Toxiproxy
   * adds a connection's bytes when that connection closes: traffic on open ones is not counted yet.
   */
  async bytes(proxy: string): Promise<ProxyBytes> {
    const metrics = (await this.call('GET', '/metrics', undefined, 'text')) as string;
    const result: ProxyBytes = { upstream: 0, downstream: 0 };
    for (const line of metrics.split('\n')) {
      if (!line.startsWith('toxiproxy_proxy_received_bytes_total{')) continue;
      if (!line.includes(`proxy="${proxy}"`)) continue;
      const direction = /direction="(upstream|downstream)"/.exec(line)?.[1] as keyof ProxyBytes | undefined;
      if (direction) result[direction] += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return result;
  }

  private async call(method: string, path: string, body?: unknown, as: 'json' | 'text' | 'none' = 'json') {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new ToxiproxyApiError(
        `Toxiproxy ${method} ${path} answered ${response.status}: ${text}`,
        response.status,
      );
    }
    if (as === 'none') return undefined;
    return as === 'text' ? text : (JSON.parse(text) as unknown);
  }
}

function enc(name: string): string {
  return encodeURIComponent(name);
}
