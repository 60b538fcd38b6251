/**
 * The scenario's `facility` section (and the region files' series): the node type around the GPUs, PUE, the grid's
 * carbon intensity and price, and the run's wall-clock start. One JSON Schema is the type and the validation.
 */
import type { FromSchema } from 'json-schema-to-ts';

const seriesProperties = {
    file: { type: 'string', minLength: 1, description: 'CSV file (relative to the scenario file, or a region file’s folder).' },
    column: { type: 'string', minLength: 1, description: 'Value column.' },
    time_column: { type: 'string', minLength: 1, description: 'Timestamp column (default: timestamp).' },
    timezone: {
      type: 'string',
      description: 'Zone of timestamps written without an offset: UTC, ±HH:MM, or an IANA name (America/Los_Angeles).',
    },
    max_gap_s: { type: 'number', minimum: 0, description: 'Longest gap filled by linear interpolation (default: three resolution steps).' },
    scale: { type: 'number', exclusiveMinimum: 0, description: 'Multiplies every value (e.g. 0.001: $/MWh to $/kWh).' },
} as const;

export const seriesSchema = { type: 'object', additionalProperties: false, required: ['file', 'column'], properties: seriesProperties } as const;

/**
 * A constant or a series, as if/then/else rather than oneOf so that a bad value is reported by what is wrong with
 * it ("must be >= 1", "must have required property 'column'"), not by the branch it did not take.
 */
function constantOrSeries<Min extends number>(minimum: Min, description: string) {
  return { description, if: { type: 'number' }, then: { type: 'number', minimum }, else: seriesSchema } as const;
}

/**
 * One group of replicas in one grid region (a site): its own carbon intensity and price series and its own PUE.
 * Groups take the cluster's replicas in order (the first `replicas` are the first group's) and never share a node.
 */
export const regionGroupSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['replicas'],
  properties: {
    replicas: { type: 'integer', minimum: 1, description: 'How many of the cluster’s replicas sit here (taken in order).' },
    name: { type: 'string', minLength: 1, description: 'Label in outputs (default: the region id, else "group N").' },
    region: { type: 'string', description: 'A grid region id (models/grid/).' },
    carbon_g_per_kwh: constantOrSeries(0, 'Grid carbon intensity here (instead of a region).'),
    price_usd_per_kwh: constantOrSeries(0, "Electricity price here (default: the facility's, else the region's, else 0)."),
    pue: constantOrSeries(1, "PUE here (default: the facility's, else 1)."),
  },
} as const;

export const facilitySchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'Whole-node power, facility overhead, grid carbon and price. Absent: GPU energy only, as before. Present: node, IT and facility energy, operational and embodied carbon, and cost beside the GPU numbers.',
  properties: {
    node: { type: 'string', description: 'Node type id (models/nodes/): the server around the GPUs. Default: dgx-h100.' },
    pue: constantOrSeries(1, 'Facility energy per IT joule: a constant (default 1) or a time series (cooling follows the weather).'),
    region: { type: 'string', description: 'A grid region id (models/grid/): its carbon-intensity series (and price, if it has one).' },
    carbon_g_per_kwh: constantOrSeries(0, 'Grid carbon intensity: a constant or a time series (instead of a region).'),
    price_usd_per_kwh: constantOrSeries(0, "Electricity price: a constant or a time series (default: the region's, else 0)."),
    regions: {
      type: 'array',
      minItems: 1,
      items: regionGroupSchema,
      description:
        'Replicas in several grid regions: groups whose replica counts add up to cluster.replicas, each with its own carbon, price and PUE (instead of region / carbon_g_per_kwh; the facility-wide pue and price are defaults).',
    },
    start: {
      type: 'string',
      description:
        "Wall-clock time of the run's t = 0, with an offset (2022-11-16T18:00:00Z). Default: the trace's first timestamp (Azure traces); required for other workloads when a signal is a time series.",
    },
    lifetime_years: { type: 'number', exclusiveMinimum: 0, description: "Service life the embodied carbon is spread over (default: the node type's)." },
    embodied: { type: 'boolean', default: true, description: 'Report embodied carbon (GPUs and nodes, amortised over the lifetime).' },
  },
} as const;

export const regionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'carbon_g_per_kwh', 'source', 'licence'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    name: { type: 'string', minLength: 1 },
    carbon_g_per_kwh: seriesSchema,
    price_usd_per_kwh: seriesSchema,
    basis: { type: 'string', description: 'How the values were obtained (measured generation mix × modelled emission factors, ...).' },
    source: { type: 'string', minLength: 1 },
    licence: { type: 'string', minLength: 1 },
  },
} as const;

export type FacilityConfig = FromSchema<typeof facilitySchema, { parseIfThenElseKeywords: true }>;
export type RegionGroupConfig = FromSchema<typeof regionGroupSchema, { parseIfThenElseKeywords: true }>;
export type SeriesConfig = FromSchema<typeof seriesSchema>;
export type Region = FromSchema<typeof regionSchema>;
