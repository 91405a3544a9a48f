/** The Jupyter messaging protocol (v5.3), as much of it as nbconductor speaks. */
import type { JsonObject } from '../json';
import type { MimeBundle } from '../notebook/types';

export type Channel = 'shell' | 'iopub' | 'stdin' | 'control';

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface JupyterMessage<C = JsonObject> {
  channel: Channel;
  header: MessageHeader;
  /** Empty object when the message has no parent. */
  parent_header: Partial<MessageHeader>;
  metadata: JsonObject;
  content: C;
  buffers?: ArrayBuffer[];
}

export interface ExecuteRequestContent {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

export interface UserExpressionResult {
  status: 'ok' | 'error';
  data?: MimeBundle;
  metadata?: JsonObject;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface ExecuteReplyContent {
  status: 'ok' | 'error' | 'aborted';
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  user_expressions?: Record<string, UserExpressionResult>;
  payload?: JsonObject[];
}

export interface LanguageInfo {
  name: string;
  version?: string;
  mimetype?: string;
  file_extension?: string;
  pygments_lexer?: string;
  codemirror_mode?: string | JsonObject;
  nbconvert_exporter?: string;
  [key: string]: unknown;
}

export interface KernelInfoReplyContent {
  status?: 'ok' | 'error';
  protocol_version: string;
  implementation: string;
  implementation_version?: string;
  language_info: LanguageInfo;
  banner?: string;
  help_links?: { text: string; url: string }[];
}

export interface InputRequestContent {
  prompt: string;
  password: boolean;
}

/** iopub message types the executor cares about. */
export type IOPubMessageType =
  | 'status'
  | 'execute_input'
  | 'stream'
  | 'display_data'
  | 'update_display_data'
  | 'execute_result'
  | 'error'
  | 'clear_output'
  | 'comm_open'
  | 'comm_msg'
  | 'comm_close';
