/** Static AWS credentials from a config section, shared by the S3 storage backend and SQS event queues. */
import { NbcError } from './errors';

export interface AwsCredentialSettings {
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  readonly sessionToken: string | null;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The configured keys, or undefined when neither is set (the SDK's default credential chain then
 * applies). One key without the other is a configuration error naming `<section>.<field>`.
 */
export function staticCredentials(
  settings: AwsCredentialSettings,
  section: 's3' | 'sqs',
): StaticCredentials | undefined {
  const { accessKeyId, secretAccessKey, sessionToken } = settings;
  if (accessKeyId === null && secretAccessKey === null) return undefined;
  if (accessKeyId === null || secretAccessKey === null) {
    const missing = accessKeyId === null ? 'access key id' : 'secret access key';
    throw new NbcError(
      'E_CONFIG',
      `${section.toUpperCase()} credentials are incomplete: the ${missing} is missing (set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither to use the default credential chain)`,
      { field: accessKeyId === null ? `${section}.accessKeyId` : `${section}.secretAccessKey` },
    );
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken !== null ? { sessionToken } : {}) };
}
