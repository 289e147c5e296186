/** One thing a recording can be exported as (e.g. `{ id: 'mov', label: 'QuickTime MOV', extension: 'mov' }`). */
export type ExportTarget = { id: string; label: string; extension: string };

/**
 * What `<inpage-recorder>` needs from an export engine to offer "Export" after a recording stops.
 * The element shows its export area only when one is set (`element.exporter`, or
 * `InpageRecorderElement.defaultExporter` for every element), so a page without the engine never
 * downloads it.
 */
export type Exporter = {
  readonly targets: readonly ExportTarget[];
  /** Converts `file`; reports progress as a fraction 0‥1; rejects with an AbortError when `signal` aborts. */
  export(file: File, target: string, options: { signal: AbortSignal; onProgress: (fraction: number) => void }): Promise<Blob>;
};

/** The export in progress or done, as the element shows it. */
export type ExportJob = {
  target: ExportTarget;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: number;
  url: string | null;
  fileName: string | null;
  controller: AbortController;
};
