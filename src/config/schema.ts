/**
 * The configuration's JSON Schema, one fragment per section (`sections/<name>.ts`). A new section is a
 * fragment file and one line here, next to its keys in `Config` and `defaults()` (src/config.ts).
 */
import type { SectionSchema } from './section';
import { conductor } from './sections/conductor';
import { engine } from './sections/engine';
import { execution } from './sections/execution';
import { kernel } from './sections/kernel';
import { log } from './sections/log';
import { metrics } from './sections/metrics';
import { python } from './sections/python';
import { s3 } from './sections/s3';
import { scheduler } from './sections/scheduler';
import { security } from './sections/security';
import { sqs } from './sections/sqs';
import { viewer } from './sections/viewer';
import { worker } from './sections/worker';

export const SECTIONS: Readonly<Record<string, SectionSchema>> = {
  python,
  kernel,
  execution,
  s3,
  sqs,
  log,
  conductor,
  engine,
  scheduler,
  security,
  viewer,
  worker,
  metrics,
};

/** The whole configuration; its validator is compiled ahead of time (src/validator-sources.ts). */
export const CONFIG_SCHEMA = { type: 'object', properties: SECTIONS, additionalProperties: false } as const;
/** verbose: errors carry their schema (for its description in messages). */
export const CONFIG_VALIDATOR_OPTIONS = { verbose: true } as const;

/** `section.key` of every value never to be shown (tokens, secrets). */
export function secretKeys(): string[] {
  return Object.entries(SECTIONS).flatMap(([name, s]) =>
    Object.entries(s.properties)
      .filter(([, k]) => k.secret)
      .map(([key]) => `${name}.${key}`),
  );
}
