/** What a run hands downstream: scraps, output variables, large-value offloading, summaries across runs. */
export {
  GLUE_MIME_PREFIX,
  LATEST_SCRAP_VERSION,
  PYTHON_GLUE_HELPER,
  RECORD_MIME_PREFIX,
  extractScraps,
  scrapData,
  type ExtractScrapsOptions,
  type Scrap,
  type ScrapOutput,
  type Scraps,
} from './scraps';
export {
  JSON_VALUE_KEY,
  WRAPPER_REPR,
  decodeOutputVariables,
  outputVariableExpressions,
  validateOutputNames,
  type DecodedOutputVariables,
} from './output-variables';
export {
  DEFAULT_OFFLOAD_LIMIT_BYTES,
  isValueRef,
  offloadFolder,
  offloadLargeValues,
  valueFileName,
  type OffloadKind,
  type OffloadOptions,
  type ValueRef,
} from './offload';
export {
  summarizeNotebook,
  summarizeRuns,
  unreadableSummary,
  type RunStatus,
  type RunSummary,
  type SummarizeRunsOptions,
} from './summaries';
export {
  FIXED_COLUMNS,
  cellText,
  formatSummaries,
  sortSummaries,
  summariesToCsv,
  summariesToJson,
  summariesToTable,
  summaryCell,
  summaryColumns,
  type SummaryFormat,
} from './summary-format';
