/** Storage: URI → read / write / stat / list, by scheme (file, s3, http(s)); write-once output targets. */
export type {
  ListOptions,
  ObjectStat,
  ReadOptions,
  Storage,
  StorageBackend,
  WriteOptions,
  WriteResult,
} from './types';
export { createStorage, type CreateStorageOptions } from './registry';
export { guessContentType } from './common';
export { openOutputTarget, type OutputTarget, type OutputTargetOptions } from './output-target';
export { createOutputRoots, type OutputRoots } from './output-roots';
export {
  SUPPORTED_SCHEMES,
  basename,
  dirname,
  isRemote,
  joinUri,
  parseUri,
  pathSegment,
  redactUri,
  uriScheme,
  type ParsedUri,
} from './uri';
export { createFileBackend, type FileBackend, type FileBackendOptions } from './file-backend';
export { createHttpBackend, type HttpBackendOptions } from './http-backend';
export { createS3Backend, type S3Backend, type S3BackendOptions } from './s3-backend';
