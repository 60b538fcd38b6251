/** The workload layer: request sources from traces (streamed) or seeded synthetic generators. */
export type { RequestSource, RequestSpec, WorkloadReport } from './request.js';
export { createRequestSource, limitSource, offlineSource } from './createRequestSource.js';
export type { CreateRequestSourceOptions } from './createRequestSource.js';
export { openTrace } from './openTrace.js';
export type { TraceOptions, TraceSource } from './openTrace.js';
export { detectTraceFormat, resolveTraceFormat, traceAdapters } from './traceFormat.js';
export type { ConcreteTraceFormat } from './traceFormat.js';
export { LineReader, readLines, DEFAULT_BUFFER_BYTES } from './lineReader.js';
export type { Line, LineReaderOptions } from './lineReader.js';
export { syntheticSource } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
export { createArrivalProcess } from './arrivals.js';
export type { ArrivalConfig, ArrivalProcess } from './arrivals.js';
export { createLengthSampler, loadTraceLengths, traceLengthSampler } from './lengths.js';
export type { LengthSampler, Lengths, TraceLengths } from './lengths.js';
export { Random } from './random.js';
export { parseTimestamp, daysFromCivil } from './azureTrace.js';
