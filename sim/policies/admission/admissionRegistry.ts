/** Admission policies a scenario can name (`cluster.admission`). Adding one: its file, and one line here. */
import type { AdmissionPolicy } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import { acceptAllEntry } from './acceptAll.js';
import { queueLimitEntry } from './queueLimit.js';

export const ADMISSION_POLICIES = [acceptAllEntry, queueLimitEntry] as const satisfies readonly PolicyEntry<AdmissionPolicy | null>[];
export const ADMISSION_NAMES = ADMISSION_POLICIES.map((e) => e.name) as readonly (typeof ADMISSION_POLICIES)[number]['name'][];
