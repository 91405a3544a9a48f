/** Small helpers shared by the REST resources: parameter parsing and response shapes. */
import { isPlainObject } from '../../json';
import { BadRequestError, VALIDATION_FAILED, type ValidationError } from '../api-errors';
import type { ApiRequest, ApiResponse } from '../http/router';

export const ok = (json?: unknown): ApiResponse =>
  json === undefined ? { status: 200 } : { status: 200, json };
export const text = (t: string): ApiResponse => ({ status: 200, text: t });
export const noContent = (): ApiResponse => ({ status: 204 });

export function param(req: ApiRequest, name: string): string {
  return req.params[name] ?? '';
}

export function queryString(req: ApiRequest, name: string): string | undefined {
  const v = req.query.get(name);
  return v === null ? undefined : v;
}

export function queryBool(req: ApiRequest, name: string, dflt: boolean): boolean {
  const v = req.query.get(name);
  if (v === null || v === '') return dflt;
  if (v.toLowerCase() === 'true') return true;
  if (v.toLowerCase() === 'false') return false;
  throw new BadRequestError(`Invalid value for parameter '${name}': ${v} (expected true or false)`);
}

export function queryInt(req: ApiRequest, name: string, dflt: number): number;
export function queryInt(req: ApiRequest, name: string, dflt?: undefined): number | undefined;
export function queryInt(req: ApiRequest, name: string, dflt?: number): number | undefined {
  const v = req.query.get(name);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n))
    throw new BadRequestError(`Invalid value for parameter '${name}': ${v} (expected an integer)`);
  return n;
}

export function requireValid(errors: ValidationError[]): void {
  if (errors.length > 0) throw new BadRequestError(VALIDATION_FAILED, errors);
}

export function bodyObject(req: ApiRequest, what: string): Record<string, unknown> {
  if (req.body === undefined) throw new BadRequestError(`Required request body is missing: ${what}`);
  if (!isPlainObject(req.body)) throw new BadRequestError(`Request body must be a JSON object (${what})`);
  return req.body;
}

export function bodyArray(req: ApiRequest, what: string): unknown[] {
  if (req.body === undefined) throw new BadRequestError(`Required request body is missing: ${what}`);
  if (!Array.isArray(req.body)) throw new BadRequestError(`Request body must be a JSON array (${what})`);
  return req.body;
}
