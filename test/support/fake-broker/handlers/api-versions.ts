import { API_KEYS, type ApiName, ERROR_CODES, SUPPORTED_VERSIONS } from '../constants.ts';
import { WireWriter } from '../protocol/wire-writer.ts';
import type { HandlerResult, RequestHeader } from './node-context.ts';

/**
 * ApiVersions v0-v2: exactly the versions the fake implements. A newer request version gets
 * UNSUPPORTED_VERSION in the v0 layout, as Kafka answers it, so the client retries lower.
 */
export function handleApiVersions(header: RequestHeader): HandlerResult {
  const { min, max } = SUPPORTED_VERSIONS.ApiVersions;
  const supported = header.apiVersion >= min && header.apiVersion <= max;
  const writer = new WireWriter()
    .int16(supported ? ERROR_CODES.NONE : ERROR_CODES.UNSUPPORTED_VERSION)
    .array(Object.keys(API_KEYS) as ApiName[], (w, name) =>
      w.int16(API_KEYS[name]).int16(SUPPORTED_VERSIONS[name].min).int16(SUPPORTED_VERSIONS[name].max),
    );
  if (supported && header.apiVersion >= 1) writer.int32(0); // throttle_time_ms
  return { kind: 'respond', body: writer.toBuffer() };
}
