import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clearPort,
  commandLineIncludes,
  type DetachedServerFiles,
  launchDetached,
  logTail,
  stopDetached,
  waitUntilAnswers,
} from '../setup/detached-server.ts';
import { findJava } from './find-java.ts';
import { ensureApicurio } from './install.ts';
import { APICURIO_VERSION, CACHE_DIR, MIN_JAVA_MAJOR } from './paths.ts';

export interface StartApicurioOptions {
  /** HTTP port on 127.0.0.1 (the REST APIs). */
  port: number;
  /** Quarkus' management interface (health), kept on 127.0.0.1 too; default `port + 1`. */
  managementPort?: number;
  /** How long to wait for the registry to answer; default 90 s (it starts in ~7 s on an idle machine). */
  readyTimeoutMs?: number;
}

/**
 * Apicurio Registry with in-memory storage (its default), on 127.0.0.1, run by the newest
 * installed Java >= 21. Reached through its Confluent-compatible API (`ccompatUrl`), as a
 * Confluent Schema Registry client would reach it. State lives only as long as the process.
 */
export class LocalApicurio {
  readonly port: number;
  readonly managementPort: number;
  /** Base URL of the Confluent Schema Registry compatible API (what SCHEMA_REGISTRY_URL names). */
  readonly ccompatUrl: string;
  /** Base URL of Apicurio's own v3 REST API. */
  readonly coreUrl: string;
  private child: ChildProcess | undefined;
  private readonly files: DetachedServerFiles;

  private constructor(port: number, managementPort: number) {
    this.port = port;
    this.managementPort = managementPort;
    this.ccompatUrl = `http://127.0.0.1:${port}/apis/ccompat/v7`;
    this.coreUrl = `http://127.0.0.1:${port}/apis/registry/v3`;
    this.files = {
      name: 'Apicurio Registry',
      port,
      logPath: join(CACHE_DIR, `apicurio-${port}.log`),
      pidPath: join(CACHE_DIR, `apicurio-${port}.pid`),
      isOurs: (pid) => commandLineIncludes(pid, 'quarkus-run.jar'),
    };
  }

  /** Installs Apicurio on first use, starts a fresh (empty) registry on `port` and waits until it answers. */
  static async start(options: StartApicurioOptions): Promise<LocalApicurio> {
    const java = findJava(MIN_JAVA_MAJOR);
    const dist = await ensureApicurio();
    const registry = new LocalApicurio(options.port, options.managementPort ?? options.port + 1);
    await mkdir(CACHE_DIR, { recursive: true });
    await clearPort(registry.files);
    await clearPort({ ...registry.files, port: registry.managementPort });
    registry.child = await launchDetached(
      registry.files,
      java,
      [
        '-Xmx384m',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${registry.port}`,
        // The management interface binds 0.0.0.0:9000 unless told otherwise.
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${registry.managementPort}`,
        '-jar',
        join(dist, 'quarkus-run.jar'),
      ],
      process.env,
    );
    try {
      await registry.waitUntilReady(options.readyTimeoutMs ?? 90_000);
    } catch (error) {
      await registry.stop();
      throw error;
    }
    return registry;
  }

  get logPath(): string {
    return this.files.logPath;
  }

  logTail(lines = 40): string {
    return logTail(this.files.logPath, lines);
  }

  /** Stops the registry (everything registered is gone with it). */
  async stop(): Promise<void> {
    await stopDetached(this.files, this.child);
    this.child = undefined;
  }

  private waitUntilReady(timeoutMs: number): Promise<void> {
    return waitUntilAnswers({
      name: `Apicurio Registry ${APICURIO_VERSION}`,
      port: this.port,
      url: `${this.ccompatUrl}/subjects`,
      child: this.child,
      timeoutMs,
      pollMs: 200,
      logTail: () => this.logTail(),
    });
  }
}
