/**
 * `nbconductor config [--show-origin]`: the effective configuration as every command sees it, secrets
 * redacted (keys the schema marks secret, credentials inside URLs); with --show-origin, one line per key
 * saying where its value came from (default, environment variable, config file, flag).
 */
import { configSections, type Config } from '../config';
import { secretKeys } from '../config/schema';
import { redactUri } from '../storage/uri';

export const REDACTED = '[redacted]';

function shown(key: string, value: unknown, secrets: ReadonlySet<string>): unknown {
  if (secrets.has(key)) return value === null ? null : REDACTED;
  if (typeof value === 'string' && /^https?:\/\//i.test(value) && /[@?]/.test(value)) return redactUri(value);
  return value;
}

/** The configuration's sections with secrets redacted (no environment, no sources). */
export function redactedConfig(config: Config): Record<string, Record<string, unknown>> {
  const secrets = new Set(secretKeys());
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, values] of configSections(config)) {
    out[section] = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, shown(`${section}.${k}`, v, secrets)]),
    );
  }
  return out;
}

export function describeConfig(config: Config, showOrigin: boolean): string {
  const sections = redactedConfig(config);
  if (!showOrigin) return `${JSON.stringify(sections, null, 2)}\n`;
  const lines = Object.entries(sections).flatMap(([section, values]) =>
    Object.entries(values).map(([k, v]) => {
      const key = `${section}.${k}`;
      return `${key} = ${JSON.stringify(v)}  (${config.sources[key] ?? 'default'})`;
    }),
  );
  return `${lines.join('\n')}\n`;
}
