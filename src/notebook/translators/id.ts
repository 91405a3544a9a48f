/** The kernel languages parameters can be rendered for (one translator each). */
export type TranslatorId =
  'python' | 'r' | 'scala' | 'julia' | 'matlab' | 'csharp' | 'fsharp' | 'powershell' | 'bash';
