/** The routers a scenario can name (`cluster.router`). Adding one: its file, and one line here. */
import type { Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import { carbonAwareRouterEntry } from './carbonAware.js';
import { leastOutstandingEntry } from './leastOutstanding.js';
import { mostFreeKvEntry } from './mostFreeKv.js';
import { packingEntry } from './packing.js';
import { prefixAffinityEntry } from './prefixAffinity.js';
import { roundRobinEntry } from './roundRobin.js';

export const ROUTERS = [roundRobinEntry, leastOutstandingEntry, packingEntry, prefixAffinityEntry, carbonAwareRouterEntry, mostFreeKvEntry] as const satisfies readonly PolicyEntry<Router>[];
export const ROUTER_NAMES = ROUTERS.map((e) => e.name) as readonly (typeof ROUTERS)[number]['name'][];
